#!/usr/bin/env bash
# Stops the local stack and removes its containers, network and volumes. Images are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
compose=(docker compose)
[ -f .env ] && compose+=(--env-file .env)
[ -f .local/images.env ] && compose+=(--env-file .local/images.env)
"${compose[@]}" down --volumes --remove-orphans --timeout 5
rm -f "${STACK_DIR:-.local}/stack.json"
