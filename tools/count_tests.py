#!/usr/bin/env python3
"""Sums gtest XML results of Bazel test targets into one last line: "N passed, N failed".

Usage: count_tests.py STAMP TESTLOGS_DIR BAZEL_OUTPUT BAZEL_STATUS TARGET...
Only test.xml files newer than STAMP count, so stale results of earlier runs never pass for new
ones; every test.xml of a target counts (shards, --runs_per_test). A target without a fresh
test.xml (build failure, timeout before writing) is one failure, and so is a target Bazel
reported as failed while its XML shows no failure (a runner that failed after writing its XML:
a leak report, a crash at exit). BAZEL_OUTPUT is the captured output of `bazel test`, whose
summary lines give Bazel's verdict per target, and BAZEL_STATUS its exit status: a failed
`bazel test` with no failure counted (a non-test target that did not build, a crashed server)
is one failure, so the line never reads as a success when Bazel did not succeed. No targets at
all (the query failed) is one failure. Skipped test cases are reported on the line before the summary. Exits 1 when anything
failed, 0 otherwise.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

VERDICT = re.compile(r"^(//\S+)\s+(PASSED|FAILED TO BUILD|FAILED|TIMEOUT|NO STATUS|FLAKY|"
                     r"INCOMPLETE|REMOTE FAILURE)\b")


def bazel_verdicts(path):
    verdicts = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = VERDICT.match(line.strip())
                if m:
                    verdicts[m.group(1)] = m.group(2)
    except OSError:
        pass
    return verdicts


def count_xml(xml_path):
    """(passed, failed, skipped) of one test.xml; None if unreadable."""
    try:
        root = ET.parse(xml_path).getroot()
    except ET.ParseError:
        return None
    cases = list(root.iter("testcase"))
    if not cases:  # a runner that wrote no cases: judge it by Bazel's own failure tag
        bad = any(True for _ in root.iter("failure")) or any(True for _ in root.iter("error"))
        return (0, 1, 0) if bad else (1, 0, 0)
    passed = failed = skipped = 0
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif case.get("status") == "notrun" or case.get("result") in ("skipped", "suppressed") \
                or case.find("skipped") is not None:
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    stamp, testlogs, bazel_output, targets = argv[1], argv[2], argv[3], argv[5:]
    bazel_status = int(argv[4]) if argv[4].isdigit() else 1
    since = os.path.getmtime(stamp)
    verdicts = bazel_verdicts(bazel_output)
    passed = failed = skipped = 0
    if not targets:
        print("no test targets were listed (did `bazel query` fail?): counted as 1 failed",
              file=sys.stderr)
        failed += 1
    for target in targets:
        package, _, name = target.lstrip("/").partition(":")
        folder = os.path.join(testlogs, package, name)
        xmls = [p for p in glob.glob(os.path.join(folder, "**", "test.xml"), recursive=True)
                if os.path.getmtime(p) >= since]
        if not xmls:
            print(f"no fresh result for {target}: counted as 1 failed", file=sys.stderr)
            failed += 1
            continue
        target_passed = target_failed = target_skipped = 0
        for xml_path in sorted(xmls):
            counts = count_xml(xml_path)
            if counts is None:
                print(f"unreadable {xml_path}: counted as 1 failed", file=sys.stderr)
                target_failed += 1
                continue
            target_passed += counts[0]
            target_failed += counts[1]
            target_skipped += counts[2]
        verdict = verdicts.get(target)
        if target_failed == 0 and verdict is not None and verdict not in ("PASSED", "FLAKY"):
            print(f"{target}: Bazel says {verdict} but its XML shows no failure: counted as 1 "
                  "failed", file=sys.stderr)
            target_passed, target_failed = 0, 1
        passed += target_passed
        failed += target_failed
        skipped += target_skipped
    if bazel_status != 0 and failed == 0:
        print(f"bazel test exited {bazel_status} with no failed test counted (a target that is "
              "not a test failed to build?): counted as 1 failed", file=sys.stderr)
        failed = 1
    if skipped:
        print(f"({skipped} test cases skipped)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
