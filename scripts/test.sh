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
swift test --skip-build
python3 Tests/Browser/gallery_test.py .build/debug/creative
