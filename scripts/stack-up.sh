#!/usr/bin/env bash
# From nothing to a running local stack and a demo upload:
#   Docker engine + compose (installed on Debian when missing, as root), Node dependencies, the
#   upstream images or their offline stand-ins, `docker compose up --wait`, then the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))" >&2; }

step "Docker engine and compose"
if ! docker info >/dev/null 2>&1 || ! docker compose version >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
    bash scripts/install-docker.sh
  else
    echo "Docker with the compose v2 plugin is needed. On Debian run: sudo scripts/install-docker.sh" >&2
    exit 1
  fi
fi

step "Node dependencies"
bash scripts/setup.sh

step "Images (upstream where they can be pulled, offline stand-ins otherwise)"
bash scripts/resolve-images.sh

step "Starting the stack"
if ! docker compose --env-file .local/images.env up --detach --build --wait --wait-timeout 600; then
  docker compose --env-file .local/images.env ps --all >&2 || true
  docker compose --env-file .local/images.env logs --tail 40 >&2 || true
  echo "The stack did not become healthy; the logs above say which service failed." >&2
  exit 1
fi
docker compose --env-file .local/images.env ps

step "Demo"
npx ts-node --transpile-only src/local/demo.ts
