#!/bin/sh
# Entrypoint of the offline stand-in for public.ecr.aws/lambda/nodejs (see images/offline/README.md).
# Same contract as AWS's /lambda-entrypoint.sh: exactly one argument, the handler ("file.export"),
# exported as _HANDLER; outside Lambda (no AWS_LAMBDA_RUNTIME_API) the Runtime Interface Emulator
# serves the invoke API on :8080 and starts the runtime bootstrap itself.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" >&2
  exit 142
fi
export _HANDLER="$1"

RUNTIME_ENTRYPOINT=/var/runtime/bootstrap
if [ -z "${AWS_LAMBDA_RUNTIME_API:-}" ]; then
  exec /usr/local/bin/aws-lambda-rie "$RUNTIME_ENTRYPOINT"
fi
exec "$RUNTIME_ENTRYPOINT"
