#!/usr/bin/env bash
# Fuzzes the REST API with schemathesis (PyPI) from its own OpenAPI document: starts
# `creative serve` on a fresh library on 127.0.0.1 and fails on any 5xx or schema violation.
# Usage: scripts/fuzz-api.sh [MAX_EXAMPLES]   (default 30 per operation)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 -c 'import schemathesis' 2>/dev/null || python3 -m pip install -q schemathesis
swift build -c release --product creative
library=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
.build/release/creative serve --library "$library" --port "$port" > "$library.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$library" "$library.log"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
# The coverage phase is skipped: with Python 3.11 it trips over an internal AST recursion error
# in schemathesis itself (seen 2026-11-25 with schemathesis 4.32.5), not over the API.
schemathesis run "http://127.0.0.1:$port/openapi.json" \
  --phases examples,fuzzing,stateful \
  --checks not_a_server_error,status_code_conformance,content_type_conformance \
  --max-examples "${1:-30}" --workers 2
