#!/usr/bin/env bash
# Prints the path of a Node.js binary of the minimum supported version (package.json "engines",
# >=20.19: 20.19.0), fetching it once from the npm registry's node-<platform>-<arch> package into
# node_modules/.cache. The test command runs the unit tier with it as well as with the installed Node.
set -euo pipefail
cd "$(dirname "$0")/.."
version=20.19.0
target=$(node -p 'process.platform + "-" + process.arch')
dir="node_modules/.cache/rollout-node-$version-$target"
if [ ! -x "$dir/bin/node" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  if ! (cd "$tmp" && npm pack --silent "node-$target@$version" >/dev/null 2>"$tmp/npm.err"); then
    echo "min-node: cannot fetch node-$target@$version from the npm registry: $(tail -1 "$tmp/npm.err")" >&2
    exit 1
  fi
  mkdir -p "$tmp/x"
  tar -xzf "$tmp"/node-"$target"-"$version".tgz -C "$tmp/x" package/bin/node
  mkdir -p "$dir/bin"
  mv "$tmp/x/package/bin/node" "$dir/bin/node"
fi
actual=$("$dir/bin/node" --version)
if [ "$actual" != "v$version" ]; then
  echo "min-node: $dir/bin/node is $actual, expected v$version" >&2
  exit 1
fi
echo "$dir/bin/node"
