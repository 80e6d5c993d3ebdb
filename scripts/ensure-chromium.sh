#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests, with a Japanese
# font so that the pages' screenshots (test-artifacts/) are readable.
#
# The browser tests (tests/web/, marker "browser") drive the system Chromium through Playwright;
# Playwright's own browser download is never used.  Idempotent: quick when all is there.
set -euo pipefail

want=()
[ -x /usr/bin/chromium ] || want+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || want+=(fonts-noto-cjk)
if [ ${#want[@]} -eq 0 ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: missing ${want[*]} and apt-get is not available; install them by" \
         "hand (Chromium がありません。手動でインストールしてください)" >&2
    [ -x /usr/bin/chromium ] && exit 0  # fonts only change how screenshots look
    exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: need root (or sudo) to install ${want[*]} with apt-get" >&2
        exit 1
    fi
fi
echo "==> installing ${want[*]} with apt-get (for the browser tests)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
if [ ! -x /usr/bin/chromium ]; then
    echo "ensure-chromium: apt-get finished but /usr/bin/chromium is still missing" >&2
    exit 1
fi
echo "==> $(/usr/bin/chromium --version 2>/dev/null || echo chromium installed)" >&2
