#!/usr/bin/env bash
# The estimate tool: table and JSON output, clear errors and non-zero exit on bad input.
set -u
estimate="$1"
fail() { echo "FAIL: $*"; exit 1; }

out=$("$estimate" --arch testdata/arch/b01.json --preset mnsim2) || fail "b01 table exited $?"
grep -q "block0.conv1" <<<"$out" || fail "table lacks the layer names"
grep -q "^total: latency" <<<"$out" || fail "table lacks the totals"

json=$("$estimate" --arch testdata/arch/b03.json --preset mnsim2 --json) || fail "json exited $?"
for key in '"layers"' '"total"' '"latency_ns"' '"energy_pj"' '"area_um2"' '"energy_breakdown_pj"'; do
  grep -q "$key" <<<"$json" || fail "json lacks $key"
done

err=$("$estimate" --arch testdata/arch/b01.json --preset nosuch 2>&1 >/dev/null)
status=$?
[ "$status" -ne 0 ] || fail "unknown preset exited 0"
grep -q "unknown preset" <<<"$err" || fail "unknown preset message: $err"
grep -q "mnsim2" <<<"$err" || fail "unknown preset message does not list the presets: $err"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
echo '{"input": [32, 32, 3], "classes": 10, "blocks": [["VGG", 0]]}' >"$tmp"
err=$("$estimate" --arch "$tmp" --preset mnsim2 2>&1 >/dev/null)
[ $? -ne 0 ] || fail "bad architecture exited 0"
[ -n "$err" ] || fail "bad architecture gave no message"

err=$("$estimate" --arch /nonexistent.json --preset mnsim2 2>&1 >/dev/null)
[ $? -ne 0 ] || fail "missing file exited 0"

"$estimate" --preset mnsim2 >/dev/null 2>&1 && fail "missing --arch exited 0"
echo "PASS"
