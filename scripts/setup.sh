#!/usr/bin/env bash
# Sets up a Debian 12 machine for hyper2kvm: the system packages the app and its tests use,
# then the npm dependencies and the build. Safe to run again. Needs root (or sudo) for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=""
for p in $(grep -vE '^\s*(#|$)' build/apt-packages.txt); do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing="$missing $p"
done
if [ -n "$missing" ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "==> installing Debian packages: $missing"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
else
  echo "==> Debian packages: all present"
fi

# The Electron binary cannot be downloaded on machines without internet access; the app then
# runs in the browser through the loopback bridge (npm start says so).
echo "==> installing npm dependencies and building"
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
echo "==> ready: npm start (the app), npm test (the whole test suite)"
