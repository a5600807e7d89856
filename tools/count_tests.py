#!/usr/bin/env python3
"""Sums gtest XML results of Bazel test targets into one line: "N passed, N failed[, N skipped]".

Usage: count_tests.py STAMP TESTLOGS_DIR TARGET...
Only test.xml files newer than STAMP count, so stale results of earlier runs never pass for new
ones; a target without a fresh test.xml (build failure, timeout before writing) is one failure.
Exits 1 when anything failed, 0 otherwise.
"""
import os
import sys
import xml.etree.ElementTree as ET


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    stamp, testlogs, targets = argv[1], argv[2], argv[3:]
    since = os.path.getmtime(stamp)
    passed = failed = skipped = 0
    for target in targets:
        package, _, name = target.lstrip("/").partition(":")
        xml_path = os.path.join(testlogs, package, name, "test.xml")
        if not os.path.exists(xml_path) or os.path.getmtime(xml_path) < since:
            print(f"no fresh result for {target}: counted as 1 failed", file=sys.stderr)
            failed += 1
            continue
        try:
            root = ET.parse(xml_path).getroot()
        except ET.ParseError as error:
            print(f"unreadable {xml_path}: {error}: counted as 1 failed", file=sys.stderr)
            failed += 1
            continue
        cases = list(root.iter("testcase"))
        if not cases:  # a target whose runner wrote no cases: judge it by Bazel's own failure tag
            bad = any(True for _ in root.iter("failure")) or any(True for _ in root.iter("error"))
            failed += bad
            passed += not bad
            continue
        for case in cases:
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
            elif case.get("status") == "notrun" or case.get("result") in ("skipped", "suppressed") \
                    or case.find("skipped") is not None:
                skipped += 1
            else:
                passed += 1
    line = f"{passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
