#!/usr/bin/env bash
# Set up .venv with Tsunagu and every dependency (idempotent: quick when nothing changed).
#
# Uses uv (installed from PyPI on first use) because its cache keeps the large PyTorch wheels
# and links them into a new environment instead of downloading or unpacking them again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" - <<'PY' || { echo "Tsunagu needs Python 3.11 or newer (set PYTHON=...)" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 11) else 1)
PY

if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
    echo "==> installing uv (Python package installer) from PyPI"
    "$PYTHON" -m pip install --quiet --disable-pip-version-check uv
fi
export UV_NATIVE_TLS=${UV_NATIVE_TLS:-1}  # trust the system's certificate store

extras=${TSUNAGU_EXTRAS:-dev}
stamp=".venv/.tsunagu-installed"
want="$(cat pyproject.toml | sha256sum | cut -d' ' -f1) $extras"
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
echo "==> setting up .venv (first time: downloads PyTorch and friends, a few minutes)"
[ -x .venv/bin/python ] || "$PYTHON" -m uv venv --quiet --python "$PYTHON" .venv
"$PYTHON" -m uv pip install --quiet --python .venv/bin/python -e ".[$extras]"
echo "$want" > "$stamp"
echo "==> .venv ready"
