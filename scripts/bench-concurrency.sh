#!/usr/bin/env bash
# Does slow or heavy work hold up the server? Two measures, each against a baseline taken in the
# same run on the same server:
#  1. /healthz p99 while 8 content calls wait on a provider that takes 3 s each (a fake
#     OpenAI-compatible server on 127.0.0.1), against /healthz p99 with nothing in flight.
#  2. The server's resident memory during 8 parallel downloads of a 300 MB media file, against
#     its memory just before.
# Usage: scripts/bench-concurrency.sh [SECONDS]   (CREATIVE=path/to/creative measures another build)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v wrk >/dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq wrk >/dev/null; }
if [ -z "${CREATIVE:-}" ]; then swift build -c release --product creative; CREATIVE=.build/release/creative; fi
seconds=${1:-10}
work=$(mktemp -d)
fake_port=$((20000 + RANDOM % 10000)); port=$((30000 + RANDOM % 10000))
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

# A provider that answers every chat completion after 3 s.
python3 - "$fake_port" <<'PY' &
import json, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Slow(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(3)
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": "Spring sale copy."}}],
                           "usage": {"prompt_tokens": 10, "completion_tokens": 4}}).encode()
        self.send_response(200); self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *args): pass
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Slow).serve_forever()
PY
pids+=($!)

library="$work/library"
"$CREATIVE" init --library "$library" >/dev/null
OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$fake_port/v1" \
  "$CREATIVE" serve --library "$library" --port "$port" --rescan 3600 >"$work/log" 2>&1 &
server=$!
pids+=($server)
for _ in $(seq 1 150); do grep -q "ready:" "$work/log" && break; sleep 0.2; done
base="http://127.0.0.1:$port"
# Two views of /healthz: a client checking it 200 times a second (latency as a user sees it),
# and wrk saturating both cores (where any other runnable thread shows up in the tail).
probe() {
  python3 - "$port" "$seconds" <<'PY'
import http.client, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
conn, times, failed = http.client.HTTPConnection("127.0.0.1", port, timeout=2), [], 0
end = time.perf_counter() + seconds
while (start := time.perf_counter()) < end:
    try:
        conn.request("GET", "/healthz"); conn.getresponse().read()
        times.append((time.perf_counter() - start) * 1000)
    except Exception:
        failed += 1; conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    time.sleep(max(0, start + 0.005 - time.perf_counter()))
times.sort()
p99 = times[int(len(times) * 0.99)] if times else float("nan")
print(f"{p99:.3f} {len(times)} {failed}")
PY
}
saturated() { wrk -t1 -c4 -d"${seconds}s" --latency --timeout 2s "$base/healthz" | awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} /timeout/ {t=$NF} END {print (p == "" ? "-" : p), r, (t == "" ? 0 : t)}'; }

read -r idle_p99 idle_n idle_failed < <(probe)
read -r idle_wrk idle_rps idle_timeouts < <(saturated)
# Eight clients, each asking for copy again as soon as its last call returns.
stop="$work/stop"
for n in $(seq 1 8); do
  ( while [ ! -e "$stop" ]; do
      curl -s -o /dev/null -X POST "$base/api/creative/content/generate" -H 'content-type: application/json' \
        -d "{\"contentType\": \"email\", \"prompt\": \"sale $n\", \"model\": \"gpt-4o\"}"
    done ) &
  pids+=($!)
done
sleep 1
read -r busy_p99 busy_n busy_failed < <(probe)
read -r busy_wrk busy_rps busy_timeouts < <(saturated)
touch "$stop"
python3 - "$idle_p99" "$idle_failed" "$busy_p99" "$busy_failed" <<'PY'
import sys
idle, idle_failed, busy, busy_failed = float(sys.argv[1]), sys.argv[2], float(sys.argv[3]), sys.argv[4]
print(f"/healthz p99 at 200 req/s, idle                       {idle:8.2f} ms  ({idle_failed} unanswered)")
print(f"/healthz p99 at 200 req/s, 8 content calls in flight  {busy:8.2f} ms  ({busy_failed} unanswered; {busy / idle:.2f}× idle; goal ≤ 2×)")
PY
echo "/healthz saturated by wrk, idle:                       p99 $idle_wrk, $idle_rps req/s, $idle_timeouts timeouts"
echo "/healthz saturated by wrk, 8 content calls in flight:  p99 $busy_wrk, $busy_rps req/s, $busy_timeouts timeouts"
wait "${pids[@]:2}" 2>/dev/null || true

# A 300 MB media file: an asset whose image.png is replaced by 300 MB of bytes.
printf 'a red fox in deep snow\n' > "$library/inbox/fox.txt"
for _ in $(seq 1 100); do
  id=$(curl -s "$base/api/creative/assets?limit=1&type=image" | python3 -c 'import json,sys; i=json.load(sys.stdin)["items"]; print(i[0]["id"] if i else "")')
  [ -n "$id" ] && break; sleep 0.2
done
folder=$(dirname "$(grep -rl "\"$id\"" "$library/assets" --include=asset.json | head -1)")
head -c 300000000 /dev/urandom > "$folder/image.tmp" && mv "$folder/image.tmp" "$folder/image.png"
rss() { awk '/^RssAnon/ {print $2}' "/proc/$server/status"; }
before=$(rss)
peak=$before
downloads=()
for n in $(seq 1 8); do
  curl -s -o /dev/null -w '%{http_code} %{size_download}\n' --limit-rate 100M "$base/api/creative/asset/$id/file" >"$work/download-$n" &
  downloads+=($!)
done
running() { for p in "${downloads[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
while running; do now=$(rss); [ "$now" -gt "$peak" ] && peak=$now; sleep 0.05; done
echo "downloads (status bytes): $(sort "$work"/download-* | uniq -c | tr -s ' ')"
python3 - "$before" "$peak" <<'PY'
import sys
before, peak = (int(v) / 1024 for v in sys.argv[1:])
print(f"server anonymous memory before downloads{before:8.1f} MiB")
print(f"server anonymous memory peak, 8 downloads{peak:8.1f} MiB  (+{peak - before:.1f} MiB; goal ≤ 50 MiB)")
PY
