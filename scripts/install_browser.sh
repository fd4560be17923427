#!/usr/bin/env bash
# Debian's chromium (driven by Playwright in the browser tests; `playwright install`
# cannot download browsers here), the Noto CJK fonts, so Korean renders in screenshots,
# and nginx, the load balancer of `make serve` and tests/deploy/test_balancer.py.
set -euo pipefail
have_fonts() { fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }
have_nginx() { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }
if command -v chromium >/dev/null 2>&1 && have_fonts && have_nginx; then
  exit 0
fi
packages="chromium fonts-noto-cjk nginx"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "Please install the Debian packages: $packages (as root: apt-get install -y $packages)" >&2
  exit 1
fi
echo "Installing $packages ..."
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $packages fontconfig >/dev/null
