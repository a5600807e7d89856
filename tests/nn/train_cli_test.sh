#!/usr/bin/env bash
# //nn:train's flags: bad values fail before any data is loaded, with a message naming the flag;
# boolean flags take a following true/false. No data set is needed (and none is read).
set -u
train="$1"
fail() { echo "FAIL: $*"; exit 1; }
arch=testdata/arch/b11.json
nodata=$(mktemp -d)
trap 'rm -rf "$nodata"' EXIT
common=(--arch "$arch" --dataset mnist --data_dir "$nodata/missing")

# Expects a non-zero exit and a message containing $1.
expect_error() {
  local want="$1"
  shift
  local err
  err=$("$train" "$@" 2>&1 >/dev/null) && fail "exited 0: $*"
  grep -q -- "$want" <<<"$err" || fail "message for '$*' lacks '$want': $err"
}

# Flags parsed: the run gets as far as the (missing) data directory.
expect_error "data directory not found" "${common[@]}" --nesterov false --momentum 0
expect_error "data directory not found" "${common[@]}" --augment true --decay_bn_and_bias 1
expect_error "data directory not found" "${common[@]}" --verify_checksums=false --nesterov
expect_error "Nesterov" "${common[@]}" --nesterov true --momentum 0

expect_error "no such directory" "${common[@]}" --json "$nodata/no/such/dir/out.json"
expect_error "is a directory" "${common[@]}" --json "$nodata"
expect_error "threads" "${common[@]}" --threads 5000
expect_error "is a directory" --arch "$nodata" --dataset mnist
expect_error "unexpected argument" "${common[@]}" stray
expect_error "epochs" "${common[@]}" --epochs 0
expect_error "given more than once" "${common[@]}" --epochs 2 --epochs 3
expect_error "data directory not found" "${common[@]}" --json "$nodata/out.json"
[ ! -e "$nodata/out.json" ] || fail "the --json check left a file behind"
echo "PASS"
