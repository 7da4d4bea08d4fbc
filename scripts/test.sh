#!/usr/bin/env bash
# Sets up a fresh Debian machine (Debian packages, python-jsonschema), checks the formatting, builds
# and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The code stays as swift-format (in the toolchain) writes it, with the repository's .swift-format.
swift format lint --strict --recursive Sources Tests Package.swift
swift build --build-tests
swift test --skip-build
