#!/usr/bin/env bash
# Makes sure Toxiproxy's server (github.com/Shopify/toxiproxy, the fault-injection TCP proxy that
# `npm run bench` puts between s3-metrics and LocalStack) is built, and prints its path on stdout.
# Built once with `go install` from the Go module proxy (the only place this needs to reach) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/imgproc/toxiproxy-<version>/; progress goes to stderr.
# TOXIPROXY_VERSION overrides the pinned version.
set -euo pipefail

VERSION=${TOXIPROXY_VERSION:-v2.5.0}
DEST=${XDG_CACHE_HOME:-$HOME/.cache}/imgproc/toxiproxy-$VERSION
BINARY=$DEST/toxiproxy-server

log() { printf '[ensure-toxiproxy] %s\n' "$*" >&2; }

if [ -x "$BINARY" ]; then
  log "Toxiproxy $VERSION is built ($BINARY)"
  echo "$BINARY"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: Go is needed to build Toxiproxy (go install from the Go module proxy)"; exit 1; }
log "building Toxiproxy $VERSION with go install (once; about a minute)"
mkdir -p "$DEST.tmp.$$"
GOBIN="$DEST.tmp.$$" GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@$VERSION"
mv "$DEST.tmp.$$/server" "$DEST.tmp.$$/toxiproxy-server"
# Two checkouts may build at once: the first to finish wins, the other's copy is dropped.
mv -T "$DEST.tmp.$$" "$DEST" 2>/dev/null || rm -rf "$DEST.tmp.$$"
log "built $BINARY"
echo "$BINARY"
