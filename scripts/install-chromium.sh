#!/usr/bin/env bash
# Debian's Chromium for the browser suite (integration/web-app.test.ts), which drives it headless
# through playwright-core: Playwright's own browser downloads are never used. Installs the
# `chromium` package (and a font, so the screenshots have text) when missing, as root on Debian;
# does nothing when it is there. CHROMIUM_PATH names another build.
set -euo pipefail

chromium=${CHROMIUM_PATH:-/usr/bin/chromium}
say() { printf '[install-chromium] %s\n' "$*" >&2; }
version() { "$chromium" --version 2>/dev/null || echo "$chromium"; }

if [ -x "$chromium" ]; then
  say "Chromium for the browser suite: $(version)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ] || [ ! -f /etc/debian_version ]; then
  say "Chromium is missing ($chromium), so the browser suite will fail. On Debian, as root: apt-get install chromium"
  exit 1
fi
say "installing Debian's chromium package"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
say "installed $(version)"
