#!/usr/bin/env bash
# Install Debian's headless-capable Chromium and its WebDriver for the browser test,
# only when they are missing (needs root; a no-op once installed).
set -euo pipefail
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "ensure_chromium: run as root, or install chromium and chromium-driver yourself" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null
