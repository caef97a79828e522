#!/usr/bin/env bash
# Installs Debian's Chromium for the explorer's browser tests (test/explorer.test.ts,
# scripts/bench/explorer.mjs), from the system's own Debian sources: no apt source is
# added, and no test tool downloads a browser of its own (playwright-core only drives
# this one). Skipped when /usr/bin/chromium is there. Needs root (the CI runs as root);
# when it cannot install, it says so and exits non-zero, and the browser tests fail
# with the same message rather than skip.
set -euo pipefail

CHROMIUM=${SIGSTACK_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium: not installed, and installing it needs root: run 'apt-get install -y --no-install-recommends chromium' as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the lists only when they are older than a day (or missing).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
  apt-get update -qq || echo "chromium: apt-get update failed; trying the lists there are" >&2
fi
if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null; then
  echo "chromium: apt-get install chromium failed" >&2
  exit 1
fi
echo "chromium: $("$CHROMIUM" --version 2>/dev/null | head -1)"
