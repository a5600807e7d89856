#!/usr/bin/env bash
# Runs the whole test suite with Bazel and ends with one line "N passed, N failed", counted from
# the gtest XML of every test target (a target with no fresh result, e.g. one that failed to
# build, counts as one failure). Extra arguments go to `bazel test`.
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

stamp=$(mktemp)
sleep 1  # test.xml files written from now on are newer than the stamp

output=$(mktemp)
trap 'rm -f "$stamp" "$output"' EXIT
bazel test //... "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}

targets=$(bazel query 'tests(//...)' 2>/dev/null)
# The extra arguments (e.g. --config=asan) decide where the results are.
testlogs=$(bazel info "$@" bazel-testlogs 2>/dev/null || bazel info bazel-testlogs 2>/dev/null)
python3 tools/count_tests.py "$stamp" "$testlogs" "$output" "$status" $targets
count_status=$?
if [ "$status" -eq 0 ] && [ "$count_status" -ne 0 ]; then status=$count_status; fi
exit "$status"
