#!/usr/bin/env bash
# demo.sh BUILD_DIR - a short guided run of Moat on this machine: a local mosquitto broker,
# `moat sub` listening, `moat pub` sending, and what the device client says when things fail.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
MOAT="$BUILD/moat"
[ -x "$MOAT" ] || { echo "demo: $MOAT not found; build first (make build)" >&2; exit 1; }
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || {
    echo "demo: mosquitto is not installed; run scripts/deps.sh" >&2; exit 1; }

DIR=$(mktemp -d /tmp/moat-demo.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { local cmd=("$@"); printf '$ moat %s\n' "${*:2}"; "${cmd[@]}"; }
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "demo: nothing listens on port $1" >&2; return 1
}

say "1. A local MQTT broker (Debian mosquitto) on 127.0.0.1"
PORT=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\nlog_dest file %s/mosquitto.log\nlog_type all\n' \
    "$PORT" "$DIR" > "$DIR/mosquitto.conf"
/usr/sbin/mosquitto -c "$DIR/mosquitto.conf" 2>/dev/null &
PIDS+=($!)
wait_port "$PORT"
echo "mosquitto listens on 127.0.0.1:$PORT"

say "2. moat sub: the embedded MQTT client (no malloc in its core) subscribes at QoS 1"
printf '$ moat sub -p %s -t demo/# -q 1 -v -C 1 -i demo-sub\n' "$PORT"
"$MOAT" sub -p "$PORT" -t 'demo/#' -q 1 -v -C 1 -i demo-sub > "$DIR/received.txt" &
SUB=$!
PIDS+=($SUB)
for _ in $(seq 100); do grep -q "SUBSCRIBE from demo-sub" "$DIR/mosquitto.log" 2>/dev/null && break; sleep 0.05; done

say "3. moat pub sends a QoS 1 message"
run "$MOAT" pub -p "$PORT" -t demo/hello -m "hello from moat" -q 1
wait "$SUB" || true
echo "moat sub received:"
sed 's/^/    /' "$DIR/received.txt"

say "4. What the broker saw (its log)"
grep -E "New client|CONNACK|SUBSCRIBE|SUBACK|PUBLISH|PUBACK|DISCONNECT" "$DIR/mosquitto.log" |
    sed 's/^[0-9]*: /    /' | head -16

say "5. When there is no broker, the error says what to do"
CLOSED=$(free_port)
run "$MOAT" pub -p "$CLOSED" -t demo/hello -m x || true

say "Done"
echo "The device client spoke MQTT 3.1.1 to an unmodified mosquitto; everything was stopped."
