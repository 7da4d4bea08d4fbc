#!/usr/bin/env bash
# Sets up Creative Engine on a fresh Debian machine and runs it on ./library with the built-in
# offline providers: `creative serve` answers the REST API on 127.0.0.1:8080 and turns prompt
# files dropped into library/inbox/ into assets.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product creative
creative=.build/release/creative
export CREATIVE_LIBRARY="${CREATIVE_LIBRARY:-./library}"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

say "$creative init"
"$creative" init
port="${PORT:-8080}"
say "$creative serve --port $port &"
"$creative" serve --port "$port" &
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

api="http://127.0.0.1:$port/api/creative"
say "curl -s '$api/images?limit=1'                              # ImageGenerator.listUserImages"
curl -s "$api/images?limit=1" | head -c 400; echo
say "curl -s -X POST $api/content/ideas -d '{\"topic\": \"lighthouses\", \"count\": 3}'   # ContentCreator"
curl -s -X POST "$api/content/ideas" -H 'content-type: application/json' -d '{"topic": "lighthouses", "count": 3}'; echo
say "curl -s '$api/templates?limit=2'                           # TemplateManager"
curl -s "$api/templates?limit=2" | head -c 400; echo
say "curl -s '$api/assets?text=lighthouse&limit=1'              # AssetManager"
curl -s "$api/assets?text=lighthouse&limit=1" | head -c 400; echo

printf '\nThe engine keeps running: open the gallery at http://127.0.0.1:%s/ in a browser, drop .txt, .md or .json requests into %s/inbox/, open %s/assets/ in a file manager, or call the API under http://127.0.0.1:%s/api/creative (README.md lists every endpoint). Ctrl-C stops it.\n' "$port" "$CREATIVE_LIBRARY" "$CREATIVE_LIBRARY" "$port"
wait $engine
