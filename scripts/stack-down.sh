#!/usr/bin/env bash
# Stops the local stack and removes its containers, network and volumes. Images are kept.
set -euo pipefail
cd "$(dirname "$0")/.."
env_file=()
[ -f .local/images.env ] && env_file=(--env-file .local/images.env)
docker compose "${env_file[@]}" down --volumes --remove-orphans --timeout 5
rm -f .local/stack.json
