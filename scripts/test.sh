#!/usr/bin/env bash
# Sets up a fresh Debian machine (Debian packages, python-jsonschema, Chromium and selenium), checks
# the formatting, builds and runs every test: the Swift tests, then the gallery's browser tests
# against the built `creative serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
# The code stays as swift-format (in the toolchain) writes it, with the repository's .swift-format.
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests
# A hung test fails the run in 30 minutes (CI allows 90) and names the tests still running.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
timeout --kill-after=30 1800 swift test --skip-build 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    [ "$status" -eq 124 ] && echo "swift test ran past 30 minutes and was stopped"
    comm -23 <(sed -n 's/^.*◇ Test \([^ ]*\) started\.$/\1/p' "$log" | sort -u) \
        <(sed -n 's/^.*[✔✘] Test \([^ ]*\) .*\(passed\|failed\) after.*$/\1/p' "$log" | sort -u) \
        | sed 's/^/still running at the end: /'
    exit "$status"
fi
python3 Tests/Browser/gallery_test.py .build/debug/creative
