#!/usr/bin/env bash
# Puts promtool (Prometheus's metrics linter, used by the /metrics tests) at
# var/bin/promtool when neither that file nor a promtool on PATH exists.
# It comes from Debian's `prometheus` package, unpacked rather than installed:
# only usr/bin/promtool is copied, so no Prometheus service is set up.
# Idempotent and quick when promtool is already there. Needs root (apt-get);
# otherwise it says how to install it and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly TARGET=var/bin/promtool

[ -x "$TARGET" ] && exit 0
if command -v promtool >/dev/null 2>&1; then
  mkdir -p var/bin
  ln -sf "$(command -v promtool)" "$TARGET"
  exit 0
fi

die() {
  echo "ensure-promtool: $*" >&2
  exit 1
}

if ((EUID != 0)); then
  die "promtool is missing. Install it as root, e.g.:
  sudo apt-get install -y --no-install-recommends prometheus
or put a promtool binary at $TARGET"
fi
command -v apt-get >/dev/null 2>&1 || die "promtool is missing and apt-get is unavailable; put a promtool binary at $TARGET"

echo "==> fetching promtool (Debian package prometheus)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt-get download drops root for the _apt user, who must be able to write here.
chmod 0777 "$work"
compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null 2>&1 || apt-get update -qq
# An old package list can name a version the mirror no longer has: refresh once and retry.
(cd "$work" && apt-get download -qq prometheus) || { apt-get update -qq && (cd "$work" && apt-get download -qq prometheus); }
deb=$(compgen -G "$work/prometheus_*.deb" | head -1) || die "apt-get download prometheus left no .deb"
dpkg-deb -x "$deb" "$work/root"
[ -x "$work/root/usr/bin/promtool" ] || die "the prometheus package has no usr/bin/promtool"
mkdir -p var/bin
cp "$work/root/usr/bin/promtool" "$TARGET"
echo "==> promtool at $TARGET: $("$TARGET" --version 2>&1 | head -1)"
