#!/usr/bin/env bash
# Sets up Creative Engine on a fresh Debian machine and runs it on ./library with the built-in
# providers. Until the inbox watcher lands (issue 4) "running" is a short tour of the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product creative
creative=.build/release/creative
export CREATIVE_LIBRARY="${CREATIVE_LIBRARY:-./library}"

say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
step() { say "$*"; "$@"; }

step "$creative" init
step "$creative" template list --limit 5
step "$creative" template get 01KMDEFAVT0000000000000001
id=$("$creative" asset save scripts/tour/zone-plate.png --title "Zone plate" --tag demo --prompt "a zone plate test pattern" --json \
  | sed -n 's/.*"assetId" : "\([0-9A-Z]*\)".*/\1/p')
say "$creative asset save scripts/tour/zone-plate.png --title \"Zone plate\" --tag demo …  →  $id"
step "$creative" asset favorite "$id"
step "$creative" asset tag "$id" pattern black-and-white
step "$creative" asset get "$id"
step "$creative" asset list --tag demo
say "ls $CREATIVE_LIBRARY/assets/*/"
ls "$CREATIVE_LIBRARY"/assets/*/
printf '\nThe library is a folder: open %s in a file manager. See README.md for more.\n' "$CREATIVE_LIBRARY"
