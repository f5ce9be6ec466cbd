#!/usr/bin/env bash
# Everything the test suite needs on a fresh machine, done once and skipped when already there.
# Runs as the first step of `npm test` and `npm run stack:up`:
#   0. Node 24 (.node-version), installed from the npm registry when the machine lacks it
#      (scripts/ensure-node.sh), and first on PATH for everything below;
#   1. Node dependencies, of the application and of infra/ (npm ci when a lockfile changed);
#   2. Debian's Chromium for the browser suite (installed when missing, as root), then a Docker
#      engine and the compose v2 plugin (installed from Debian's packages when missing, as root;
#      see scripts/install-docker.sh);
#   3. the base images: upstream where they can be pulled, offline stand-ins built from package
#      registries otherwise (scripts/resolve-images.sh writes the choice to .local/images.env);
#   4. heif-enc (Debian's libheif-examples), which the HEIC tests use to make their own HEIC files.
# The integration suites build the project's own images from their Dockerfiles.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
log() { printf '[setup %3ss] %s\n' "$(( $(date +%s) - started ))" "$*" >&2; }

# Everything below, npm ci included (engine checks, install scripts, native builds), runs on the
# project's Node: unless scripts/with-node.sh already put it first on PATH, start again under it.
if [ "$(command -v node || true)" != "${IMGPROC_NODE:-}" ]; then
  exec bash scripts/with-node.sh bash scripts/setup.sh "$@"
fi
log "Node $(node -v) ($IMGPROC_NODE), npm $(npm -v)"

# Node dependencies of the application and of the CDK app (infra/ is a package of its own, so the
# function images never see CDK): npm ci when missing or when the lockfile changed.
for dir in . infra; do
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    log "installing Node dependencies in $dir (npm ci)"
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
  else
    log "Node dependencies in $dir are up to date"
  fi
done

# Debian's Chromium for the browser suite; without it that suite fails and says why.
bash scripts/install-chromium.sh || log "continuing without Chromium: only the browser suite needs it"

# The HEIC tests encode their inputs with libheif's heif-enc at test time (never shipped: x265,
# which it uses, is GPL). Installed from Debian's packages, as root, when missing.
if command -v heif-enc >/dev/null 2>&1; then
  log "heif-enc is available"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  log "installing heif-enc (apt-get install libheif-examples)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libheif-examples >/dev/null
else
  log "heif-enc is missing and cannot be installed here: on Debian, as root, apt-get install libheif-examples"
  exit 1
fi

if [ "${SKIP_DOCKER_SETUP:-}" = "1" ]; then
  log "SKIP_DOCKER_SETUP=1: not checking Docker or images"
  exit 0
fi

if docker info >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  log "Docker engine and compose are available"
elif [ "$(id -u)" -eq 0 ] && [ -f /etc/debian_version ]; then
  log "installing/starting the Docker engine and compose (scripts/install-docker.sh)"
  bash scripts/install-docker.sh
else
  log "Docker with the compose v2 plugin is required. On Debian, run as root: scripts/install-docker.sh"
  exit 1
fi

log "choosing base images"
bash scripts/resolve-images.sh
log "done"
