#!/bin/sh
# Regenerates popular-npm.txt from the npm-high-impact package
# (https://github.com/wooorm/npm-high-impact), through the npm registry
# the npm CLI is configured for. Usage: sh gen.sh [VERSION] [COUNT]
set -eu
version=${1:-1.13.0}
count=${2:-10000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack --silent "npm-high-impact@$version" >/dev/null && tar xzf npm-high-impact-*.tgz)
{
	printf '# npm high-impact package names: the first %s of npm-high-impact@%s lib/top.js\n' "$count" "$version"
	printf '# (most depended-upon and most downloaded first). Regenerate: go generate ./internal/typosquat\n'
	grep -o "^  '[^']*'" "$dir/package/lib/top.js" | sed "s/^  '//; s/'\$//" | head -n "$count"
} > popular-npm.txt
