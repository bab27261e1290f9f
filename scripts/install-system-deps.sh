#!/usr/bin/env bash
# System packages for the real-browser UI tests (tests/test_browser.py): Debian's chromium and its driver.
# Idempotent: does nothing when /usr/bin/chromium already exists. Run as root (or with sudo).
# Playwright drives this system Chromium through executable_path; `playwright install` is never needed.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium chromium-driver fonts-dejavu-core
/usr/bin/chromium --version
