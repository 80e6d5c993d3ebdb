#!/usr/bin/env bash
# A real Neo4j Community server on localhost without Docker (for tests and local use).
#
#   bash scripts/neo4j.sh fetch    # download Neo4j from Maven Central into the cache (once)
#   bash scripts/neo4j.sh start    # start it in the background, wait for Bolt, print the URI
#   bash scripts/neo4j.sh status   # running or not, and where
#   bash scripts/neo4j.sh stop     # stop it and delete its data
#   bash scripts/neo4j.sh check    # exit 0 when Java (and cached jars or Maven) are there
#
# Neo4j 5.26 (LTS, the last line that runs on Java 17) is fetched as the embedded engine with
# its Bolt connector (org.neo4j:neo4j, see scripts/neo4j/pom.xml) and started by
# scripts/neo4j/Launcher.java.  Needs a Java 17+ JDK, and Maven for the first fetch.
#
# Environment:
#   TSUNAGU_CACHE_DIR       jar cache root (default ~/.cache/tsunagu); jars go to neo4j-<version>/lib
#   TSUNAGU_NEO4J_PORT      Bolt port (default: a free one)
#   TSUNAGU_NEO4J_RUN_DIR   where pid, URI, log and data live (default: a folder under $TMPDIR
#                           named after this checkout); use one per concurrent instance
#   TSUNAGU_NEO4J_PASSWORD  set a password for user neo4j (default: authentication off)
#   TSUNAGU_NEO4J_HEAP      JVM heap (default 1g); TSUNAGU_NEO4J_PAGECACHE (default 256m)
#   TSUNAGU_NEO4J_START_TIMEOUT  seconds to wait for Bolt (default 120)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SRC="$ROOT/scripts/neo4j"
VERSION=$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$SRC/pom.xml")
CACHE_ROOT=${TSUNAGU_CACHE_DIR:-$HOME/.cache/tsunagu}
CACHE="$CACHE_ROOT/neo4j-$VERSION"
LIB="$CACHE/lib"
JAR="$CACHE/launcher.jar"
# Class-data sharing archive of Neo4j's classes, written when the first instance stops: later
# starts load classes from it (about half the start-up time).
CDS="$CACHE/neo4j-classes.jsa"
checkout_id=$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)
RUN=${TSUNAGU_NEO4J_RUN_DIR:-${TMPDIR:-/tmp}/tsunagu-neo4j-$(id -u)-$checkout_id}

say() { echo "neo4j.sh: $*" >&2; }
die() { say "$*"; exit 1; }

need_java() {
    command -v java >/dev/null 2>&1 || die "a Java 17+ JDK is needed (apt-get install openjdk-17-jdk-headless) / Java 17 以上が必要です"
    local major
    major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = \([0-9]*\).*/\1/p')
    [ "${major:-0}" -ge 17 ] || die "Java 17+ is needed, found Java ${major:-?} / Java 17 以上が必要です"
}

cmd_fetch() {
    need_java
    if [ ! -f "$LIB/.complete" ]; then
        command -v mvn >/dev/null 2>&1 || die "Maven is needed to fetch Neo4j (apt-get install maven) / Neo4j の取得には Maven が必要です"
        say "fetching Neo4j Community $VERSION from Maven Central into $LIB"
        local t0=$SECONDS tmp="$LIB.tmp.$$"
        rm -rf "$tmp"
        mkdir -p "$CACHE"
        # (sed strips the colour codes Maven 3.8 prints even in quiet, batch mode)
        mvn -B -q -Dstyle.color=never -f "$SRC/pom.xml" dependency:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2 \
            || { rm -rf "$tmp"; die "could not fetch Neo4j from Maven Central (network? proxy?)"; }
        rm -rf "$LIB"
        mv "$tmp" "$LIB"  # the cache is complete or absent, never half-filled
        touch "$LIB/.complete"
        say "fetched $(ls "$LIB" | wc -l) jars in $((SECONDS - t0))s"
    fi
    # Compile the launcher once into a jar (faster than running the source file each time,
    # and class-data sharing needs jars, not folders, on the class path).
    local stamp
    stamp=$(cksum < "$SRC/Launcher.java" | cut -d' ' -f1)
    if [ ! -f "$JAR" ] || [ "$(cat "$JAR.source" 2>/dev/null)" != "$stamp" ]; then
        command -v javac >/dev/null 2>&1 && command -v jar >/dev/null 2>&1 \
            || { say "no javac/jar: the launcher will run from source"; return 0; }
        local tmp="$CACHE/build.$$"
        rm -rf "$tmp" && mkdir -p "$tmp"
        javac -nowarn -cp "$LIB/*" -d "$tmp" "$SRC/Launcher.java"
        jar cf "$tmp/launcher.jar" -C "$tmp" Launcher.class
        mv "$tmp/launcher.jar" "$JAR"
        echo "$stamp" > "$JAR.source"
        rm -rf "$tmp" "$CDS"  # the archive describes the old launcher
    fi
}

# Can Neo4j run here?  (Java 17+, and cached jars or Maven to fetch them.)
cmd_check() {
    need_java
    if [ ! -f "$LIB/.complete" ] && ! command -v mvn >/dev/null 2>&1; then
        die "Maven is needed to fetch Neo4j once (apt-get install maven) / Neo4j の取得には Maven が必要です"
    fi
}

# The pid file's process is alive and is our launcher (not a reused pid).
pid_alive() {
    [ -f "$RUN/pid" ] || return 1
    local pid
    pid=$(cat "$RUN/pid")
    kill -0 "$pid" 2>/dev/null || return 1
    [ ! -r "/proc/$pid/cmdline" ] || tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q "Launcher"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Wait until the driver's verify_connectivity() succeeds (falls back to a plain TCP check when
# the project's .venv with the neo4j driver is not there yet).
wait_for_bolt() {
    local uri=$1 timeout=$2 py=python3
    [ -x "$ROOT/.venv/bin/python" ] && py="$ROOT/.venv/bin/python"
    TSUNAGU_WAIT_PID=$(cat "$RUN/pid") "$py" - "$uri" "$timeout" "${TSUNAGU_NEO4J_PASSWORD:-}" <<'PY'
import os, socket, sys, time
uri, timeout, password = sys.argv[1], float(sys.argv[2]), sys.argv[3]
pid = int(os.environ["TSUNAGU_WAIT_PID"])
host, port = uri.removeprefix("bolt://").rsplit(":", 1)
try:
    import neo4j
except ImportError:
    neo4j = None
deadline = time.monotonic() + timeout
last = ""
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the Neo4j process exited during start-up")
    try:
        if neo4j is not None:
            auth = ("neo4j", password) if password else None
            with neo4j.GraphDatabase.driver(uri, auth=auth) as driver:
                driver.verify_connectivity()
        else:
            socket.create_connection((host, int(port)), timeout=2).close()
        sys.exit(0)
    except Exception as exc:  # not up yet
        last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
sys.exit(f"Bolt did not answer within {timeout:.0f}s ({last})")
PY
}

cmd_start() {
    if pid_alive; then
        cat "$RUN/uri"
        say "already running (pid $(cat "$RUN/pid"))"
        return 0
    fi
    cmd_fetch
    local port=${TSUNAGU_NEO4J_PORT:-$(free_port)}
    mkdir -p "$RUN"
    rm -rf "$RUN/home"
    local home="$RUN/home"
    local cp main cds=()
    if [ -f "$JAR" ]; then
        cp="$JAR:$LIB/*" main=Launcher
        if [ -f "$CDS" ]; then
            cds=("-XX:SharedArchiveFile=$CDS")  # a stale archive is ignored by the JVM
        else
            echo "$CDS.tmp.$$" > "$RUN/cds-pending"
            cds=("-XX:ArchiveClassesAtExit=$CDS.tmp.$$" -Xlog:cds=off -Xlog:cds+dynamic=off)
        fi
    else
        cp="$LIB/*" main="$SRC/Launcher.java"
    fi
    local args=("$home" "$port")
    [ -n "${TSUNAGU_NEO4J_PASSWORD:-}" ] && args+=("$TSUNAGU_NEO4J_PASSWORD")
    local t0=$SECONDS
    # The --add-opens flags are the ones Neo4j's own start script passes (without java.nio,
    # vector-index population can stall).
    nohup java -Xms256m "-Xmx${TSUNAGU_NEO4J_HEAP:-1g}" -XX:+UseG1GC \
        -Dtsunagu.pagecache="${TSUNAGU_NEO4J_PAGECACHE:-256m}" \
        --add-opens=java.base/java.nio=ALL-UNNAMED \
        --add-opens=java.base/java.io=ALL-UNNAMED \
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
        -Dio.netty.tryReflectionSetAccessible=true \
        -Dlog4j2.disable.jmx=true -Djdk.nio.maxCachedBufferSize=1024 "${cds[@]}" \
        -cp "$cp" "$main" "${args[@]}" >"$RUN/neo4j.log" 2>&1 </dev/null &
    echo $! > "$RUN/pid"
    local uri="bolt://127.0.0.1:$port"
    echo "$uri" > "$RUN/uri"
    if ! wait_for_bolt "$uri" "${TSUNAGU_NEO4J_START_TIMEOUT:-120}"; then
        say "Neo4j did not start; last lines of $RUN/neo4j.log:"
        tail -n 30 "$RUN/neo4j.log" >&2 || true
        cmd_stop >/dev/null 2>&1 || true
        exit 1
    fi
    say "Neo4j $VERSION ready at $uri in $((SECONDS - t0))s (pid $(cat "$RUN/pid"), data $home)"
    echo "$uri"
}

cmd_stop() {
    if pid_alive; then
        local pid grace=10
        pid=$(cat "$RUN/pid")
        # The data is deleted below, so a clean shutdown buys nothing, except on the run that
        # writes the class-data archive at exit: give that one time.
        [ -f "$RUN/cds-pending" ] && grace=90
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 $((grace * 4))); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "Neo4j (pid $pid) still shutting down after ${grace}s; killing it (its data is discarded)"
            kill -KILL "$pid" 2>/dev/null || true
            while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
        fi
        say "stopped (pid $pid)"
        if [ -f "$RUN/cds-pending" ]; then
            local archive
            archive=$(cat "$RUN/cds-pending")
            if [ -s "$archive" ]; then mv -f "$archive" "$CDS"; else rm -f "$archive"; fi
        fi
    else
        say "not running"
    fi
    rm -rf "$RUN/home" "$RUN/pid" "$RUN/uri" "$RUN/cds-pending"
    rmdir "$RUN" 2>/dev/null || true
}

cmd_status() {
    if pid_alive; then
        echo "running: $(cat "$RUN/uri") (pid $(cat "$RUN/pid"), run dir $RUN)"
    else
        echo "not running (run dir $RUN)"
        return 3
    fi
}

case "${1:-}" in
    check) cmd_check ;;
    fetch) cmd_fetch; say "Neo4j $VERSION jars in $LIB" ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *) echo "usage: bash scripts/neo4j.sh fetch|start|stop|status|check" >&2; exit 2 ;;
esac
