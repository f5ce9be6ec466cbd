#!/bin/sh
# Entrypoint of the offline node stand-in, same behaviour as the official image's: when the first
# argument is an option (-e, --version, ...) or a .js file rather than a command, run it with node.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "${1}" 2>/dev/null)" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
