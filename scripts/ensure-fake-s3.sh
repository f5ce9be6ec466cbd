#!/usr/bin/env bash
# Makes sure the bench's in-memory S3 server (scripts/bench/fake-s3: gofakes3 with its s3mem
# backend, which `npm run bench` lists next to LocalStack) is built, and prints its path on stdout.
# Built once with `go build` from the Go module proxy (the only place this needs to reach) into
# ${XDG_CACHE_HOME:-$HOME/.cache}/imgproc/fake-s3-<hash of its sources>/; progress goes to stderr.
set -euo pipefail

SOURCE=$(cd "$(dirname "$0")/bench/fake-s3" && pwd)
HASH=$(cat "$SOURCE/go.mod" "$SOURCE/go.sum" "$SOURCE/main.go" | sha256sum | cut -c1-16)
DEST=${XDG_CACHE_HOME:-$HOME/.cache}/imgproc/fake-s3-$HASH
BINARY=$DEST/fake-s3

log() { printf '[ensure-fake-s3] %s\n' "$*" >&2; }

if [ -x "$BINARY" ]; then
  log "the bench's fake S3 is built ($BINARY)"
  echo "$BINARY"
  exit 0
fi
command -v go >/dev/null || { log "ERROR: Go is needed to build the bench's fake S3 (go build from the Go module proxy)"; exit 1; }
log "building the bench's fake S3 (gofakes3) with go build (once; about a minute)"
mkdir -p "$DEST.tmp.$$"
(cd "$SOURCE" && GOFLAGS=-mod=readonly go build -o "$DEST.tmp.$$/fake-s3" .)
# Two checkouts may build at once: the first to finish wins, the other's copy is dropped.
mv -T "$DEST.tmp.$$" "$DEST" 2>/dev/null || rm -rf "$DEST.tmp.$$"
log "built $BINARY"
echo "$BINARY"
