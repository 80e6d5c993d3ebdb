#!/usr/bin/env bash
# Set up Tsunagu, load the demo city into the embedded store and serve it on http://127.0.0.1:8000
#   bash scripts/run.sh            (TSUNAGU_PORT / TSUNAGU_HOST / TSUNAGU_DATA_DIR to change)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
tsunagu=.venv/bin/tsunagu
"$tsunagu" db init
"$tsunagu" demo
if [ ! -s "${TSUNAGU_DATA_DIR:-data}/admin-token.txt" ]; then
    "$tsunagu" token create --role admin --name "demo admin" > "${TSUNAGU_DATA_DIR:-data}/admin-token.txt"
fi
echo "==> admin token (saved in ${TSUNAGU_DATA_DIR:-data}/admin-token.txt): $(tail -n1 "${TSUNAGU_DATA_DIR:-data}/admin-token.txt")"
exec "$tsunagu" serve
