#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine, done once and skipped when already there.
# Runs automatically before `npm test` (npm's pretest hook).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

# Node dependencies: install when missing or when package-lock.json changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
else
  log "Node dependencies are up to date"
fi
