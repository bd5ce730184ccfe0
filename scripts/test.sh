#!/usr/bin/env bash
# The test command (README: `npm ci && npm test`). It installs the real components the suite runs
# against when they are missing (Debian packages, as root), builds, runs every tier of the suite and
# ends with one plain line "N passed, N failed". It never skips a tier: a missing component fails loudly.
set -uo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v prometheus >/dev/null 2>&1 || need_pkgs+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_pkgs+=(prometheus)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_pkgs+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_pkgs+=(redis-server)
/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1 || need_pkgs+=(python3-scipy)
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v xmllint >/dev/null 2>&1 || need_pkgs+=(libxml2-utils)
command -v zsh >/dev/null 2>&1 || need_pkgs+=(zsh)
command -v fish >/dev/null 2>&1 || need_pkgs+=(fish)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  pkgs=$(printf '%s\n' "${need_pkgs[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" != "0" ]; then
    echo "test: missing Debian packages: $pkgs— install them (apt-get install $pkgs) or run as root" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  echo "test: installing $pkgs" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs; } >/tmp/rollout-apt.log 2>&1; then
    echo "test: apt-get install $pkgs failed; see /tmp/rollout-apt.log" >&2
    tail -20 /tmp/rollout-apt.log >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  # Debian starts its own services on install; the suite starts private instances on free ports.
  for svc in prometheus postgresql redis-server; do
    (service "$svc" stop || systemctl stop "$svc") >/dev/null 2>&1 || true
  done
fi

# The real Unleash server the unleash provider is tested against: a test fixture, never a dependency of
# the CLI (unleash-server 6.x runs on Node 20). Installed from its lockfile when missing.
if [ ! -f test/fixtures/unleash-server/node_modules/unleash-server/dist/server.js ]; then
  echo "test: installing unleash-server into test/fixtures/unleash-server" >&2
  if ! npm ci --prefix test/fixtures/unleash-server --no-audit --no-fund >/tmp/rollout-unleash-install.log 2>&1; then
    echo "test: npm ci --prefix test/fixtures/unleash-server failed; see /tmp/rollout-unleash-install.log" >&2
    tail -20 /tmp/rollout-unleash-install.log >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
fi

if ! npm run --silent build; then
  echo "test: the build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

# Type-check everything (sources, engines, tests, benches), lint and check formatting: a failure counts as a failed check
# in the closing line, and the suite still runs so one run reports everything.
checks_failed=0
if ! npm run --silent typecheck; then
  echo "test: typecheck failed (npm run typecheck)" >&2
  checks_failed=$((checks_failed + 1))
fi
if ! npm run --silent lint; then
  echo "test: lint failed (npm run lint)" >&2
  checks_failed=$((checks_failed + 1))
fi
if ! npm run --silent format:check >/dev/null 2>.format-check.log; then
  cat .format-check.log >&2
  echo "test: formatting differs from prettier (npm run format fixes it)" >&2
  checks_failed=$((checks_failed + 1))
fi
rm -f .format-check.log

results=.test-results.json
rm -f "$results"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@"
status=$?

# The unit tier again on the minimum supported Node (package.json engines: >=20.19), when the installed
# one is another version: a language feature or API newer than 20.19 fails here, not on a user's machine.
min_results=.test-results-min-node.json
rm -f "$min_results"
# It costs the unit tier's time again, so it runs when asked for (ROLLOUT_TEST_MIN_NODE=1) or when the
# 20.19 binary is already in the cache; otherwise the closing lines say it did not run and how to run it.
if [ $# -eq 0 ] && [[ "$(node --version)" != v20.19.* ]] && [ "${ROLLOUT_TEST_MIN_NODE:-}" != "1" ] && ! ls node_modules/.cache/rollout-node-20.19.0-*/bin/node >/dev/null 2>&1; then
  echo "test: the unit tier on Node 20.19 did not run (ROLLOUT_TEST_MIN_NODE=1 npm test runs it)" >&2
elif [ $# -eq 0 ] && [[ "$(node --version)" != v20.19.* ]]; then
  if min_node=$(bash scripts/min-node.sh); then
    echo "test: unit tier on $("$min_node" --version) ($min_node)" >&2
    "$min_node" node_modules/vitest/vitest.mjs run test/unit --reporter=dot --reporter=json --outputFile.json="$min_results" || status=1
    [ -s "$min_results" ] || checks_failed=$((checks_failed + 1))
  else
    echo "test: the unit tier on Node 20.19 did not run (see above)" >&2
    checks_failed=$((checks_failed + 1))
  fi
fi

if [ ! -s "$results" ]; then
  echo "test: vitest wrote no report (exit $status)" >&2
  echo "0 passed, $((1 + checks_failed)) failed"
  exit 1
fi
node -e '
  const fs = require("fs");
  const runs = [process.argv[1], process.argv[3]].filter((f) => f && fs.existsSync(f)).map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
  const sum = (k) => runs.reduce((n, x) => n + (x[k] || 0), 0);
  const r = { numPassedTests: sum("numPassedTests"), numFailedTests: sum("numFailedTests"), numPendingTests: sum("numPendingTests"), numTodoTests: sum("numTodoTests"), numTotalTests: sum("numTotalTests"), testResults: runs.flatMap((x) => x.testResults) };
  const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
  // A file that failed to load has no failed test of its own: count it once; never count a file twice.
  const broken = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed")).length;
  let failed = r.numFailedTests + broken + Number(process.argv[2]);
  if (r.numTotalTests === 0) failed += 1;
  console.log(`${r.numPassedTests} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
  process.exit(failed > 0 || skipped > 0 ? 1 : 0);
' "$results" "$checks_failed" "$min_results"
summary=$?
[ $status -ne 0 ] && exit $status
exit $summary
