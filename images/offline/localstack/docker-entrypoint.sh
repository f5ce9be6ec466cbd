#!/bin/sh
# Entrypoint of the offline LocalStack stand-in (see images/offline/README.md): runs the LocalStack
# runtime in the foreground. It prints "Ready." once every configured service can take requests,
# which is the line @testcontainers/localstack and compose health checks wait for.
# Any arguments are run instead (e.g. `docker run --rm IMAGE python -c ...`).
set -e
export GATEWAY_LISTEN="${GATEWAY_LISTEN:-0.0.0.0:4566}"
if [ "$#" -gt 0 ]; then
  exec "$@"
fi
mkdir -p /var/lib/localstack/tmp 2>/dev/null || true
cd /opt/code/localstack
exec /opt/code/localstack/.venv/bin/python -m localstack.runtime.main
