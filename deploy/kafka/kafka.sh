#!/usr/bin/env bash
# Single-node Apache Kafka broker (KRaft, broker+controller in one JVM) built from
# Maven Central jars and run on OpenJDK 17.  See deploy/kafka/README.md.
#
#   kafka.sh fetch    copy the broker jars into $KAFKA_HOME/libs (skipped if up to date)
#   kafka.sh start    write config, format storage, start in background, wait until ready
#   kafka.sh stop     SIGTERM the broker (SIGKILL after 30 s); idempotent
#   kafka.sh status   print running/stopped + bootstrap; exit 0 running, 3 stopped
#
# Env knobs: KAFKA_HOME (<repo>/.kafka), KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT
# (19093), JAVA_HOME (/usr/lib/jvm/java-17-openjdk-amd64), KAFKA_KEEP_DATA (0),
# KAFKA_CLUSTER_ID (generated), KAFKA_START_TIMEOUT (60), KAFKA_PY (python3),
# KAFKA_AUTO_CREATE (false: the broker never creates a topic a client names),
# KAFKA_SECURITY (plaintext, or sasl_ssl: TLS and SCRAM-SHA-512 users with ACLs, see
# secure.sh; needs CARRY_KAFKA_USER and CARRY_KAFKA_PASSWORD or CARRY_KAFKA_PASSWORD_FILE).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"
TEMPLATE="$SCRIPT_DIR/server.properties.in"

export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
KAFKA_HOME="${KAFKA_HOME:-$REPO_ROOT/.kafka}"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_KEEP_DATA="${KAFKA_KEEP_DATA:-0}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_PY="${KAFKA_PY:-python3}"
KAFKA_AUTO_CREATE="${KAFKA_AUTO_CREATE:-false}"
KAFKA_SECURITY="${KAFKA_SECURITY:-plaintext}"
HOST=127.0.0.1

# The pinned version is read from the pom so that it is the only place to change.
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$POM" | head -n1)"
[[ -n "$KAFKA_VERSION" ]] || { echo "kafka.sh: cannot read <kafka.version> from $POM" >&2; exit 1; }

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

case "$KAFKA_SECURITY" in
    plaintext) ;;
    sasl_ssl) source "$SCRIPT_DIR/secure.sh" ;;
    *) die "KAFKA_SECURITY=$KAFKA_SECURITY: use plaintext or sasl_ssl" ;;
esac
[[ "$KAFKA_AUTO_CREATE" == true || "$KAFKA_AUTO_CREATE" == false ]] \
    || die "KAFKA_AUTO_CREATE=$KAFKA_AUTO_CREATE: use true or false"
secure() { [[ "$KAFKA_SECURITY" == sasl_ssl ]]; }

abs_home() {
    mkdir -p "$KAFKA_HOME"
    KAFKA_HOME="$(cd "$KAFKA_HOME" && pwd)"
    LIBS="$KAFKA_HOME/libs"
    DATA="$KAFKA_HOME/data"
    LOGS="$KAFKA_HOME/logs"
    PIDFILE="$KAFKA_HOME/broker.pid"
    BOOTFILE="$KAFKA_HOME/bootstrap"
    PROPS="$KAFKA_HOME/server.properties"
    LOG4J="$KAFKA_HOME/log4j.properties"
    BROKER_LOG="$LOGS/broker.log"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---------------------------------------------------------------- fetch
pom_stamp() { sha256sum "$POM" | cut -d' ' -f1; }

jar_count() { find "$LIBS" -maxdepth 1 -name '*.jar' | wc -l; }

libs_ok() {
    [[ -f "$LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]] \
        && [[ -f "$LIBS/.pom.sha256" ]] \
        && [[ "$(cat "$LIBS/.pom.sha256")" == "$(pom_stamp)" ]]
}

cmd_fetch() {
    abs_home
    if libs_ok; then
        log "libs up to date (kafka_2.13-$KAFKA_VERSION, $(jar_count) jars in $LIBS)"
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"
    local t0 tmp
    t0="$(now)"
    # Copy into a scratch dir and swap it in, so an interrupted fetch never leaves a
    # half-filled libs/ and jars of an older pinned version never stay on the classpath.
    tmp="$KAFKA_HOME/libs.tmp.$$"
    rm -rf "$tmp"
    log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $LIBS ..."
    mkdir -p "$KAFKA_HOME/logs"
    if ! mvn -B -q -Dstyle.color=never -f "$POM" \
        org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KAFKA_HOME/logs/fetch.log" 2>&1; then
        cat "$KAFKA_HOME/logs/fetch.log" >&2
        rm -rf "$tmp"
        die "mvn copy-dependencies failed (output above)"
    fi
    [[ -f "$tmp/kafka_2.13-$KAFKA_VERSION.jar" ]] || { rm -rf "$tmp"; die "kafka_2.13-$KAFKA_VERSION.jar missing after fetch"; }
    pom_stamp >"$tmp/.pom.sha256"
    rm -rf "$LIBS"
    mv "$tmp" "$LIBS"
    log "fetched $(jar_count) jars ($(du -sh "$LIBS" | cut -f1)) in $(elapsed "$t0") s"
}

# ---------------------------------------------------------------- helpers
# True if pid $1 is alive and is the broker of THIS KAFKA_HOME (its command line
# ends in "kafka.Kafka <abs path of our server.properties>"), so a recycled pid or
# another checkout's broker is never signalled.
is_our_broker() {
    [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "kafka.Kafka $PROPS "
}

# The broker's pid: from the pid file or, if that is missing or stale (e.g. deleted
# by hand), from /proc by the exact config path above; the pid file is then rewritten.
broker_pid() {
    local pid="" p
    [[ -f "$PIDFILE" ]] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
    for p in /proc/[0-9]*; do
        p="${p#/proc/}"
        if is_our_broker "$p"; then
            log "pid file missing or stale; found broker pid $p by its config path"
            echo "$p" >"$PIDFILE"
            echo "$p"
            return 0
        fi
    done
    return 1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

bootstrap() { if [[ -f "$BOOTFILE" ]]; then cat "$BOOTFILE"; else echo "$HOST:$KAFKA_PORT"; fi; }

# Real Kafka requests over a raw socket (no packages needed): ApiVersions v0, then
# Metadata v1 with no topics, which must list this broker.  Exit 0 only if both answer.
# With a CA file as $2 (the SASL_SSL listener): over TLS, ApiVersions only (Metadata
# needs an authenticated client).
kafka_probe() {
    "$KAFKA_PY" - "$HOST" "$1" "${2:-}" <<'PY'
import socket, ssl, struct, sys

host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def call(sock, api_key, version, corr, body=b""):
    client = b"carry-kafka-sh"
    hdr = struct.pack(">hhih", api_key, version, corr, len(client)) + client
    msg = hdr + body
    sock.sendall(struct.pack(">i", len(msg)) + msg)
    def read(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by broker")
            buf += chunk
        return buf
    size, = struct.unpack(">i", read(4))
    data = read(size)
    got, = struct.unpack(">i", data[:4])
    if got != corr:
        raise ValueError("correlation id mismatch")
    return data[4:]

try:
    with socket.create_connection((host, port), timeout=2) as raw:
        s = ssl.create_default_context(cafile=cafile).wrap_socket(
            raw, server_hostname=host) if cafile else raw
        s.settimeout(3)
        r = call(s, 18, 0, 1)                      # ApiVersions v0
        err, n = struct.unpack(">hi", r[:6])
        if err != 0:
            sys.exit("ApiVersions error %d" % err)
        apis = {}
        for i in range(n):
            k, lo, hi = struct.unpack(">hhh", r[6 + 6 * i:12 + 6 * i])
            apis[k] = (lo, hi)
        if 0 not in apis or 3 not in apis:
            sys.exit("ApiVersions lacks Produce/Metadata")
        if cafile:
            print("TLS %s; ApiVersions: %d APIs (Produce v%d-%d)"
                  % (s.version(), len(apis), apis[0][0], apis[0][1]))
            sys.exit(0)
        r = call(s, 3, 1, 2, struct.pack(">i", 0))  # Metadata v1, no topics
        nb, = struct.unpack(">i", r[:4])
        if nb < 1:
            sys.exit("Metadata lists no broker yet")
        node, = struct.unpack(">i", r[4:8])
        hl, = struct.unpack(">h", r[8:10])
        bhost = r[10:10 + hl].decode()
        bport, = struct.unpack(">i", r[10 + hl:14 + hl])
        print("ApiVersions: %d APIs (Produce v%d-%d); Metadata: broker %d at %s:%d"
              % (len(apis), apis[0][0], apis[0][1], node, bhost, bport))
except (OSError, ValueError, struct.error, ssl.SSLError) as e:
    sys.exit("probe failed: %s" % e)
PY
}

new_cluster_id() {
    if [[ -n "${KAFKA_CLUSTER_ID:-}" ]]; then echo "$KAFKA_CLUSTER_ID"; return; fi
    # Kafka's Uuid.toString: URL-safe base64 of 16 bytes without padding; Uuid.randomUuid() rejects ids starting with "-".
    "$KAFKA_PY" -c '
import base64, uuid
while True:
    s = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    if not s.startswith("-"):
        print(s); break'
}

write_configs() {
    mkdir -p "$DATA" "$LOGS" "$KAFKA_HOME/tmp"
    sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
        -e "s|@KAFKA_CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
        -e "s|@KAFKA_DATA_DIR@|$DATA|g" \
        -e "s|^auto.create.topics.enable=.*|auto.create.topics.enable=$KAFKA_AUTO_CREATE|" \
        "$TEMPLATE" >"$PROPS"
    ! grep -q '@[A-Z_]*@' "$PROPS" || die "unfilled placeholder in $PROPS"
    if secure; then secure_props; fi
    # Console-only logging. Without an explicit config reload4j prints nothing at all
    # (no "Kafka Server started", no startup errors).
    cat >"$LOG4J" <<'EOF'
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
EOF
}

# ---------------------------------------------------------------- start
cmd_start() {
    abs_home
    local pid
    if pid="$(broker_pid)"; then
        log "already running (pid $pid), bootstrap $(bootstrap)"
        return 0
    fi
    rm -f "$PIDFILE"
    [[ -x "$JAVA" ]] || die "no java at $JAVA (set JAVA_HOME to a JDK 17)"
    for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
        ! port_open "$p" || die "port $HOST:$p is already in use (another broker? set KAFKA_PORT/KAFKA_CONTROLLER_PORT)"
    done
    cmd_fetch
    if secure; then
        secure_init
        secure_certs
    fi

    local t0 cid fmt_flags=()
    t0="$(now)"
    if [[ "$KAFKA_KEEP_DATA" == 1 && -f "$DATA/meta.properties" ]]; then
        # Restart keeping the data: reuse the cluster id of the formatted dir.
        cid="$(sed -n 's/^cluster.id=//p' "$DATA/meta.properties")"
        fmt_flags=(--ignore-formatted)
        log "KAFKA_KEEP_DATA=1: reusing $DATA (cluster id $cid)"
    else
        rm -rf "$DATA"
        cid="$(new_cluster_id)"
    fi
    write_configs
    if secure; then
        local arg
        while IFS= read -r -d '' arg; do fmt_flags+=("$arg"); done < <(scram_args)
    fi

    local log4j_opt="-Dlog4j.configuration=file:$LOG4J"
    if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Djava.io.tmpdir="$KAFKA_HOME/tmp" "$log4j_opt" \
            -cp "$LIBS/*" kafka.tools.StorageTool format -t "$cid" -c "$PROPS" "${fmt_flags[@]}" \
            >"$LOGS/format.log" 2>&1; then
        cat "$LOGS/format.log" >&2
        die "storage format failed (see above)"
    fi
    log "format $([[ "${fmt_flags[0]:-}" == --ignore-formatted ]] && echo --ignore-formatted || echo "(fresh)") of $DATA (cluster id $cid${CLIENT_USER:+, SCRAM users admin and $CLIENT_USER}) took $(elapsed "$t0") s"

    [[ -f "$BROKER_LOG" ]] && mv -f "$BROKER_LOG" "$BROKER_LOG.prev"
    # Heap and G1 flags as in Kafka's kafka-server-start.sh / kafka-run-class.sh,
    # with a smaller heap for tests. java.io.tmpdir keeps zstd/snappy native libs off a possibly noexec /tmp.
    nohup "$JAVA" -server -Xms512m -Xmx1g \
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
        -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 \
        -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
        -Djava.io.tmpdir="$KAFKA_HOME/tmp" -Dkafka.logs.dir="$LOGS" "$log4j_opt" \
        -cp "$LIBS/*" kafka.Kafka "$PROPS" \
        >"$BROKER_LOG" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    echo "$HOST:$KAFKA_PORT" >"$BOOTFILE"

    # Kafka opens the client port only when the broker is unfenced, so a TCP connect
    # is a first signal; the raw ApiVersions + Metadata probe confirms it.
    local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) out=""
    while :; do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "broker exited during startup; last 40 lines of $BROKER_LOG:"
            tail -n 40 "$BROKER_LOG" >&2
            rm -f "$PIDFILE"
            exit 1
        fi
        if port_open "$KAFKA_PORT" && out="$(kafka_probe "$KAFKA_PORT" "${CA_PEM:-}" 2>&1)"; then
            break
        fi
        if ((SECONDS >= deadline)); then
            log "broker not ready after ${KAFKA_START_TIMEOUT}s (last probe: ${out:-port closed}); last 40 lines of $BROKER_LOG:"
            tail -n 40 "$BROKER_LOG" >&2
            stop_pid "$pid"
            exit 1
        fi
        sleep 0.3
    done
    log "$out"
    if secure && ! secure_acls; then
        stop_pid "$pid"
        die "could not set the ACLs (output above)"
    fi
    log "Kafka $KAFKA_VERSION ready (pid $pid) at $HOST:$KAFKA_PORT, format+start $(elapsed "$t0") s; log $BROKER_LOG"
}

# ---------------------------------------------------------------- stop / status
stop_pid() {
    local pid="$1" t0 i
    t0="$(now)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "broker (pid $pid) still alive after 30 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"
    log "stopped broker (pid $pid) in $(elapsed "$t0") s"
}

cmd_stop() {
    abs_home
    local pid
    if pid="$(broker_pid)"; then
        stop_pid "$pid"
    else
        rm -f "$PIDFILE"
        log "no broker running (KAFKA_HOME=$KAFKA_HOME)"
    fi
}

cmd_status() {
    abs_home
    local pid
    if pid="$(broker_pid)"; then
        echo "running (pid $pid) bootstrap $(bootstrap)"
        return 0
    fi
    echo "stopped (bootstrap would be $HOST:$KAFKA_PORT)"
    return 3
}

case "${1:-}" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 {fetch|start|stop|status}" >&2
        exit 2
        ;;
esac
