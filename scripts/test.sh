#!/usr/bin/env bash
# Sets up a fresh Debian machine (Debian packages, python-jsonschema), builds and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build --build-tests
swift test --skip-build
