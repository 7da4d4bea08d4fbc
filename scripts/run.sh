#!/usr/bin/env bash
# Sets up Creative Engine on a fresh Debian machine and runs it on ./library with the built-in
# offline providers: `creative watch` turns prompt files dropped into library/inbox/ into assets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product creative
creative=.build/release/creative
export CREATIVE_LIBRARY="${CREATIVE_LIBRARY:-./library}"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "$creative init"
"$creative" init
say "$creative watch &"
"$creative" watch &
engine=$!
trap 'kill -TERM $engine 2>/dev/null; wait $engine' INT TERM
sleep 1

prompt="a lighthouse on a rocky coast at dusk, golden hour, $(date +%H%M%S)"
say "echo \"$prompt\" > $CREATIVE_LIBRARY/inbox/lighthouse.txt"
echo "$prompt" > "$CREATIVE_LIBRARY/inbox/lighthouse.txt"
for _ in $(seq 1 100); do
  if "$creative" search "\"$prompt\"" --no-reconcile --json 2>/dev/null | grep -q '"id"'; then break; fi
  sleep 0.2
done
say "$creative job list --limit 3"
"$creative" job list --limit 3
say "$creative search lighthouse --limit 3"
"$creative" search lighthouse --limit 3
say "ls $CREATIVE_LIBRARY/assets/*/*lighthouse*"
ls -d "$CREATIVE_LIBRARY"/assets/*/*lighthouse* | tail -1 | xargs ls -l

printf '\nThe engine keeps running: drop .txt, .md or .json requests into %s/inbox/ and open %s/assets/ in a file manager. Ctrl-C stops it.\n' "$CREATIVE_LIBRARY" "$CREATIVE_LIBRARY"
wait $engine
