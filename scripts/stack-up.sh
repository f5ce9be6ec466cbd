#!/usr/bin/env bash
# From nothing to a running local stack and a demo upload: scripts/setup.sh (Node dependencies;
# Docker engine and compose, installed on Debian when missing, as root; upstream images or their
# offline stand-ins), then `docker compose up --build --wait`, then the demo.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - started ))" >&2; }

step "Set-up: Node dependencies, Docker engine and compose, images (scripts/setup.sh)"
bash scripts/setup.sh

# Giving --env-file replaces compose's default .env, so both are named: the user's settings first,
# then the images chosen by resolve-images.sh.
compose=(docker compose)
[ -f .env ] && compose+=(--env-file .env)
compose+=(--env-file .local/images.env)

step "Starting the stack (docker compose up --build --wait)"
if ! "${compose[@]}" up --detach --build --wait --wait-timeout 600; then
  "${compose[@]}" ps --all >&2 || true
  "${compose[@]}" logs --tail 40 >&2 || true
  echo "The stack did not become healthy; the logs above say which service failed." >&2
  exit 1
fi
"${compose[@]}" ps
inbox=$("${compose[@]}" port mailpit 8025)
printf '\nMail inbox (SNS e-mail to the demo address, DEMO_EMAIL): http://localhost:%s\n' "${inbox##*:}" >&2

step "Demo"
npx ts-node --transpile-only workbench/demo.ts
