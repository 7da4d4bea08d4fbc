#!/usr/bin/env bash
# Installs the Debian packages Creative Engine builds against (libcurl, libinotifytools, libvips)
# and the Python packages the tests use. Safe to run again: it skips what is present.
set -euo pipefail
# With --tests, also what only the tests use: headless Chromium and its driver for the gallery's
# browser tests (Python selenium comes from pip below).
tests=false
[ "${1:-}" = "--tests" ] && tests=true
packages=(pkg-config libcurl4-openssl-dev libinotifytools0-dev libvips-dev libsqlite3-dev libcrypt-dev libssl-dev libexif-dev libwebp-dev libespeak-ng-dev espeak-ng ffmpeg inotify-tools rsync bindfs)
$tests && packages+=(chromium chromium-driver)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# jsonschema checks sidecars against the schemas; Pillow and sd-parsers write and read the
# provenance test images (scripts/provenance-fixtures.py).
if ! python3 -c 'import jsonschema, PIL, sd_parsers' 2>/dev/null; then
  python3 -m pip install -q jsonschema pillow sd-parsers
fi
if $tests && ! python3 -c 'import selenium' 2>/dev/null; then
  python3 -m pip install -q selenium
fi
