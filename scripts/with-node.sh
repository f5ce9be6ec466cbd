#!/usr/bin/env bash
# Runs a command on the project's Node (scripts/ensure-node.sh installs it when missing), so that
# `npm test` and `npm run stack:up` run on Node 24 even when the npm that started them runs on an
# older Node. npm, npx and every tool they start (jest, tsc, eslint, cdk, ts-node) are
# `#!/usr/bin/env node` scripts: with this Node first on PATH they all run on it.
#
#   bash scripts/with-node.sh npm run test:all
set -euo pipefail

node_bin=$(bash "$(dirname "${BASH_SOURCE[0]}")/ensure-node.sh")
export PATH="$node_bin:$PATH"
# Which node was chosen, for scripts that must run on it (scripts/setup.sh re-runs itself otherwise).
export IMGPROC_NODE="$node_bin/node"
# npm tells scripts which node runs it in these two; the outer npm set them to its own.
export NODE="$node_bin/node" npm_node_execpath="$node_bin/node"
# Native addons are built against this Node's headers, whatever nodedir a user's npmrc names.
if [ -d "$node_bin/../include/node" ]; then
  npm_config_nodedir=$(cd "$node_bin/.." && pwd)
  export npm_config_nodedir
fi
printf '[with-node] running `%s` on Node %s (%s)\n' "$*" "$(node -v)" "$node_bin/node" >&2
exec "$@"
