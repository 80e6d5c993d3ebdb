#!/usr/bin/env bash
# Set up Tsunagu, load the demo city into the embedded store and serve it on http://127.0.0.1:8000
#   bash scripts/run.sh               (TSUNAGU_PORT / TSUNAGU_HOST / TSUNAGU_DATA_DIR to change)
#   bash scripts/run.sh --setup-only  (everything but serving: what a restart runs again)
#
# Running it again never undoes people's work: the demo is loaded only into an empty store,
# the ranker is trained and the demo tokens are made only once.
set -euo pipefail
cd "$(dirname "$0")/.."
setup_only=0
case "${1:-}" in
    "") ;;
    --setup-only) setup_only=1 ;;
    *) echo "usage: bash scripts/run.sh [--setup-only]" >&2; exit 2 ;;
esac
umask 077  # the data (contacts, token hashes) and the demo tokens are this user's only
bash scripts/bootstrap.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
tsunagu=.venv/bin/tsunagu
"$tsunagu" db init
"$tsunagu" demo --if-empty
data_dir=${TSUNAGU_DATA_DIR:-data}
# train the ranker on the demo's history once (until then a hand-weighted scorer ranks)
[ -f "$data_dir/models/ranker.joblib" ] || "$tsunagu" train
# one demo token per role, made once (only their hashes are stored)
tokens="$data_dir/demo-tokens.txt"
if [ ! -s "$tokens" ]; then
    {
        for spec in "admin:demo admin:" "coordinator:デモ コーディネーター:" \
            "staff:デモ 市職員:" "business:デモ 事業者:demo-biz-001"; do
            IFS=: read -r role name org <<<"$spec"
            token=$("$tsunagu" token create --role "$role" --name "$name" ${org:+--org "$org"} | tail -n1)
            printf '%-12s %s\n' "$role" "$token"
        done
    } > "$tokens.tmp" && mv "$tokens.tmp" "$tokens"
fi
echo "==> demo tokens, one per role (paste one into the page's sign-in box; saved in $tokens):"
cat "$tokens"
[ "$setup_only" = 1 ] && exit 0
exec "$tsunagu" serve
