#!/usr/bin/env python3
"""Summarizes the test results that scripts/test.sh collected.

  testsummary.py go FILE.json   print failing Go tests with their output
  testsummary.py all DIR        print per-suite counts and the closing line
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def go_counts(path):
    passed = failed = skipped = 0
    out = {}
    fails = []
    if not os.path.exists(path):
        return 0, 1, 0, ["go test produced no output"]
    with open(path) as f:
        for line in f:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            key = (ev.get("Package"), ev.get("Test"))
            if ev.get("Action") == "output":
                out.setdefault(key, []).append(ev.get("Output", ""))
            if ev.get("Action") in ("pass", "fail", "skip"):
                if ev.get("Test") is None:
                    if ev["Action"] == "fail" and not any(k[0] == ev.get("Package") and k[1] for k in out):
                        failed += 1
                        fails.append(f"{ev.get('Package')} (package)\n" + "".join(out.get(key, [])[-30:]))
                    continue
                if ev["Action"] == "pass":
                    passed += 1
                elif ev["Action"] == "skip":
                    skipped += 1
                else:
                    failed += 1
                    fails.append(f"{ev.get('Package')} {ev.get('Test')}\n" + "".join(out.get(key, [])[-40:]))
    return passed, failed, skipped, fails


def vitest_counts(path):
    if not os.path.exists(path):
        return 0, 1, 0
    d = json.load(open(path))
    return d.get("numPassedTests", 0), d.get("numFailedTests", 0) + (0 if d.get("success", True) or d.get("numFailedTests") else 1), d.get("numPendingTests", 0)


def tap_counts(path):
    if not os.path.exists(path):
        return 0, 1, 0
    txt = open(path).read()
    def num(name):
        m = re.findall(rf"^# {name} (\d+)", txt, re.M)
        return int(m[-1]) if m else 0
    return num("pass"), num("fail"), num("skipped")


def junit_counts(path):
    if not os.path.exists(path):
        return 0, 1, 0
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    t = f = s = 0
    for su in suites:
        t += int(su.get("tests", 0))
        f += int(su.get("failures", 0)) + int(su.get("errors", 0))
        s += int(su.get("skipped", 0))
    return t - f - s, f, s


def main():
    mode = sys.argv[1]
    if mode == "go":
        p, f, s, fails = go_counts(sys.argv[2])
        for x in fails:
            print("--- FAIL", x)
        print(f"go: {p} passed, {f} failed, {s} skipped")
        return
    d = sys.argv[2]
    suites = [("go", go_counts(os.path.join(d, "go.json"))[:3]),
              ("vitest", vitest_counts(os.path.join(d, "vitest.json"))),
              ("playwright", tap_counts(os.path.join(d, "e2e.tap")))]
    desk = os.path.join(d, "desktop.txt")
    ok = os.path.exists(os.path.join(d, "desktop.png")) and "desktop smoke ok" in open(desk).read() if os.path.exists(desk) else False
    suites.append(("desktop", (1, 0, 0) if ok else (0, 1, 0)))
    if os.path.exists(os.path.join(d, "pytest.xml")):
        suites.append(("pytest", junit_counts(os.path.join(d, "pytest.xml"))))
    tp = tf = ts = 0
    for name, (p, f, s) in suites:
        print(f"{name:>10}: {p} passed, {f} failed, {s} skipped")
        tp, tf, ts = tp + p, tf + f, ts + s
    print(f"{tp} passed, {tf} failed, {ts} skipped")


if __name__ == "__main__":
    main()
