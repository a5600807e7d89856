#!/usr/bin/env bash
# space_info: size line, index decoding, clear errors with a non-zero exit for bad input.
set -u
tool="$1"
fail() { echo "FAIL: $*"; exit 1; }

out=$("$tool") || fail "no-argument run exited non-zero"
grep -q "648232974 networks" <<<"$out" || fail "size missing: $out"

out=$("$tool" --index 19) || fail "--index 19 exited non-zero"
grep -qF '{"id": "nas19", "input": [32, 32, 3], "classes": 10, "blocks": [["VGG", 16], ["VGG", 32]]}' \
  <<<"$out" || fail "wrong decoding of 19: $out"

out=$("$tool" --index 648232973 --input 28,28,1 --classes 10) || fail "last index failed"
grep -qF '[["RES", 128], ["RES", 128], ["RES", 128], ["RES", 128], ["RES", 128], ["RES", 128], ["RES", 128]]' \
  <<<"$out" || fail "wrong decoding of the last index: $out"

for bad in "--index 648232974" "--index -1" "--index abc" "--index 99999999999999999999999" \
            "--index 3 --input 32,32" "--index 3 --classes 0" "--nonsense" \
            "--index 19 --input 5000,5000,3" "--index 19 --classes 2000000" "--classes -3" \
            "--input garbage" "--input 32,32,3," "--index 3 --index 4"; do
  err=$("$tool" $bad 2>&1 >/dev/null)
  status=$?
  [ "$status" -ne 0 ] || fail "'$bad' exited 0"
  grep -q "space_info: error:" <<<"$err" || fail "'$bad' gave no clear error: $err"
done
grep -q "outside the search space" <<<"$("$tool" --index 648232974 2>&1)" || fail "range message"
echo PASS
