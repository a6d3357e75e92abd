#!/usr/bin/env bash
# Local Ethereum node (anvil), the compiled Aave v3 contracts and the Solidity compiler,
# all from the npm registry at the versions pinned in package.json / package-lock.json.
#
#   chain.sh fetch    npm ci the pinned packages into $CHAIN_HOME and compile Carry's own
#                     contracts (contracts/*.sol) into $CHAIN_HOME/build (skipped if up to date)
#   chain.sh start    start anvil on 127.0.0.1:$CHAIN_PORT in the background, wait until ready
#   chain.sh stop     SIGTERM anvil (SIGKILL after 10 s); idempotent
#   chain.sh status   print running/stopped + RPC URL; exit 0 running, 3 stopped
#
# Env knobs: CHAIN_HOME (<repo>/.chain), CHAIN_PORT (18545), CHAIN_ID (31337),
# CHAIN_ACCOUNTS (10), CHAIN_BALANCE (1000000 ETH each), CHAIN_START_TIMEOUT (30).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CHAIN_HOME="${CHAIN_HOME:-$REPO_ROOT/.chain}"
CHAIN_PORT="${CHAIN_PORT:-18545}"
CHAIN_ID="${CHAIN_ID:-31337}"
CHAIN_ACCOUNTS="${CHAIN_ACCOUNTS:-10}"
CHAIN_BALANCE="${CHAIN_BALANCE:-1000000}"
CHAIN_START_TIMEOUT="${CHAIN_START_TIMEOUT:-30}"
HOST=127.0.0.1

log() { echo "chain.sh: $*" >&2; }
die() { log "$*"; exit 1; }

abs_home() {
    mkdir -p "$CHAIN_HOME"
    CHAIN_HOME="$(cd "$CHAIN_HOME" && pwd)"
    MODULES="$CHAIN_HOME/node_modules"
    ANVIL="$MODULES/@foundry-rs/anvil-linux-amd64/bin/anvil"
    PIDFILE="$CHAIN_HOME/anvil.pid"
    RPCFILE="$CHAIN_HOME/rpc"
    LOGFILE="$CHAIN_HOME/anvil.log"
}

lock_stamp() {
    cat "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" "$SCRIPT_DIR/compile.mjs" \
        "$SCRIPT_DIR"/contracts/*.sol | sha256sum | cut -d' ' -f1
}

modules_ok() {
    [[ -x "$ANVIL" ]] && [[ -d "$MODULES/@aave/core-v3/artifacts" ]] && [[ -d "$CHAIN_HOME/build" ]] \
        && [[ -f "$CHAIN_HOME/.lock.sha256" ]] \
        && [[ "$(cat "$CHAIN_HOME/.lock.sha256")" == "$(lock_stamp)" ]]
}

cmd_fetch() {
    abs_home
    if modules_ok; then
        log "packages up to date ($("$ANVIL" --version | head -n1), @aave/core-v3 in $MODULES)"
        return 0
    fi
    command -v npm >/dev/null || die "npm not found (apt-get install npm)"
    [[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] \
        || die "this script runs the linux-amd64 anvil binary; $(uname -s)-$(uname -m) is not supported"
    # Install into a scratch dir and swap it in, so an interrupted fetch never leaves a
    # half-filled node_modules.  Install scripts are not run: the binary ships in the
    # platform package.
    local tmp="$CHAIN_HOME/install.tmp.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp"
    cp "$SCRIPT_DIR/package.json" "$SCRIPT_DIR/package-lock.json" "$tmp/"
    log "npm ci of $(tr -d '\n ' <"$SCRIPT_DIR/package.json" | sed 's/.*"dependencies":{\([^}]*\)}.*/\1/') into $MODULES ..."
    if ! (cd "$tmp" && npm ci --ignore-scripts --no-audit --no-fund >"$tmp/npm.log" 2>&1); then
        cat "$tmp/npm.log" >&2
        rm -rf "$tmp"
        die "npm ci failed (output above)"
    fi
    [[ -x "$tmp/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ]] \
        || { rm -rf "$tmp"; die "anvil binary missing after npm ci"; }
    if ! node "$SCRIPT_DIR/compile.mjs" "$tmp/node_modules" "$tmp/build" >&2; then
        rm -rf "$tmp"
        die "compiling deploy/chain/contracts failed (output above)"
    fi
    rm -rf "$MODULES" "$CHAIN_HOME/build"
    mv "$tmp/node_modules" "$MODULES"
    mv "$tmp/build" "$CHAIN_HOME/build"
    rm -rf "$tmp"
    lock_stamp >"$CHAIN_HOME/.lock.sha256"
    log "installed $("$ANVIL" --version | head -n1)"
}

# True if pid $1 is alive and is the anvil of THIS CHAIN_HOME on THIS port, so a
# recycled pid or another checkout's node is never signalled.
is_our_anvil() {
    [[ "$1" =~ ^[0-9]+$ ]] && kill -0 "$1" 2>/dev/null \
        && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$ANVIL "
}

anvil_pid() {
    local pid=""
    [[ -f "$PIDFILE" ]] && pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    if is_our_anvil "$pid"; then echo "$pid"; return 0; fi
    return 1
}

rpc_url() { if [[ -f "$RPCFILE" ]]; then cat "$RPCFILE"; else echo "http://$HOST:$CHAIN_PORT"; fi; }

# eth_chainId over plain HTTP with bash's /dev/tcp (no curl needed).
probe() {
    local reply
    reply="$(
        { exec 3<>"/dev/tcp/$HOST/$1"; } 2>/dev/null || exit 1
        body='{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}'
        printf 'POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
            "$HOST" "${#body}" "$body" >&3
        timeout 2 cat <&3
    )" 2>/dev/null || return 1
    [[ "$reply" == *'"result"'* ]]
}

cmd_start() {
    abs_home
    local pid
    if pid="$(anvil_pid)"; then
        log "already running (pid $pid) at $(rpc_url)"
        return 0
    fi
    rm -f "$PIDFILE"
    modules_ok || die "anvil is not installed in $CHAIN_HOME (run: deploy/chain/chain.sh fetch)"
    ! (exec 3<>"/dev/tcp/$HOST/$CHAIN_PORT") 2>/dev/null \
        || die "port $HOST:$CHAIN_PORT is already in use (set CHAIN_PORT)"
    [[ -f "$LOGFILE" ]] && mv -f "$LOGFILE" "$LOGFILE.prev"
    nohup "$ANVIL" --host "$HOST" --port "$CHAIN_PORT" --chain-id "$CHAIN_ID" \
        --accounts "$CHAIN_ACCOUNTS" --balance "$CHAIN_BALANCE" \
        >"$LOGFILE" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$PIDFILE"
    echo "http://$HOST:$CHAIN_PORT" >"$RPCFILE"
    local deadline=$((SECONDS + CHAIN_START_TIMEOUT))
    until probe "$CHAIN_PORT"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$LOGFILE" >&2
            rm -f "$PIDFILE"
            die "anvil exited during startup (log above)"
        fi
        if ((SECONDS >= deadline)); then
            stop_pid "$pid"
            die "anvil not answering on $HOST:$CHAIN_PORT after ${CHAIN_START_TIMEOUT}s; log $LOGFILE"
        fi
        sleep 0.1
    done
    log "anvil ready (pid $pid) at http://$HOST:$CHAIN_PORT, chain id $CHAIN_ID; log $LOGFILE"
}

stop_pid() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "anvil (pid $pid) still alive after 10 s, sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$PIDFILE"
    log "stopped anvil (pid $pid)"
}

cmd_stop() {
    abs_home
    local pid
    if pid="$(anvil_pid)"; then
        stop_pid "$pid"
    else
        rm -f "$PIDFILE"
        log "no anvil running (CHAIN_HOME=$CHAIN_HOME)"
    fi
}

cmd_status() {
    abs_home
    local pid
    if pid="$(anvil_pid)"; then
        echo "running (pid $pid) rpc $(rpc_url)"
        return 0
    fi
    echo "stopped (rpc would be http://$HOST:$CHAIN_PORT)"
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
