#!/usr/bin/env bash
# Set up .venv with Tsunagu and every dependency at the versions in uv.lock (idempotent: quick
# when nothing changed).  scripts/run.sh, scripts/test.sh and .ci/run all start here.
#
# Uses uv (installed from PyPI on first use) because its cache keeps the large PyTorch wheels
# and links them into a new environment instead of downloading or unpacking them again.
# After changing pyproject.toml, run `python3 -m uv lock` and commit uv.lock with it.
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

extras=${TSUNAGU_EXTRAS:-dev}  # comma-separated optional dependency groups; empty for none
stamp=".venv/.tsunagu-installed"
want="$(cat pyproject.toml uv.lock | sha256sum | cut -d' ' -f1) $extras"
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
echo "==> setting up .venv from uv.lock (first time: downloads PyTorch and friends, a few minutes)"
extra_args=()
IFS=, read -ra groups <<<"$extras"
for group in "${groups[@]}"; do
    [ -n "$group" ] && extra_args+=(--extra "$group")
done
# --locked: exactly the locked versions, and a clear error if uv.lock is older than
# pyproject.toml (instead of quietly resolving something else)
if ! "$PYTHON" -m uv sync --quiet --locked --python "$PYTHON" "${extra_args[@]}"; then
    echo "ERROR: could not install from uv.lock; if pyproject.toml changed, run" \
        "'python3 -m uv lock' and commit uv.lock" >&2
    echo "       (uv.lock から導入できません。pyproject.toml を変更した場合は" \
        "'python3 -m uv lock' を実行して uv.lock もコミットしてください)" >&2
    exit 1
fi
echo "$want" > "$stamp"
echo "==> .venv ready"
