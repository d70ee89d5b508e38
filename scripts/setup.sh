#!/usr/bin/env bash
# Sets up a Debian 12 machine for hyper2kvm: the system packages the app and its tests use,
# then the npm dependencies and the build, then the `hyper2kvm` command on PATH. Safe to run
# again. Needs root (or sudo) for apt.
#   scripts/setup.sh                  everything
#   scripts/setup.sh --command-only   only (re)link the `hyper2kvm` command
# The command goes into /usr/local/bin as root, ~/.local/bin otherwise; HYPER2KVM_BIN_DIR
# chooses another folder.
set -euo pipefail
cd "$(dirname "$0")/.."

# Links bin/hyper2kvm (a small shell launcher: Node on the built CLI, no npm in between) onto
# PATH. Replaces only a link to another checkout's launcher, never a file of someone else's.
link_command() {
  local dir="${HYPER2KVM_BIN_DIR:-}"
  if [ -z "$dir" ]; then
    if [ "$(id -u)" -eq 0 ]; then dir=/usr/local/bin; else dir="$HOME/.local/bin"; fi
  fi
  local link="$dir/hyper2kvm" target="$PWD/bin/hyper2kvm"
  mkdir -p "$dir"
  if [ -e "$link" ] || [ -L "$link" ]; then
    if [ ! -L "$link" ] || [[ "$(readlink "$link")" != */bin/hyper2kvm ]]; then
      echo "==> $link exists and is not a hyper2kvm checkout's launcher: left alone. Run $target directly, or remove $link and run this again." >&2
      return 1
    fi
  fi
  ln -sfn "$target" "$link"
  echo "==> the hyper2kvm command: $link -> $target"
  case ":$PATH:" in
    *":$dir:"*) ;;
    *) echo "==> $dir is not on your PATH: add it (export PATH=\"$dir:\$PATH\")$([ "$dir" = "$HOME/.local/bin" ] && echo ', or log in again: Debian adds ~/.local/bin at login when it exists')." ;;
  esac
}

if [ "${1:-}" = "--command-only" ]; then
  link_command
  exit $?
fi

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
link_command || true   # the app and the tests do not need it
echo "==> ready: npm start (the app), npm test (the whole test suite), hyper2kvm --help (the command line)"
