#!/usr/bin/env bash
# Runs Rampart's whole test suite on a fresh machine: installs what the
# tests need (idempotently), checks hygiene, then runs every test,
# including the end-to-end tests that drive the real npm CLI and the
# browser test in real Chromium.
#
# Usage: bash scripts/test.sh          (from the repository root)
#        SKIP_INSTALL=1 bash scripts/test.sh   (tools already present)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
export CI="${CI:-true}"   # the browser test fails, not skips, without Chromium
export PATH="$(go env GOPATH)/bin:$PATH"

step() { printf '\n== %s (at %ds)\n' "$*" "$SECONDS"; }

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  step "installing test dependencies"
  need_apt=()
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
  if [ ${#need_apt[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  # The end-to-end tests are written against npm 11's protocol.
  npm_major=$(npm --version 2>/dev/null | cut -d. -f1 || echo 0)
  if [ "${npm_major:-0}" -lt 11 ]; then
    npm install -g npm@11.19.1 >/dev/null
  fi
  if ! staticcheck -version 2>/dev/null | grep -q '2026.1\|v0.7.0'; then
    go install honnef.co/go/tools/cmd/staticcheck@v0.7.0
  fi
fi
echo "go $(go env GOVERSION), node $(node --version), npm $(npm --version), $(chromium --version 2>/dev/null || echo 'no chromium')"

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "not gofmt'ed:"; echo "$unformatted"; exit 1; fi

step "go mod tidy is a no-op"
cp go.mod /tmp/rampart-go.mod.$$; cp go.sum /tmp/rampart-go.sum.$$
go mod tidy
if ! cmp -s go.mod /tmp/rampart-go.mod.$$ || ! cmp -s go.sum /tmp/rampart-go.sum.$$; then
  cp /tmp/rampart-go.mod.$$ go.mod; cp /tmp/rampart-go.sum.$$ go.sum
  echo "go.mod/go.sum are not tidy: run go mod tidy and commit"; exit 1
fi
rm -f /tmp/rampart-go.mod.$$ /tmp/rampart-go.sum.$$

step "go vet"
go vet ./...
# The files only a test build compiles (the settable clock, see README,
# Tests) are vetted and checked too.
go vet -tags rampart_testclock ./internal/cli ./internal/server ./internal/clockctl

step "staticcheck"
staticcheck ./...
staticcheck -tags rampart_testclock ./internal/cli

# Every benchmark runs once in the same pass as the tests (so none rots;
# numbers: docs/benchmarks.md): a second `go test -bench` pass would start
# every test binary again for nothing.
step "tests, and every benchmark once"
go test -count=1 -timeout 40m -bench=. -benchtime=1x ./... 2>&1 | tee /tmp/rampart-test.$$.log
status=${PIPESTATUS[0]}
[ "$status" = 0 ] || exit "$status"

step "fuzzing the parsers of untrusted input (short runs)"
# Go 1.26's fuzzing coordinator can race at the -fuzztime boundary
# (golang/go#75804) and fail with a bare "context deadline exceeded" though
# no input failed. A real finding always writes a reproducer under
# testdata/fuzz/<target>, so a failure that wrote none and names that error
# is run again, once, instead of failing CI on the toolchain's race.
fuzz() {
  local out corpus="$1/testdata/fuzz/$2" before after try
  for try in 1 2; do
    before=$(ls "$corpus" 2>/dev/null | sort || true)
    if out=$(go test -run='^$' -fuzz="^$2\$" -fuzztime="${FUZZTIME:-5s}" "$1" 2>&1); then
      echo "$1 $2 ok"
      return 0
    fi
    after=$(ls "$corpus" 2>/dev/null | sort || true)
    if [ "$before" = "$after" ] && grep -q 'context deadline exceeded' <<<"$out" && [ "$try" = 1 ]; then
      echo "$1 $2: fuzzing coordinator race at -fuzztime (golang/go#75804), no input saved; running again"
      continue
    fi
    break
  done
  echo "$out"
  echo "FAIL: fuzzing $2 in $1 found a failing input (saved under $corpus)"
  return 1
}
# Every Fuzz target in the tree, found rather than listed, so a new parser's
# fuzz test is run without anyone remembering to add it here.
grep -rl --include='*_test.go' '^func Fuzz' internal | while read -r f; do
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
    fuzz "./$(dirname "$f")" "$target"
  done
done

pkgs=$(grep -c '^ok' /tmp/rampart-test.$$.log || true)
rm -f /tmp/rampart-test.$$.log
echo
echo "all checks passed ($pkgs packages with tests) in ${SECONDS}s"
