#!/usr/bin/env bash
# API throughput with wrk at 100,000 indexed assets: GET asset by id and a filtered list, each
# next to a trivial route (/healthz) of the same server in the same run.
# Usage: scripts/bench-api.sh [SECONDS]   (seeds /tmp/creative-bench-library once, via creative bench index)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
swift build -c release --product creative
creative=.build/release/creative
library=/tmp/creative-bench-library
[ -f "$library/.bench-100000" ] || "$creative" bench index --dir "$library" --count 100000 --queries 10 >/dev/null
seconds=${1:-10}
token=bench-token-0123456789
id=$(CREATIVE_USER=user3 "$creative" asset list --library "$library" --limit 1 --no-reconcile --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
port=$((20000 + RANDOM % 20000))
CREATIVE_API_TOKENS="$token:user3" "$creative" serve --library "$library" --port "$port" --rescan 3600 >/tmp/bench-api.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
run() { wrk -t2 -c16 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1"; }
summary() { awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'; }
read -r trivial trivial99 < <(run /healthz | summary)
read -r byid byid99 < <(run "/api/creative/asset/$id" | summary)
read -r list list99 < <(run "/api/creative/assets?type=image&category=product&limit=20" | summary)
python3 - "$trivial" "$trivial99" "$byid" "$byid99" "$list" "$list99" <<'PY'
import sys
t, t99, b, b99, l, l99 = sys.argv[1:]
t, b, l = float(t), float(b), float(l)
print(f"trivial /healthz       {t:9.0f} req/s  p99 {t99}")
print(f"GET asset by id        {b:9.0f} req/s  p99 {b99}  ({b / t:.0%} of trivial; target ≥ 60%)")
print(f"filtered list, page 20 {l:9.0f} req/s  p99 {l99}  ({l / t:.0%} of trivial; target p99 ≤ 20 ms)")
PY
