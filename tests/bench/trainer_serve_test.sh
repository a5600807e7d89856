#!/usr/bin/env bash
# trainer_throughput --serve, the protocol tools/torch_throughput.py drives: "ready", then one
# number of seconds per "train N" / "inference N" line; bad commands and flags exit non-zero
# with a message naming what is wrong.
set -u
bin="$1"
fail() { echo "FAIL: $*"; exit 1; }
arch=testdata/arch/b11.json

out=$(printf 'train 1\ninference 2\nquit\n' | "$bin" --serve --arch "$arch" --batch 4 --threads 2) ||
  fail "good session exited non-zero: $out"
mapfile -t lines <<<"$out"
[ "${#lines[@]}" -eq 3 ] || fail "expected 3 lines, got: $out"
[ "${lines[0]}" = ready ] || fail "first line is not 'ready': ${lines[0]}"
for t in "${lines[1]}" "${lines[2]}"; do
  [[ "$t" =~ ^[0-9]+\.[0-9]{9}$ ]] || fail "not a time in seconds: '$t'"
  awk -v t="$t" 'BEGIN { exit !(t > 0 && t < 60) }' || fail "implausible time: $t"
done

# End of input ends the session like "quit".
printf 'inference 1\n' | "$bin" --serve --arch "$arch" --batch 2 >/dev/null ||
  fail "end of input exited non-zero"

expect_error() {
  local want="$1" input="$2"
  shift 2
  local err
  err=$(printf "$input" | "$bin" "$@" 2>&1 >/dev/null) && fail "exited 0: $* <<< $input"
  grep -q -- "$want" <<<"$err" || fail "message for '$*' ($input) lacks '$want': $err"
}
expect_error "bad command 'train'" 'train\n' --serve --arch "$arch" --batch 2
expect_error "bad command 'jump 3'" 'jump 3\n' --serve --arch "$arch" --batch 2
expect_error "step count must be a whole number" 'train 0\n' --serve --arch "$arch" --batch 2
expect_error "step count must be a whole number" 'inference 2x\n' --serve --arch "$arch" --batch 2
expect_error "exactly one --arch" '' --serve
expect_error "exactly one --arch" '' --serve --arch "$arch" --arch "$arch"
expect_error "no benchmark flags" '' --serve --arch "$arch" --benchmark_filter=x
expect_error "cannot open architecture file" '' --serve --arch testdata/arch/none.json
echo PASS
