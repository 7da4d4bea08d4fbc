#!/usr/bin/env bash
# Reliability under abuse: five scenarios against `creative watch`, figures to RELIABILITY.md.
#  1. kill -9 of workers, restarted at once        2. SIGSTOP/SIGCONT of the engine holding a claim
#  3. two "hosts" (UTS + PID namespaces) on one library   4. an `rsync -aF` copy started mid-run
#  5. a burst of hostile inbox files (FIFO, socket, links, long and non-UTF-8 names, 2 MiB, YAML
#     billion laughs, 100k nested JSON arrays, binary junk, empty files)
# Paid calls go to a fake OpenAI server on 127.0.0.1 (scripts/chaos_fake_provider.py) that takes
# CHAOS_DELAY seconds per call and logs every call with the job's marker, so "paid twice" is
# counted, not guessed. Figures are reported, not asserted: the script exits 0 when it ran to the
# end, printing one summary line per scenario with the goals it missed.
#
# Usage: scripts/chaos.sh   (CREATIVE=path/to/creative measures another build; otherwise it builds)
# Sizes (defaults keep the run under 10 minutes on 2 cores):
#   CHAOS_SCENARIOS="1 2 3 4 5"  CHAOS_DELAY=1.5 (s per provider call)  CHAOS_LEASE=3 (--lease)
#   S1_JOBS=40 S1_KILLS=8  S2_JOBS=12 S2_STOPS=3 S2_STOP_SECONDS=5  S3_JOBS=30 S3_KILLS=1
#   S4_JOBS=16  S5_RSS_CAP_MB=2048 (watchdog kills the engine above it)  S5_RSS_GOAL_MB=512
#   CHAOS_WAIT=150 (longest wait for a scenario's jobs, s)  CHAOS_BUDGET=560 (s for the whole run)
#   CHAOS_SEED (random kill moments)  CHAOS_OUT=RELIABILITY.md  CHAOS_KEEP=1 keeps /tmp/chaos.*
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

: "${CHAOS_SCENARIOS:=1 2 3 4 5}" "${CHAOS_DELAY:=1.5}" "${CHAOS_LEASE:=3}" "${CHAOS_WAIT:=150}" "${CHAOS_BUDGET:=560}"
: "${S1_JOBS:=40}" "${S1_KILLS:=8}" "${S2_JOBS:=12}" "${S2_STOPS:=3}" "${S2_STOP_SECONDS:=5}"
: "${S3_JOBS:=30}" "${S3_KILLS:=1}" "${S4_JOBS:=16}" "${S5_RSS_CAP_MB:=2048}" "${S5_RSS_GOAL_MB:=512}"
: "${CHAOS_SEED:=$$}" "${CHAOS_OUT:=RELIABILITY.md}" "${CHAOS_KEEP:=0}"
RANDOM=$CHAOS_SEED
run_started=$(date +%s)
deadline=$((run_started + CHAOS_BUDGET))

say() { printf '[chaos %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# --- what the suite needs -----------------------------------------------------------------------
missing=()
for pair in rsync:rsync python3:python3 unshare:util-linux mkfifo:coreutils pgrep:procps; do
  command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  say "installing ${missing[*]}"
  $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3   # no pyenv shim start-up per call
if [ -z "${CREATIVE:-}" ]; then
  scripts/install-deps.sh
  swift build -c release --product creative
  CREATIVE=.build/release/creative
fi
CREATIVE=$(cd "$(dirname "$CREATIVE")" && pwd)/$(basename "$CREATIVE")
[ -x "$CREATIVE" ] || { echo "no creative binary at $CREATIVE" >&2; exit 1; }
creative_exe=$(readlink -f "$CREATIVE")

W=$(mktemp -d /tmp/chaos.XXXXXX)
declare -A EPID=() EWRAP=() ESENT=() EPEAK=() ERESTART=() EFACTS=()
provider=""
cleanup() {
  local n
  for n in "${!EPID[@]}"; do
    [ -n "${EPID[$n]:-}" ] && kill -CONT "${EPID[$n]:-}" 2>/dev/null && kill -KILL "${EPID[$n]:-}" 2>/dev/null
  done
  for n in "${!EWRAP[@]}"; do [ -n "${EWRAP[$n]:-}" ] && kill -KILL "${EWRAP[$n]:-}" 2>/dev/null; done
  [ -n "$provider" ] && kill "$provider" 2>/dev/null
  kill $(jobs -p) 2>/dev/null
  wait 2>/dev/null
  if [ "$CHAOS_KEEP" = 1 ]; then say "kept $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM

# --- the fake paid provider -----------------------------------------------------------------------
$PY scripts/chaos_fake_provider.py --log "$W/provider.log" --port-file "$W/provider.port" --delay "$CHAOS_DELAY" 2>"$W/provider.err" &
provider=$!
for _ in $(seq 1 100); do [ -s "$W/provider.port" ] && break; sleep 0.1; done
[ -s "$W/provider.port" ] || { echo "the fake provider did not start: $(cat "$W/provider.err")" >&2; exit 1; }
port=$(cat "$W/provider.port")
say "fake provider on 127.0.0.1:$port (${CHAOS_DELAY}s a call); work in $W; binary $CREATIVE"

# --- engines --------------------------------------------------------------------------------------
# Every engine has a name; EPID is the creative process itself (for kill, SIGSTOP and /proc), EWRAP
# the unshare wrapper of a namespaced one, ESENT the signal the script sent it, EPEAK its VmHWM.
ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
fact() { echo "$*" >> "$S/facts.txt"; }
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
engine_env=(env -u ANTHROPIC_API_KEY -u STABILITY_API_KEY -u SDWEBUI_URL -u OLLAMA_HOST -u http_proxy -u https_proxy
  -u HTTP_PROXY -u HTTPS_PROXY -u ALL_PROXY -u all_proxy NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
  OPENAI_API_KEY=test)

# start_engine NAME LIB TAG [watch options…]: the provider sees TAG in the base URL's path. A
# subshell waits for it and writes its exit status (so bash prints no "Killed" notices).
start_engine() {
  local name=$1 lib=$2 tag=$3 _; shift 3
  rm -f "$S/$name.status" "$S/$name.pid"
  ( "${engine_env[@]}" OPENAI_BASE_URL="http://127.0.0.1:$port/$tag/v1" \
      "$CREATIVE" watch --library "$lib" --lease "$CHAOS_LEASE" "$@" >>"$S/$name.log" 2>&1 &
    echo $! >"$S/$name.pid"; wait $!; echo $? >"$S/$name.status" ) 2>/dev/null &
  EWRAP[$name]=$!; ESENT[$name]=""; EPEAK[$name]=0; EFACTS[$name]=$S
  for _ in $(seq 1 50); do [ -s "$S/$name.pid" ] && break; sleep 0.02; done
  EPID[$name]=$(cat "$S/$name.pid" 2>/dev/null)
  echo "start $(ms) pid ${EPID[$name]}" >> "$S/$name.log"
}

# start_ns_engine NAME HOST LIB TAG [watch options…]: in its own UTS and PID namespaces (a second
# machine as far as claims and intake names go: host.pid). Its exit status comes from a file.
start_ns_engine() {
  local name=$1 host=$2 lib=$3 tag=$4 sh_pid="" pid="" _; shift 4
  rm -f "$S/$name.status"
  "${engine_env[@]}" OPENAI_BASE_URL="http://127.0.0.1:$port/$tag/v1" CHAOS_STATUS="$S/$name.status" \
    unshare --kill-child -u -p -f --mount-proc sh -c 'hostname "$1" || exit 97; shift; "$@"; echo $? > "$CHAOS_STATUS"' \
    sh "$host" "$CREATIVE" watch --library "$lib" --lease "$CHAOS_LEASE" "$@" >>"$S/$name.log" 2>&1 &
  EWRAP[$name]=$!; ESENT[$name]=""; EPEAK[$name]=0; EFACTS[$name]=$S
  for _ in $(seq 1 50); do
    sh_pid=$(pgrep -P "${EWRAP[$name]:-}" | head -1)
    [ -n "$sh_pid" ] && pid=$(pgrep -P "$sh_pid" | head -1)
    [ -n "$pid" ] && [ "$(readlink -f "/proc/$pid/exe" 2>/dev/null)" = "$creative_exe" ] && break
    pid=""; sleep 0.1
  done
  EPID[$name]=$pid
  [ -n "$pid" ] || fact "note $name on $host did not start"
  echo "start $(ms) pid $pid (namespace of $host)" >> "$S/$name.log"
}

# Records how an engine that is gone ended: `exit NAME PID STATUS SENT` and its peak RSS.
reap() {
  local name=$1 pid=${EPID[$1]:-} status
  for _ in $(seq 1 50); do alive "${EWRAP[$name]:-}" || break; sleep 0.1; done
  wait "${EWRAP[$name]:-}" 2>/dev/null
  status=$(cat "$S/$name.status" 2>/dev/null || echo unknown)
  echo "exit $name $pid $status ${ESENT[$name]:-}" >> "${EFACTS[$name]}/facts.txt"
  echo "rss $name $pid ${EPEAK[$name]:-0}" >> "${EFACTS[$name]}/facts.txt"
  echo "exit $(ms) status $status sent ${ESENT[$name]:-none}" >> "$S/$name.log"
  EPID[$name]=""; EWRAP[$name]=""
}

# Samples every live engine's VmHWM (and kills one over RSS_CAP_KB); reaps engines that died on
# their own, restarting those with ERESTART set.
RSS_CAP_KB=0
sample() {
  local n pid hwm rss
  for n in "${!EPID[@]}"; do
    pid=${EPID[$n]:-}
    [ -n "$pid" ] || continue
    if ! alive "$pid"; then
      [ -z "${ESENT[$n]:-}" ] && say "engine $n (pid $pid) exited on its own"
      reap "$n"
      if [ -n "${ERESTART[$n]:-}" ]; then say "restarting $n"; eval "${ERESTART[$n]}"; ERESTART[$n]=""; fi
      continue
    fi
    read -r hwm rss < <(awk '/^VmHWM/ {h = $2} /^VmRSS/ {r = $2} END {print h + 0, r + 0}' "/proc/$pid/status" 2>/dev/null)
    [ "${hwm:-0}" -gt "${EPEAK[$n]:-0}" ] && EPEAK[$n]=$hwm
    if [ "$RSS_CAP_KB" -gt 0 ] && [ "${rss:-0}" -gt "$RSS_CAP_KB" ]; then
      say "engine $n uses ${rss} KiB, over the cap: kill -9"
      fact "watchdog $n $pid $rss"
      ESENT[$n]=KILL-watchdog; kill -KILL "$pid" 2>/dev/null
    fi
  done
}

# kill9 NAME: kill -9 now, record it.
kill9() {
  local name=$1 pid=${EPID[$1]:-}
  [ -n "$pid" ] || return 0
  sample
  pid=${EPID[$name]:-}; [ -n "$pid" ] || return 0
  ESENT[$name]=KILL; kill -KILL "$pid" 2>/dev/null
  for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  reap "$name"
}

# stop NAME: SIGTERM (graceful: running jobs finish), SIGKILL after 20 s.
stop() {
  local name=$1 pid=${EPID[$1]:-}
  [ -n "$pid" ] || return 0
  sample
  pid=${EPID[$name]:-}; [ -n "$pid" ] || return 0
  kill -CONT "$pid" 2>/dev/null
  ESENT[$name]=TERM; kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 80); do alive "$pid" || break; sleep 0.25; done
  if alive "$pid"; then
    fact "stop_timeout $name $pid"
    ESENT[$name]=KILL-after-TERM; kill -KILL "$pid" 2>/dev/null
    for _ in $(seq 1 50); do alive "$pid" || break; sleep 0.1; done
  fi
  reap "$name"
}

# pause SECONDS (fractions allowed), sampling the engines.
pause() {
  local until=$(($(ms) + $(awk -v s="$1" 'BEGIN {printf "%d", s * 1000}')))
  while [ "$(ms)" -lt "$until" ]; do sample; sleep 0.2; done
}

# wait_for SECONDS COMMAND…: polls COMMAND every 0.25 s (sampling engines); 1 on timeout. No wait
# goes past the run's deadline.
wait_for() {
  local limit=$1; shift
  local left=$((deadline - $(date +%s)))
  [ "$limit" -gt "$left" ] && limit=$((left > 1 ? left : 1))
  local until=$(($(ms) + limit * 1000))
  while [ "$(ms)" -lt "$until" ]; do
    sample
    "$@" && return 0
    sleep 0.25
  done
  return 1
}

# --- library helpers ------------------------------------------------------------------------------
# claim_owner FILE: host.pid of a claim (JSON since the claims carry host, boot and library; older: plain text).
claim_owner() { local t; t=$(cat "$1" 2>/dev/null) || return 1; case $t in \{*) printf '%s\n' "$t" | sed -n 's/.*"owner" *: *"\([^"]*\)".*/\1/p' ;; *) printf '%s\n' "$t" ;; esac; }

# init_lib LIB [shared]: a library whose requests route to the fake OpenAI; "shared" sets
# sharedStorage (hosts share the folder live), without which another host's jobs are never taken over.
init_lib() {
  "$CREATIVE" init --library "$1" >/dev/null 2>>"$S/init.log" || fact "note creative init failed for $1"
  # Plain .txt prompts route to OpenAI too: images default to dall-e-3, text to gpt-4o.
  $PY - "$1/library.json" "${2:-}" <<'PY'
import json, os, sys
path = sys.argv[1]
settings = json.load(open(path))
settings.setdefault("defaults", {}).update({"imageModel": "dall-e-3", "textModel": "gpt-4o"})
if sys.argv[2] == "shared":
    settings["sharedStorage"] = True
with open(path + ".chaos", "w") as f:
    json.dump(settings, f, indent=2, sort_keys=True); f.write("\n")
os.rename(path + ".chaos", path)
PY
}

# submit LIB SCENARIO FROM TO: request files written rsync-style (dot temp name, then rename), in
# the three inbox formats, every prompt carrying its marker chaos-sN-0001.
submit() {
  local lib=$1 n=$2 from=$3 to=$4 i m f
  for ((i = from; i <= to; i++)); do
    m=$(printf 'chaos-s%s-%04d' "$n" "$i")
    case $((i % 4)) in
      0) f=$m.txt; printf 'a lighthouse in fog at dawn, %s\n' "$m" >"$lib/inbox/.$f.part" ;;
      1) f=$m.json; printf '{"kind": "content", "contentType": "email", "prompt": "our spring sale, %s", "model": "gpt-4o"}\n' "$m" >"$lib/inbox/.$f.part" ;;
      2) f=$m.md; printf -- '---\nmodel: dall-e-3\nwidth: 1024\nheight: 1024\ntags: [chaos]\n---\na red fox in deep snow, %s\n' "$m" >"$lib/inbox/.$f.part" ;;
      3) f=$m.json; printf '{"kind": "ideas", "topic": "home tea blending %s", "count": 3, "model": "gpt-4o-mini"}\n' "$m" >"$lib/inbox/.$f.part" ;;
    esac
    mv "$lib/inbox/.$f.part" "$lib/inbox/$f"
    fact "marker $m $f"
  done
}

# Files waiting in the inbox or half taken (.intake); jobs not final; all quiet.
pending() { find "$1/inbox" -maxdepth 2 -mindepth 1 \( -path "$1/inbox/failed" -prune \) -o \( -type d -o -print \) 2>/dev/null | grep -vc '/\.[^/]*\.\(part\|tmp\)$'; }
open_jobs() { grep -lsE '"status" *: *"(queued|running)"' "$1"/jobs/*/job.json 2>/dev/null | wc -l; }
all_jobs() { ls -d "$1"/jobs/*/job.json 2>/dev/null | wc -l; }
rejected() { ls "$1"/inbox/failed/*.error.txt 2>/dev/null | wc -l; }
quiet() { [ "$(pending "$1")" -eq 0 ] && [ "$(open_jobs "$1")" -eq 0 ]; }
settled() { quiet "$1" && [ $(($(all_jobs "$1") + $(rejected "$1"))) -ge "$2" ]; }
ready() { grep -q 'ready:' "$S/$1.log" 2>/dev/null; }
ready_since() { awk -v t="$2" '/^start / {s = $2} /ready:/ && s >= t {found = 1} END {exit !found}' "$S/$1.log" 2>/dev/null; }
rand_between() { awk -v a="$1" -v b="$2" -v r="$RANDOM" 'BEGIN {printf "%.2f", a + (b - a) * r / 32767}'; }

begin() {
  S=$W/s$1; mkdir -p "$S"; : >"$S/facts.txt"
  scenario_started=$(ms)
  say "scenario $1: $2"
}
finish() {
  local n=$1
  echo "seconds $(awk -v a="$scenario_started" -v b="$(ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}')" >>"$S/facts.txt"
  $PY scripts/chaos_report.py analyze "$S" "$n" "$W/provider.log" | tee -a "$W/summary.txt"
}
out_of_time() { [ "$(date +%s)" -ge "$deadline" ]; }

# --- 1. kill -9 of workers --------------------------------------------------------------------------
scenario1() {
  begin 1 "kill -9 of workers ($S1_JOBS jobs, $S1_KILLS kills)"
  local L=$S/lib k
  init_lib "$L"
  start_engine w "$L" s1 --rescan 5
  submit "$L" 1 1 "$S1_JOBS"
  for ((k = 1; k <= S1_KILLS; k++)); do
    pause "$(rand_between 0.5 4.0)"
    kill9 w
    fact "kill $k"
    start_engine w "$L" s1 --rescan 5
  done
  wait_for "$CHAOS_WAIT" settled "$L" "$S1_JOBS" || fact "note timed out waiting for every job to end"
  stop w
  finish 1
}

# --- 2. SIGSTOP/SIGCONT of a lease holder -------------------------------------------------------------
HOLDER=""
find_holder() {
  local claim owner n
  for claim in "$1"/jobs/*/claim; do
    owner=$(claim_owner "$claim") || continue
    for n in A B; do
      if [ "${EPID[$n]:-}" = "${owner##*.}" ]; then HOLDER=$n; return 0; fi
    done
  done
  return 1
}
held_by() { # LIB PID: the jobs whose claim names PID
  local claim
  for claim in "$1"/jobs/*/claim; do
    [ "$(claim_owner "$claim")" = "$(hostname).$2" ] && basename "$(dirname "$claim")"
  done
}
scenario2() {
  begin 2 "SIGSTOP/SIGCONT of a lease holder ($S2_JOBS jobs, $S2_STOPS stops of ${S2_STOP_SECONDS}s)"
  local L=$S/lib k j batch=$(((S2_JOBS + S2_STOPS - 1) / S2_STOPS)) next=1 last
  init_lib "$L"
  start_engine A "$L" s2-A --rescan 5
  start_engine B "$L" s2-B --rescan 5
  wait_for 30 ready A && wait_for 30 ready B || fact "note an engine did not report ready within 30 s"
  for ((k = 1; k <= S2_STOPS; k++)); do
    # Each round brings its own jobs, so there is always one in flight to stop.
    last=$((next + batch - 1)); [ "$last" -gt "$S2_JOBS" ] && last=$S2_JOBS
    [ "$next" -le "$last" ] && submit "$L" 2 "$next" "$last"
    next=$((last + 1))
    if ! wait_for 20 find_holder "$L"; then fact "note no claim held by an engine to stop (round $k)"; continue; fi
    pause 0.3   # into the provider call
    fact "stop_round $k ${EPID[$HOLDER]}"
    for j in $(held_by "$L" "${EPID[$HOLDER]}"); do fact "stopped $j ${EPID[$HOLDER]}"; done
    say "SIGSTOP $HOLDER (pid ${EPID[$HOLDER]}), holding $(held_by "$L" "${EPID[$HOLDER]}" | wc -l) job(s), for ${S2_STOP_SECONDS}s"
    kill -STOP "${EPID[$HOLDER]}"
    pause "$S2_STOP_SECONDS"
    kill -CONT "${EPID[$HOLDER]}"
    pause 1
  done
  [ "$next" -le "$S2_JOBS" ] && submit "$L" 2 "$next" "$S2_JOBS"
  wait_for "$CHAOS_WAIT" settled "$L" "$S2_JOBS" || fact "note timed out waiting for every job to end"
  stop A; stop B
  finish 2
}

# --- 3. two hosts ------------------------------------------------------------------------------------
record_owners() {
  local c
  for c in "$1"/jobs/*/claim; do [ -e "$c" ] && claim_owner "$c"; done | sort -u >>"$S/owners.seen"
  return 1
}
watch_owners_until() { record_owners "$1"; settled "$1" "$2"; }
scenario3() {
  begin 3 "two hosts on one library ($S3_JOBS jobs, $S3_KILLS kills of hostA)"
  local L=$S/lib k t
  init_lib "$L" shared
  start_ns_engine hA hostA "$L" s3-hostA --poll 1 --rescan 5
  start_ns_engine hB hostB "$L" s3-hostB --poll 1 --rescan 5
  wait_for 30 ready hA && wait_for 30 ready hB || fact "note a host did not report ready within 30 s"
  submit "$L" 3 1 "$S3_JOBS"
  for ((k = 1; k <= S3_KILLS; k++)); do
    pause "$(rand_between 2.0 5.0)"
    record_owners "$L"
    kill9 hA
    fact "kill $k"
    t=$(ms)
    start_ns_engine hA hostA "$L" s3-hostA --poll 1 --rescan 5
    wait_for 30 ready_since hA "$t" || true
  done
  wait_for "$CHAOS_WAIT" watch_owners_until "$L" "$S3_JOBS" || fact "note timed out waiting for every job to end"
  stop hA; stop hB
  sort -u "$S/owners.seen" 2>/dev/null | sed 's/^/owner /' >>"$S/facts.txt"
  finish 3
}

# --- 4. an rsync'd copy started mid-run -------------------------------------------------------------------
claims() { ls "$1"/jobs/*/claim 2>/dev/null | wc -l; }
has_claims() { [ "$(claims "$1")" -ge 1 ]; }
inbox_taken() { [ "$(pending "$1")" -eq 0 ]; }
scenario4() {
  begin 4 "an rsync'd copy started mid-run ($S4_JOBS jobs)"
  local L=$S/lib L2=$S/copy j held_before
  init_lib "$L"
  start_engine L "$L" s4-L --rescan 5
  wait_for 30 ready L || fact "note L's engine did not report ready within 30 s"
  submit "$L" 4 1 "$S4_JOBS"
  wait_for 20 inbox_taken "$L" || true
  wait_for 20 has_claims "$L" || fact "note no job was running when the copy was made"
  pause 0.5
  # What L held as the copy is made (the filter copies claims: the copy must leave these alone).
  held_before=$(ls "$L"/jobs/*/claim 2>/dev/null | xargs -r -n1 dirname | xargs -r -n1 basename)
  rsync -aF "$L/" "$L2/" 2>>"$S/rsync.log" || fact "note rsync exited non-zero (files changed while it copied)"
  for j in $held_before; do fact "held $j"; done
  for j in "$L2"/jobs/*/; do
    j=$(basename "$j")
    if grep -qsE '"status" *: *"running"' "$L2/jobs/$j/job.json"; then fact "running_copy $j"
    elif grep -qsE '"status" *: *"queued"' "$L2/jobs/$j/job.json"; then fact "queued_copy $j"; fi
  done
  [ -e "$L2/jobs/$(echo "$held_before" | head -1)/claim" ] && fact "note claims were copied too"
  say "copied: L held $(grep -c '^held' "$S/facts.txt"); the copy has $(grep -c '^running_copy' "$S/facts.txt") running, $(grep -c '^queued_copy' "$S/facts.txt") queued; starting an engine on it"
  start_engine L2 "$L2" s4-L2 --rescan 5
  # The copy is done when its inbox is empty and its engine runs nothing (it may leave every job
  # to the original, which is what a copy should do); L takes long enough to give it the chance.
  copy_done() { [ "$(pending "$L2")" -eq 0 ] && [ "$(held_by "$L2" "${EPID[L2]}" | wc -l)" -eq 0 ]; }
  both_settled() { settled "$L" "$S4_JOBS" && copy_done; }
  wait_for "$CHAOS_WAIT" both_settled || fact "note timed out waiting for the jobs of both copies to end"
  stop L; stop L2
  finish 4
}

# --- 5. hostile inbox files -------------------------------------------------------------------------------
hostile() { # NAME(bytes) WHAT: records an entry already made in the inbox
  fact "hostile $(printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n') $2"
}
canary_done() { grep -lsE '"status" *: *"(succeeded|failed|cancelled)"' "$1"/jobs/*/job.json | xargs -r grep -l chaos-s5-0001 >/dev/null; }
no_hostile_left() { [ "$(pending "$1")" -eq 0 ]; }
scenario5() {
  begin 5 "a burst of hostile inbox files"
  local L=$S/lib in stage=$S/stage long bad i
  init_lib "$L"
  in=$L/inbox; mkdir -p "$stage"
  RSS_CAP_KB=$((S5_RSS_CAP_MB * 1024))
  fact "rss_cap $S5_RSS_CAP_MB"; fact "rss_goal $S5_RSS_GOAL_MB"
  start_engine e "$L" s5 --rescan 5
  ERESTART[e]="start_engine e '$L' s5 --rescan 5"   # once, so the later checks still mean something
  wait_for 30 ready e || fact "note the engine did not report ready within 30 s"
  # Made aside, then renamed in (a rename moves a FIFO, socket or link itself), all at once.
  mkfifo "$stage/fifo.txt"
  $PY -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$stage/socket.txt"
  ln -s /etc/passwd "$stage/passwd.txt"
  printf '{"prompt": "outside the library"}\n' >"$S/outside.json"; ln -s "$S/outside.json" "$stage/outside.json"
  ln -s /etc "$stage/etc-dir.md"
  ln -s /nonexistent/nowhere.txt "$stage/dangling.txt"
  long=$(printf 'n%.0s' $(seq 1 250)).txt                     # 254 bytes
  printf 'a prompt with a long name\n' >"$stage/$long"
  bad=$'bad-\xff\xfe-name.txt'                                 # not UTF-8
  printf 'a prompt with a name that is not UTF-8\n' >"$stage/$bad"
  head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'a' >"$stage/big-2MiB.txt"
  { printf -- '---\n'
    printf 'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    for i in 1 2 3 4 5 6 7 8; do
      printf 'l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n' "$i" "$i" $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1)) $((i - 1))
    done
    printf -- '---\nbillion laughs\n'; } >"$stage/laughs.md"
  head -c 100000 /dev/zero | tr '\0' '[' >"$stage/nested.json"
  head -c 65536 /dev/urandom >"$stage/junk.txt"
  : >"$stage/empty.txt"; : >"$stage/empty.json"; : >"$stage/empty.md"
  for i in fifo.txt socket.txt passwd.txt outside.json etc-dir.md dangling.txt "$long" "$bad" big-2MiB.txt laughs.md nested.json junk.txt empty.txt empty.json empty.md; do
    mv "$stage/$i" "$in/$i"
  done
  hostile fifo.txt "FIFO fifo.txt"; hostile socket.txt "Unix socket socket.txt"
  hostile passwd.txt "symlink passwd.txt → /etc/passwd"; hostile outside.json "symlink outside.json → a valid request outside the library"
  hostile etc-dir.md "symlink etc-dir.md → /etc (a directory)"; hostile dangling.txt "dangling symlink dangling.txt"
  hostile "$long" "254-byte file name (n…n.txt)"; hostile "$bad" "non-UTF-8 file name (bad-\\xff\\xfe-name.txt)"
  hostile big-2MiB.txt "2 MiB .txt"; hostile laughs.md "YAML billion laughs in .md front matter (9 levels, 9^9 leaves)"
  hostile nested.json "100,000 nested [ in .json"; hostile junk.txt "64 KiB of random bytes as .txt"
  hostile empty.txt "empty .txt"; hostile empty.json "empty .json"; hostile empty.md "empty .md"
  pause 2
  printf 'a quiet harbour at noon, chaos-s5-0001\n' >"$in/.canary.part" && mv "$in/.canary.part" "$in/chaos-s5-0001.txt"
  fact "canary chaos-s5-0001"
  wait_for 60 canary_done "$L" || fact "note the normal request dropped after the burst did not end within 60 s"
  wait_for 15 no_hostile_left "$L" || true
  sample
  if [ -n "${EPID[e]:-}" ] && alive "${EPID[e]:-}"; then fact "alive_end e 1"; else fact "alive_end e 0"; fi
  ERESTART[e]=""
  stop e
  RSS_CAP_KB=0
  finish 5
}

# --- run ------------------------------------------------------------------------------------------
: >"$W/summary.txt"
for n in $CHAOS_SCENARIOS; do
  if out_of_time; then say "scenario $n skipped: the run's ${CHAOS_BUDGET}s budget is spent"; continue; fi
  "scenario$n"
done
seconds=$(($(date +%s) - run_started))
# The commit measured: HEAD, and the last commit that changed the engine's sources.
commit=$(git -C "$repo" rev-parse --short HEAD)
source_commit=$(git -C "$repo" log -1 --format=%h -- Sources Package.swift)
subject=$(git -C "$repo" log -1 --format=%s "$source_commit"); [ ${#subject} -gt 90 ] && subject="${subject:0:90}…"
[ "$source_commit" != "$commit" ] && subject="engine sources as of $source_commit: $subject"
[ -n "$(git -C "$repo" status --porcelain --untracked-files=no -- Sources Package.swift)" ] && commit="$commit+uncommitted changes"
$PY scripts/chaos_report.py write "$W" "$CHAOS_OUT" \
  "date=$(date -u +'%Y-%m-%d %H:%M UTC')" "commit=$commit" "subject=$subject" \
  "uname=$(uname -srm)" "nproc=$(nproc)" "binary=${CREATIVE#"$repo/"}" "seconds=$seconds" "seed=$CHAOS_SEED" \
  "delay=$CHAOS_DELAY" "lease=$CHAOS_LEASE" \
  "about1=$S1_JOBS jobs dropped into inbox/ while one \`creative watch --lease $CHAOS_LEASE\` runs; $S1_KILLS times, at a random moment 0.5–4 s apart, it is killed with SIGKILL and started again at once. Then it runs until every job has ended and stops with SIGTERM." \
  "about2=Two \`creative watch\` processes on one library, $S2_JOBS jobs. $S2_STOPS times the process that holds a claim (\`jobs/ID/claim\` names host.pid) gets SIGSTOP for ${S2_STOP_SECONDS} s, longer than the lease, then SIGCONT." \
  "about3=\`unshare -u -p -f --mount-proc\` gives two engines their own host names (hostA, hostB) and PID namespaces, polling one library (\`--poll 1\`): two machines sharing a folder. $S3_JOBS jobs; hostA is killed with SIGKILL $S3_KILLS time(s) and restarted in a fresh namespace under the same host name." \
  "about4=One engine runs $S4_JOBS jobs on library L. While jobs are running, \`rsync -aF L/ L2/\` copies it (\`.rsync-filter\`, written by \`creative init\`, leaves out .index/, temp files and intakes, and copies job claims), and a second engine starts on L2 with its own provider tag." \
  "about5=With the engine running, these entries are renamed into inbox/ at once; 2 s later a normal prompt is dropped. A watchdog kills the engine (and restarts it once) if its RSS passes ${S5_RSS_CAP_MB} MiB."
say "wrote $CHAOS_OUT in ${seconds}s"
echo
cat "$W/summary.txt"
exit 0
