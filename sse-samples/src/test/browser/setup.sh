#!/usr/bin/env bash
# Prepares the browser tests: Debian's Chromium (installed with apt-get when missing and we are
# root; never a downloaded browser) and the npm packages of package-lock.json, in target/browser.
# Called by the Maven build of sse-samples before its tests.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$1"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "browser tests: Debian's chromium is missing; install it with: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
command -v node >/dev/null 2>&1 || { echo "browser tests: node and npm are needed" >&2; exit 1; }
mkdir -p "$OUT"
cp "$HERE"/package.json "$HERE"/package-lock.json "$HERE"/*.mjs "$OUT"/
cd "$OUT"
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.copy; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.copy
fi
