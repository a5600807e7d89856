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

# `bazel run` starts in the runfiles tree: a relative --arch means the user's directory.
here=$(pwd)
case "$estimate" in /*) estimate_abs="$estimate" ;; *) estimate_abs="$here/$estimate" ;; esac
out=$(cd / && BUILD_WORKING_DIRECTORY="$here" "$estimate_abs" --arch testdata/arch/b01.json \
      --preset mnsim2) || fail "relative --arch under bazel run exited $?"
grep -q "^total: latency" <<<"$out" || fail "relative --arch: no totals"

out=$("$estimate" --arch testdata/arch/b01.json --preset mnsim2 --json=false) ||
  fail "--json=false exited $?"
grep -q "^total: latency" <<<"$out" || fail "--json=false did not print the table"
"$estimate" --arch testdata/arch/b01.json --preset mnsim2 json >/dev/null 2>&1 &&
  fail "a stray argument exited 0"
"$estimate" --arch testdata/arch/b01.json --arch testdata/arch/b03.json --preset mnsim2 \
  >/dev/null 2>&1 && fail "a repeated --arch exited 0"

# A flattened fc input past 2^31 used to wrap around to negative tile counts.
echo '{"input": [1000, 1000, 3], "classes": 10, "layers": [["conv", 3, 4000, 1], ["fc", 10]]}' \
  >"$tmp"
for preset in mnsim2 neurosim14; do
  err=$("$estimate" --arch "$tmp" --preset "$preset" 2>&1 >/dev/null)
  [ $? -eq 2 ] || fail "huge fc layer ($preset) did not exit 2"
  grep -q "weights, more than" <<<"$err" || fail "huge fc layer ($preset) message: $err"
done
# Global average pooling of a non-square map is not modelled: said so, not mispriced.
echo '{"input": [16, 32, 3], "classes": 10, "blocks": [["RES", 16]]}' >"$tmp"
err=$("$estimate" --arch "$tmp" --preset mnsim2 2>&1 >/dev/null)
[ $? -eq 2 ] || fail "non-square global pool did not exit 2"
grep -q "square maps only" <<<"$err" || fail "non-square global pool message: $err"
echo "PASS"
