#!/usr/bin/env bash
# Chooses, for each upstream image the stack uses, what to run, and writes the choice to
# .local/images.env (for `docker compose --env-file .local/images.env ...` and the test code).
# The same command works on a machine with a container registry and on one without:
#
#   scripts/resolve-images.sh
#
# For each of LAMBDA_BASE_IMAGE, LOCALSTACK_IMAGE, DYNAMODB_IMAGE, NODE_IMAGE, MAILPIT_IMAGE, in this order:
#   1. the value already in the environment, if set;
#   2. the upstream image pinned in images/base-images.env, if it is present locally or
#      `docker pull` gets it (a registry that does not start answering within PULL_TIMEOUT
#      seconds, default 20, counts as unreachable; a pull that has started is left to finish);
#   3. otherwise the offline stand-in, built by scripts/offline-images.sh (only what is missing).
# Prints one line per image saying which was chosen and why.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ENV_FILE="$ROOT/.local/images.env"
PULL_TIMEOUT=${PULL_TIMEOUT:-20}

# variable | offline-images.sh name. The upstream images are pinned in images/base-images.env and
# the stand-ins' tags are offline-images.sh's (--print-tags): neither is repeated here.
IMAGES=(
  "LAMBDA_BASE_IMAGE|lambda-nodejs"
  "LOCALSTACK_IMAGE|localstack"
  "DYNAMODB_IMAGE|dynamodb-local"
  "NODE_IMAGE|node"
  "MAILPIT_IMAGE|mailpit"
)

log() { printf '[resolve-images] %s\n' "$*" >&2; }

declare -A UPSTREAM STANDIN
while IFS='=' read -r var value; do
  case "$var" in [A-Z]*) UPSTREAM[$var]=$value ;; esac
done <"$ROOT/images/base-images.env"
while IFS='=' read -r var value; do STANDIN[$var]=$value; done < <("$ROOT/scripts/offline-images.sh" --print-tags)
for row in "${IMAGES[@]}"; do
  IFS='|' read -r var _ <<<"$row"
  if [ -z "${UPSTREAM[$var]:-}" ] || [ -z "${STANDIN[$var]:-}" ]; then
    log "images/base-images.env or scripts/offline-images.sh --print-tags names no image for $var"
    exit 1
  fi
done

if ! docker info >/dev/null 2>&1; then
  log "docker info failed: the Docker engine is not running or not installed. Run scripts/install-docker.sh (as root) first."
  exit 1
fi

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# pull IMAGE: 0 when pulled; else 1 with PULL_ERR set. Only the wait for the registry's first
# answer is bounded; once layers are coming the pull may take as long as it needs.
PULL_ERR=""
pull() {
  local logf pid rc ticks=0
  logf=$(mktemp)
  docker pull "$1" >"$logf" 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if grep -qE 'Pulling from|Pulling fs layer|Digest: ' "$logf"; then break; fi
    if [ "$ticks" -ge $((PULL_TIMEOUT * 10)) ]; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      PULL_ERR="no answer from the registry within ${PULL_TIMEOUT}s"
      rm -f "$logf"; return 1
    fi
    sleep 0.1; ticks=$((ticks + 1))
  done
  rc=0; wait "$pid" || rc=$?
  PULL_ERR=$(grep -v '^$' "$logf" | tail -n 1 | cut -c1-160)
  rm -f "$logf"
  return "$rc"
}

declare -A CHOSEN REASON
MISSING=()
REGISTRY_DOWN=""
for row in "${IMAGES[@]}"; do
  IFS='|' read -r var name <<<"$row"
  upstream=${UPSTREAM[$var]} standin=${STANDIN[$var]}
  if [ -n "${!var:-}" ]; then
    CHOSEN[$var]=${!var}; REASON[$var]="set in the environment"
    continue
  fi
  if image_present "$upstream"; then
    CHOSEN[$var]=$upstream; REASON[$var]="upstream image present locally"
    continue
  fi
  log "pulling $upstream"
  if pull "$upstream"; then
    CHOSEN[$var]=$upstream; REASON[$var]="upstream image pulled"
    continue
  fi
  err=${PULL_ERR:-docker pull failed}
  case "$err" in *"dial tcp: "*) err=${err##*dial tcp: } ;; esac
  REGISTRY_DOWN="$err"
  if image_present "$standin"; then
    CHOSEN[$var]=$standin; REASON[$var]="upstream not pullable ($err); offline stand-in already built"
  else
    CHOSEN[$var]=$standin; REASON[$var]="upstream not pullable ($err); offline stand-in built now"
    MISSING+=("$name")
  fi
done

if [ ${#MISSING[@]} -gt 0 ]; then
  log "building offline stand-ins: ${MISSING[*]} (scripts/offline-images.sh; the first build takes minutes)"
  "$ROOT/scripts/offline-images.sh" --no-env-file "${MISSING[@]}"
fi

mkdir -p "$(dirname "$ENV_FILE")"
{
  echo "# Written by scripts/resolve-images.sh: which image each variable runs."
  echo "# Use with: docker compose --env-file .local/images.env ..."
  for row in "${IMAGES[@]}"; do
    IFS='|' read -r var _ <<<"$row"
    echo "$var=${CHOSEN[$var]}"
  done
} >"$ENV_FILE.tmp"
mv "$ENV_FILE.tmp" "$ENV_FILE"

for row in "${IMAGES[@]}"; do
  IFS='|' read -r var _ <<<"$row"
  printf '%-18s %-40s %s\n' "$var" "${CHOSEN[$var]}" "${REASON[$var]}"
done
if [ -n "$REGISTRY_DOWN" ]; then
  log "note: no container registry here, so Testcontainers cannot pull its Ryuk reaper either:"
  log "      export TESTCONTAINERS_RYUK_DISABLED=true for test runs on this machine"
fi
log "wrote ${ENV_FILE#"$ROOT"/}"
