#!/usr/bin/env bash
# Server under attack: hostile clients and exhausted resources against `creative serve`, two
# binaries side by side, figures to RELIABILITY.md (section "Server under attack", replaced on
# each run; the rest of the file is left alone).
#  1. wrong tokens: 64 connections of GET /api/creative/assets with a wrong bearer token
#  2. wrong sign-ins: 32 connections of POST /signin with a wrong token
#     (1–2: /healthz p99 and a valid client's throughput against its idle rate)
#  3. slowloris + idle: 400 never-finished headers (a line every 10 s) and 2,000 silent
#     connections; how many the server closes, /healthz p99 meanwhile
#  4. descriptor exhaustion: the server under RLIMIT_NOFILE 1024, 1,100 connections held;
#     does /healthz answer within 1 s, the server's CPU while saturated
#  5. stalled uploads: 12 uploads declaring 64 MiB, 63 MiB sent, then silence; RSS growth
#  6. disk full for 60 s (root: a 30 MiB tmpfs): log lines and CPU while full, then space back:
#     failed jobs and the time until every job ended
#  7. decompression bombs (JPEG/PNG declaring 65,000²/60,000², a truncated PNG, a 5,000-frame
#     GIF) by upload and by inbox, and a template 20,000 Mustache sections deep
# Each case runs once per binary, alternating, on a fresh library and a fresh server (--port 0).
# Figures are reported, not asserted: the script exits 0 when it ran to the end, printing one
# summary line per case and binary (the goals missed say MISS). The work is in
# scripts/server_chaos.py (Python 3 standard library only).
#
# Usage: BEFORE=path/to/creative AFTER=path/to/creative scripts/server-chaos.sh
#   Either may be omitted (one column then); with neither, it builds this tree
#   (swift build -c release --product creative --scratch-path .build-release) and measures it as AFTER.
#   BEFORE_LABEL / AFTER_LABEL name them in the table (default: the path and, when the binary sits
#   in a git work tree's .build*, that tree's commit).
# Sizes (defaults keep a run of both binaries under ~12 minutes on 2 cores):
#   SERVER_CHAOS_CASES="1 2 3 4 5 6 7"  IDLE_SECONDS=5 ATTACK_SECONDS=8 TOKEN_CONNS=64 SIGNIN_CONNS=32
#   SLOW_CONNS=400 IDLE_CONNS=2000 SLOW_WAIT=75 (s; SLOW_WAIT_TIMEOUTS=20 for a binary whose
#   `serve --help` lists --header-timeout and --idle-timeout, run with both at 10)
#   SERVER_NOFILE (case 3 server's RLIMIT_NOFILE; default min(65536, hard limit))
#   FD_LIMIT=1024 FD_CONNS=1100 FD_CPU_SECONDS=10  UPLOADS=12 UPLOAD_MIB=63 UPLOAD_STALL=15
#   DISK_MB=30 DISK_PROMPTS=120 DISK_WINDOW=60 DISK_WAIT=120 DISK_FILL_WAIT=120 DISK_BACK_MB=400
#   TEMPLATE_DEPTH=20000 BOMB_TIMEOUT=30 INBOX_WAIT=30
#   SERVER_CHAOS_OUT=RELIABILITY.md  SERVER_CHAOS_KEEP=1 keeps /tmp/server-chaos.* (logs, results.json)
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

say() { printf '[server-chaos %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

missing=()
for pair in python3:python3 mount:mount; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  say "installing ${missing[*]}"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3

if [ -z "${BEFORE:-}" ] && [ -z "${AFTER:-}" ]; then
  scripts/install-deps.sh
  swift build -c release --product creative --scratch-path .build-release || exit 1
  AFTER=.build-release/release/creative
fi

# label PATH: the path, with the commit of the git work tree it was built in when there is one.
label() {
  local bin=$1 tree commit dirty=""
  tree=$(cd "$(dirname "$bin")" 2>/dev/null && git rev-parse --show-toplevel 2>/dev/null) || { echo "$bin"; return; }
  commit=$(git -C "$tree" rev-parse --short HEAD 2>/dev/null) || { echo "$bin"; return; }
  [ -n "$(git -C "$tree" status --porcelain --untracked-files=no -- Sources Package.swift 2>/dev/null)" ] && dirty="+uncommitted changes"
  echo "$bin, built in $tree at $commit$dirty"
}
for side in BEFORE AFTER; do
  bin=${!side:-}
  [ -n "$bin" ] || continue
  [ -x "$bin" ] || { echo "$side=$bin is not an executable" >&2; exit 1; }
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
  export "$side=$bin"
  lab="${side}_LABEL"
  [ -n "${!lab:-}" ] || export "$lab=$(label "$bin")"
done

# The suite holds thousands of connections: its own descriptor limit goes to the hard limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
started=$(date +%s)
SERVER_CHAOS_OUT=${SERVER_CHAOS_OUT:-$repo/RELIABILITY.md} "$PY" scripts/server_chaos.py run
status=$?
say "done in $(($(date +%s) - started)) s (python exit $status)"
exit "$status"
