# tests/lib/moat_test.sh - helpers for integration tests. Source it first:
#   . "$MOAT_SRC_DIR/tests/lib/moat_test.sh"
# Every peer a test starts listens on 127.0.0.1 on a free port and is stopped on exit.
set -euo pipefail

: "${MOAT_SRC_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MOAT_BUILD_DIR:=$MOAT_SRC_DIR/build}"
MOAT="$MOAT_BUILD_DIR/moat"
MOATD="$MOAT_BUILD_DIR/moatd"
MOAT_SE="$MOAT_BUILD_DIR/moat-se"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

T_DIR=$(mktemp -d /tmp/moat-test.XXXXXX)
T_PIDS=()
T_FAILED=0
T_PASSED=0

t_cleanup() {
    local pid
    for pid in "${T_PIDS[@]:-}"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    for pid in "${T_PIDS[@]:-}"; do
        [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
    done
    rm -rf "$T_DIR"
}
trap t_cleanup EXIT

# t_bg CMD...: starts CMD in the background, remembers its pid for cleanup; pid in $T_LAST_PID.
t_bg() {
    "$@" &
    T_LAST_PID=$!
    T_PIDS+=("$T_LAST_PID")
}

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_port PORT [SECONDS]: waits until 127.0.0.1:PORT accepts connections.
wait_port() {
    local port=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "port $port did not open within ${secs}s" >&2
    return 1
}

# start_mosquitto [EXTRA_CONFIG_LINES]: starts the Debian mosquitto on a free port with
# anonymous access; sets MQ_PORT and MQ_PID. Its log is $T_DIR/mosquitto.log.
start_mosquitto() {
    MQ_PORT=$(free_port)
    local conf="$T_DIR/mosquitto-$MQ_PORT.conf"
    {
        echo "listener $MQ_PORT 127.0.0.1"
        echo "allow_anonymous true"
        echo "persistence false"
        # As root, mosquitto drops to user "mosquitto", which cannot write into $T_DIR.
        [ "$(id -u)" -eq 0 ] && echo "user root"
        echo "log_dest file $T_DIR/mosquitto.log"
        echo "log_type all"
        [ $# -gt 0 ] && printf '%s\n' "$@"
    } > "$conf"
    t_bg /usr/sbin/mosquitto -c "$conf"
    MQ_PID=$T_LAST_PID
    wait_port "$MQ_PORT"
}

# Test cases: `t_case NAME` then commands; `t_pass` / `t_fail MSG`. `t_done` prints the
# summary line ctest reads and exits non-zero if any case failed.
t_case() { T_CASE=$1; echo "--- $T_CASE"; }
t_pass() { T_PASSED=$((T_PASSED + 1)); echo "ok: $T_CASE"; }
t_fail() { T_FAILED=$((T_FAILED + 1)); echo "FAIL: $T_CASE: $*" >&2; }
# t_expect_eq WHAT EXPECTED ACTUAL
t_expect_eq() {
    if [ "$2" == "$3" ]; then t_pass; else t_fail "$1: expected [$2], got [$3]"; fi
}
# t_expect_contains WHAT NEEDLE HAYSTACK
t_expect_contains() {
    if [[ "$3" == *"$2"* ]]; then t_pass; else t_fail "$1: [$3] does not contain [$2]"; fi
}
t_done() {
    echo "$T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ]
}
