#!/usr/bin/env bash
# bench-verify.sh DATA PORT: times `rampart verify` of a lockfile that
# pins every package published in the registry over DATA (seed one with
# `rampart-bench -packages 1000 -versions 1 -data DATA`), served by
# `rampart serve` on 127.0.0.1:PORT. Prints the cold run (empty cache:
# every tile and bundle fetched) and the warm run (tiles cached).
# See docs/benchmarks.md, "rampart verify".
set -euo pipefail
data=$1 port=$2
bin=${RAMPART_BIN:-rampart}
url="http://127.0.0.1:$port/"
work=$(mktemp -d)
trap 'kill $srv 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" serve --data "$data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
srv=$!
for _ in $(seq 100); do curl -fs "$url-/healthz" >/dev/null && break; sleep 0.2; done
# The lockfile, from the log's own feed: every publish's name, version and integrity.
node - "$url" "$work/project" <<'JS'
const [url, dir] = process.argv.slice(2);
const fs = require('fs');
(async () => {
  const pkgs = {"": {name: "bench-app", version: "1.0.0"}};
  let after = 0;
  for (;;) {
    const r = await (await fetch(`${url}-/log/feed?after=${after}&limit=1000`)).json();
    for (const it of r.entries) {
      const e = it.entry;
      if (e.type !== 'package.publish') continue;
      const file = e.package.split('/').pop();
      pkgs[`node_modules/${e.package}`] = {version: e.version, resolved: `${url}${e.package}/-/${file}-${e.version}.tgz`, integrity: e.artifact.integrity};
    }
    if (r.entries.length === 0) break;
    after = r.next;
  }
  fs.mkdirSync(dir, {recursive: true});
  fs.writeFileSync(`${dir}/package-lock.json`, JSON.stringify({name: "bench-app", version: "1.0.0", lockfileVersion: 3, requires: true, packages: pkgs}, null, 2));
  console.log(`lockfile of ${Object.keys(pkgs).length - 1} packages`);
})();
JS
for run in cold warm; do
  start=$(date +%s.%N)
  "$bin" verify "$work/project" --registry "$url" --cache-dir "$work/cache" --no-provenance | tail -1
  end=$(date +%s.%N)
  echo "$run: $(echo "$end - $start" | bc) s"
done
