#!/usr/bin/env bash
# Installs Debian's chromium (the headless browser the web console's browser
# tests drive through playwright-core's executablePath) when no chromium is
# on PATH. Nothing is downloaded at npm install time: the browser comes from
# the distribution. Idempotent and quick when chromium is there. Needs root
# (apt-get); otherwise it says how to install it and exits 1. Prints the
# browser's path on its last line.
set -euo pipefail

find_chromium() {
  local name
  for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

die() {
  echo "ensure-chromium: $*" >&2
  exit 1
}

if path=$(find_chromium); then
  echo "$path"
  exit 0
fi
if ((EUID != 0)); then
  die "chromium is missing. Install it as root, e.g.:
  sudo apt-get install -y --no-install-recommends chromium"
fi
command -v apt-get >/dev/null 2>&1 || die "chromium is missing and apt-get is unavailable"

echo "==> installing chromium (Debian package)" >&2
export DEBIAN_FRONTEND=noninteractive
compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null 2>&1 || apt-get update -qq
# An old package list can name a version the mirror no longer has: refresh once and retry.
apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
path=$(find_chromium) || die "apt-get install chromium left no chromium on PATH"
echo "==> $("$path" --version 2>/dev/null | head -1)" >&2
echo "$path"
