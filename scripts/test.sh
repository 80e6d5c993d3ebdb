#!/usr/bin/env bash
# THE test command:  bash scripts/test.sh [pytest args]
#
# 1. sets up .venv (scripts/bootstrap.sh: quick when nothing changed);
# 2. starts a private, throw-away Neo4j on a free localhost port (scripts/neo4j.sh; data in a
#    temporary directory outside the repo) and exports TSUNAGU_TEST_NEO4J_URI, so the Neo4j half
#    of the store tests runs.  Without Java (or without Maven and no cached jars) a local run
#    skips that half and says so; with CI=true it fails instead.  An already set
#    TSUNAGU_TEST_NEO4J_URI is used as is; TSUNAGU_SKIP_NEO4J=1 skips Neo4j on purpose;
# 3. installs Chromium for the browser tests when scripts/ensure-chromium.sh exists;
# 4. runs pytest with your arguments, stops Neo4j, and exits with pytest's exit code
#    ("no tests collected" counts as a failure).
set -euo pipefail
cd "$(dirname "$0")/.."

in_ci() { case "${CI:-}" in 1 | true | TRUE | True | yes) return 0 ;; *) return 1 ;; esac; }
note() { echo "==> $*" >&2; }

bash scripts/bootstrap.sh

# the embedding model is installed as a package: nothing may download weights
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1}
export TRANSFORMERS_OFFLINE=${TRANSFORMERS_OFFLINE:-1}

# Tests must never touch a store configured for real use (in the environment or in .env; a
# value in the environment wins over .env): Neo4j comes from TSUNAGU_TEST_NEO4J_URI only, and
# the data directory is a throw-away one.
export TSUNAGU_NEO4J_URI="" TSUNAGU_NEO4J_PASSWORD=""
unset TSUNAGU_NEO4J_USER TSUNAGU_NEO4J_DATABASE
TEST_DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsunagu-test-data.XXXXXX")
export TSUNAGU_DATA_DIR="$TEST_DATA_DIR"

NEO4J_RUN_DIR=""
cleanup() {
    rm -rf "$TEST_DATA_DIR"
    if [ -n "$NEO4J_RUN_DIR" ]; then
        TSUNAGU_NEO4J_RUN_DIR="$NEO4J_RUN_DIR" bash scripts/neo4j.sh stop >/dev/null 2>&1 || true
        rm -rf "$NEO4J_RUN_DIR"
        NEO4J_RUN_DIR=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

neo4j_unavailable() {
    if in_ci; then
        echo "ERROR: CI=true but Neo4j cannot run here: $1" >&2
        echo "       (CI では Neo4j のテストを省略できません)" >&2
        exit 1
    fi
    note "Neo4j tests will be SKIPPED: $1 (Neo4j のテストは省略されます)"
}

if [ -n "${TSUNAGU_TEST_NEO4J_URI:-}" ]; then
    note "using the Neo4j at $TSUNAGU_TEST_NEO4J_URI (TSUNAGU_TEST_NEO4J_URI)"
elif [ "${TSUNAGU_SKIP_NEO4J:-0}" = 1 ]; then
    neo4j_unavailable "TSUNAGU_SKIP_NEO4J=1"
elif ! bash scripts/neo4j.sh check; then
    neo4j_unavailable "see the message above"
else
    # one private instance per test run: concurrent runs on one machine do not collide
    NEO4J_RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tsunagu-test-neo4j.XXXXXX")
    note "starting Neo4j for the tests"
    if uri=$(TSUNAGU_NEO4J_RUN_DIR="$NEO4J_RUN_DIR" bash scripts/neo4j.sh start); then
        export TSUNAGU_TEST_NEO4J_URI="$uri"
    else
        echo "ERROR: Neo4j did not start (see above); set TSUNAGU_SKIP_NEO4J=1 to test without it" >&2
        echo "       (Neo4j を起動できませんでした)" >&2
        exit 1
    fi
fi

if [ -f scripts/ensure-chromium.sh ]; then
    bash scripts/ensure-chromium.sh
fi

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
    echo "ERROR: pytest collected no tests (テストが見つかりません)" >&2
fi
exit "$status"
