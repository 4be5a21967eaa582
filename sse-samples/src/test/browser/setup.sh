#!/usr/bin/env bash
# Prepares the browser tests: Debian's Chromium (installed with apt-get when missing and we are
# root; never a downloaded browser) and the npm packages of package-lock.json, in target/browser.
# Called by the Maven build of sse-samples before its tests.
#
# Where the prerequisites cannot be had (not root, no apt-get, no node), the browser tests are
# skipped, loudly: target/browser/SKIPPED says why and BrowserTest reports itself skipped. As root
# (CI) a failed installation fails the build instead. -Dsse.browser-tests.skip=true skips them on
# purpose, without running this script.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="$1"
mkdir -p "$OUT"
rm -f "$OUT/SKIPPED"

skip() {
  echo "$1" > "$OUT/SKIPPED"
  {
    echo "=================================================================="
    echo " BROWSER TESTS SKIPPED: $1"
    echo " (mvn -B verify -Dsse.browser-tests.skip=true skips them on purpose)"
    echo "=================================================================="
  } >&2
  exit 0
}

# nginx for the proxy test (NginxProxyTest): Debian's package, installed the same way. Without it
# (not root) that test says it is skipped and why.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "proxy test: installing Debian's nginx"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
    # The package starts a system nginx on port 80: the test runs its own.
    (command -v systemctl >/dev/null 2>&1 && systemctl stop nginx >/dev/null 2>&1) || true
    (command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]) && { /usr/sbin/nginx -s stop >/dev/null 2>&1 || true; }
  fi
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "browser tests: installing Debian's chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    skip "Debian's chromium is missing and this build cannot install it (not root, or no apt-get); install it with: sudo apt-get install chromium"
  fi
fi
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
  || skip "node and npm are missing; install Node.js 18+ with npm"
cp "$HERE"/package.json "$HERE"/package-lock.json "$HERE"/*.mjs "$OUT"/
cd "$OUT"
if [ ! -d node_modules ] || ! cmp -s package-lock.json node_modules/.package-lock.copy; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.package-lock.copy
fi
