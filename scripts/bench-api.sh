#!/usr/bin/env bash
# API throughput with wrk at 100,000 indexed assets: GET asset by id (one id, and random ids of all
# 20 users) and a filtered list, each next to a trivial route (/healthz) of the same server in the
# same run. Measures only after the engine logged `ready` (its start-up pass over the library).
# Usage: scripts/bench-api.sh [SECONDS]   (seeds /tmp/creative-bench-library once, via creative bench index;
#        CREATIVE=path/to/creative measures another build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
if [ -z "${CREATIVE:-}" ]; then swift build -c release --product creative; CREATIVE=.build/release/creative; fi
creative=$CREATIVE
library=/tmp/creative-bench-library
[ -f "$library/.bench-100000" ] || "$creative" bench index --dir "$library" --count 100000 --queries 10 >/dev/null
seconds=${1:-10}
tokens=$(for n in $(seq 0 19); do printf 'bench-token-user%s-0123456789:user%s,' "$n" "$n"; done)
token=bench-token-user3-0123456789
port=$((20000 + RANDOM % 20000))
log=$(mktemp)
CREATIVE_API_TOKENS="${tokens%,}" "$creative" serve --library "$library" --port "$port" --rescan 3600 >"$log" 2>&1 &
server=$!
pairs=$(mktemp)
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log" "$pairs"' EXIT
for _ in $(seq 1 300); do grep -q "ready:" "$log" && break; sleep 0.2; done
grep "ready:" "$log" | sed 's/.*\] /engine: /'
# Every asset of every user, through the API's own paging: "token id" per line.
python3 - "$port" "$pairs" <<'PY'
import json, sys, urllib.request
port, out = sys.argv[1:]
with open(out, "w") as f:
    for n in range(20):
        token, cursor = f"bench-token-user{n}-0123456789", None
        while True:
            url = f"http://127.0.0.1:{port}/api/creative/assets?limit=500" + (f"&cursor={cursor}" if cursor else "")
            page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})))
            f.writelines(f"{token} {item['id']}\n" for item in page["items"])
            cursor = page.get("nextCursor")
            if not cursor: break
PY
id=$(awk -v t="$token" '$1 == t {print $2; exit}' "$pairs")
echo "assets reachable through the API: $(wc -l <"$pairs")"
run() { wrk -t2 -c16 -d"${seconds}s" --latency -H "Authorization: Bearer $token" "$@"; }
summary() { awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'; }
base="http://127.0.0.1:$port"
read -r trivial trivial99 < <(run "$base/healthz" | summary)
read -r byid byid99 < <(run "$base/api/creative/asset/$id" | summary)
read -r random random99 < <(CREATIVE_BENCH_PAIRS="$pairs" run -s scripts/wrk-random-asset.lua "$base" | summary)
read -r list list99 < <(run "$base/api/creative/assets?type=image&category=product&limit=20" | summary)
python3 - "$trivial" "$trivial99" "$byid" "$byid99" "$random" "$random99" "$list" "$list99" <<'PY'
import sys
t, t99, b, b99, r, r99, l, l99 = sys.argv[1:]
t, b, r, l = float(t), float(b), float(r), float(l)
print(f"trivial /healthz                {t:9.0f} req/s  p99 {t99}")
print(f"GET asset by id (one id)        {b:9.0f} req/s  p99 {b99}  ({b / t:.0%} of trivial; target ≥ 60%)")
print(f"GET asset by id (random of all) {r:9.0f} req/s  p99 {r99}  ({r / t:.0%} of trivial)")
print(f"filtered list, page 20          {l:9.0f} req/s  p99 {l99}  ({l / t:.0%} of trivial; target p99 ≤ 20 ms)")
PY
