#!/usr/bin/env bash
# Prints a directory that holds a Node.js >= 22 `node` (and npm), for `PATH="$(bash scripts/ensure-node.sh):$PATH"`.
# If the machine's node is older, Node 24 is installed from the npm registry's `node` package (it ships the
# real binary), cached under ${TENANTRY_CACHE_DIR:-~/.cache/tenantry}/node24, so a warm run takes no time.
set -euo pipefail

required_major=22
current_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$current_major" -ge "$required_major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

cache_dir="${TENANTRY_CACHE_DIR:-$HOME/.cache/tenantry}/node24"
node_bin="$cache_dir/node_modules/.bin"
if ! "$node_bin/node" --version >/dev/null 2>&1; then
  echo "ensure-node: node $(node --version 2>/dev/null || echo none) is older than $required_major; installing node@24 from the npm registry into $cache_dir" >&2
  mkdir -p "$cache_dir"
  # --prefix would also move npm's global config to <prefix>/etc/npmrc: keep the machine's (registry, CA file).
  global_config=$(npm config get globalconfig)
  npm install --prefix "$cache_dir" --globalconfig "$global_config" --no-audit --no-fund --no-save node@24 >&2
fi
# npm itself comes from the machine; Node 24 runs it. The bin folder gets `node` only.
echo "$node_bin"
