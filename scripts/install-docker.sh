#!/usr/bin/env bash
# Installs and starts a Docker engine plus a compose v2 CLI on Debian, as root, from Debian's
# packages alone. Safe to run again: every step is skipped when its result is already there.
#
#   sudo scripts/install-docker.sh
#
# - engine: Debian's docker.io (dockerd 20.10 on bookworm), started in the background when no
#   init system manages it; log in /var/log/dockerd.log.
# - compose: Debian bookworm has no compose v2 package, so the docker-compose binary is taken from
#   trixie's package (checked against the archive's SHA256) and installed as a CLI plugin. Where
#   that is not reachable it is built from the Go module proxy.
set -euo pipefail

log() { printf '[install-docker] %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs Debian packages and starts dockerd)"
  exit 1
fi

DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
COMPOSE_GO_VERSION=${COMPOSE_GO_VERSION:-v2.40.3}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

install_engine() {
  if command -v dockerd >/dev/null 2>&1; then
    log "dockerd already installed: $(dockerd --version)"
    return
  fi
  log "installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates xz-utils curl >/dev/null
}

start_engine() {
  if docker info >/dev/null 2>&1; then
    log "docker engine is running"
    return
  fi
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    systemctl start docker || true
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd in the background (log: /var/log/dockerd.log)"
    # A stale pid file from a session that ended makes dockerd refuse to start.
    rm -f /var/run/docker.pid
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "docker engine is up"; return; }
    sleep 1
  done
  log "dockerd did not come up within 60 s; last lines of /var/log/dockerd.log:"
  tail -n 20 /var/log/dockerd.log >&2 || true
  exit 1
}

compose_from_trixie() {
  local index tmp filename sha
  tmp=$(mktemp -d)
  index="$DEBIAN_MIRROR/dists/trixie/main/binary-amd64/Packages.xz"
  curl -fsS -m 120 -o "$tmp/Packages.xz" "$index" || return 1
  read -r filename sha < <(xz -dc "$tmp/Packages.xz" | awk '
    /^Package: docker-compose$/ { f = 1 }
    f && /^Filename:/ { fn = $2 }
    f && /^SHA256:/ { sh = $2 }
    f && /^$/ { print fn, sh; exit }')
  [ -n "${filename:-}" ] || return 1
  log "downloading $filename"
  curl -fsS -m 300 -o "$tmp/compose.deb" "$DEBIAN_MIRROR/$filename" || return 1
  echo "$sha  $tmp/compose.deb" | sha256sum -c --quiet - || { log "checksum mismatch for $filename"; return 1; }
  dpkg-deb -x "$tmp/compose.deb" "$tmp/x"
  install -D -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
}

compose_from_go() {
  command -v go >/dev/null 2>&1 || return 1
  log "building docker compose $COMPOSE_GO_VERSION from the Go module proxy (a few minutes)"
  local gobin
  gobin=$(mktemp -d)
  GOBIN="$gobin" CGO_ENABLED=0 go install "github.com/docker/compose/v2/cmd@$COMPOSE_GO_VERSION" || return 1
  install -D -m 0755 "$gobin/cmd" "$PLUGIN_DIR/docker-compose"
  rm -rf "$gobin"
}

install_compose() {
  if docker compose version >/dev/null 2>&1; then
    log "compose already installed: $(docker compose version --short 2>/dev/null || docker compose version)"
    return
  fi
  compose_from_trixie || compose_from_go || { log "could not install a compose v2 CLI"; exit 1; }
  log "compose installed: $(docker compose version --short)"
}

install_engine
start_engine
install_compose
