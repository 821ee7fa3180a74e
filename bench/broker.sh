#!/usr/bin/env bash
# bench/broker.sh BUILD_DIR - moatd and Debian mosquitto side by side, same machine, same load
# generator (bench/loadgen.c, built here with cc -O2 against the build's MQTT codec), one after
# the other on idle brokers.
# Prints the ratio moatd/mosquitto first. Runs in about a minute and a half.
#   QoS 0 / QoS 1 msgs/s   messages received by all subscribers per second, 64-byte payloads:
#                          1->1 (one stream), 10->10 (ten independent publisher->subscriber
#                          streams), 1->100 (one publisher, 100 subscribers of its topic)
#   TLS handshakes/s       full handshakes with a client certificate (no resumption), each
#                          followed by CONNECT/CONNACK so the broker has verified the certificate
#   RSS per idle TLS conn  broker RSS growth / 5000 TLS-connected, CONNECTed idle clients
# Environment: BENCH_SECONDS (default 3) per measurement, BENCH_IDLE (default 5000).
set -euo pipefail

BUILD_DIR=${1:?usage: bench/broker.sh BUILD_DIR}
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# free_port, wait_port, t_bg and a temp dir removed (with every peer stopped) on exit
MOAT_SRC_DIR=$SRC_DIR MOAT_BUILD_DIR=$BUILD_DIR . "$SRC_DIR/tests/lib/moat_test.sh"
T=$T_DIR
MOSQUITTO=${MOSQUITTO:-/usr/sbin/mosquitto}
SECS=${BENCH_SECONDS:-3}
IDLE=${BENCH_IDLE:-5000}

[ -x "$MOATD" ] || { echo "bench: no moatd in $BUILD_DIR (build it first)" >&2; exit 1; }
[ -x "$MOSQUITTO" ] || { echo "bench: $MOSQUITTO not found (apt-get install mosquitto)" >&2; exit 1; }
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
if [ "$build_type" != "Release" ] && [ "$build_type" != "RelWithDebInfo" ]; then
    echo "bench: note: $BUILD_DIR is a '${build_type:-default}' build; use -DCMAKE_BUILD_TYPE=Release for real numbers" >&2
fi
if grep -q '^MOAT_SANITIZE:BOOL=ON' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    echo "bench: note: $BUILD_DIR is a sanitizer build: numbers are not representative" >&2
fi

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" -lt $((IDLE + 200)) ]; then
    echo "bench: the fd limit $(ulimit -n) is too low for $IDLE connections; lowering the idle test" >&2
    IDLE=$(( $(ulimit -n) - 200 ))
fi

echo "building the load generator and a test PKI..." >&2
[ -f "$BUILD_DIR/libmoat_codec.a" ] || { echo "bench: no libmoat_codec.a in $BUILD_DIR (build moatd first)" >&2; exit 1; }
cc -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
    -I"$SRC_DIR/include" -o "$T/loadgen" "$SRC_DIR/bench/loadgen.c" "$BUILD_DIR/libmoat_codec.a" \
    -lssl -lcrypto
bash "$SRC_DIR/tests/lib/pki.sh" "$T/pki" >/dev/null
LG=$T/loadgen
PKI=$T/pki

# --- the two brokers, configured alike: plain + mutual-TLS listener, in-flight 100, queue 1000,
# TCP_NODELAY (moatd always sets it), no persistence of clean sessions, logging at errors only ---
MD_TCP=$(free_port); MD_TLS=$(free_port)
t_bg "$MOATD" --profile mqtt --listen "127.0.0.1:$MD_TCP" --tls-listen "127.0.0.1:$MD_TLS" \
    --cert "$PKI/server.crt" --key "$PKI/server.key" --cafile "$PKI/device-ca.crt" \
    --data-dir "$T/moatd-data" --log-level error --max-inflight 100 \
    --max-queued-messages 1000 2>"$T/moatd.log"
MD_PID=$T_LAST_PID

MQ_TCP=$(free_port); MQ_TLS=$(free_port)
# `user`: mosquitto started as root would drop to the mosquitto user, which cannot read the
# private temp dir; same user as moatd keeps the comparison equal
cat > "$T/mosquitto.conf" <<EOF
per_listener_settings false
allow_anonymous true
persistence false
log_dest none
user $(id -un)
max_inflight_messages 100
max_queued_messages 1000
set_tcp_nodelay true
listener $MQ_TCP 127.0.0.1
listener $MQ_TLS 127.0.0.1
certfile $PKI/server.crt
keyfile $PKI/server.key
cafile $PKI/device-ca.crt
require_certificate true
EOF
t_bg "$MOSQUITTO" -c "$T/mosquitto.conf" 2>"$T/mosquitto.log"
MQ_PID=$T_LAST_PID
wait_port "$MD_TCP"; wait_port "$MD_TLS"; wait_port "$MQ_TCP"; wait_port "$MQ_TLS"

# value KEY OUTPUT: the number after KEY= in OUTPUT
value() { sed -n "s/.*$1=\([0-9.-]*\).*/\1/p" <<<"$2" | head -1; }

ROWS=()
# row NAME MOATD MOSQUITTO UNIT
row() {
    local ratio
    ratio=$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
    ROWS+=("$(printf '%-34s %8s   %12s %12s  %s' "$1" "$ratio" "$2" "$3" "$4")")
    printf '  %-34s moatd %s, mosquitto %s %s\n' "$1" "$2" "$3" "$4" >&2
}

pubsub() { # NAME PUBS SUBS QOS
    local a b
    a=$(value msgs_per_sec "$("$LG" pubsub --port "$MD_TCP" --pubs "$2" --subs "$3" --qos "$4" --seconds "$SECS")")
    b=$(value msgs_per_sec "$("$LG" pubsub --port "$MQ_TCP" --pubs "$2" --subs "$3" --qos "$4" --seconds "$SECS")")
    row "$1" "$a" "$b" "msgs/s"
}

idle() { # PORT PID
    value bytes_per_conn "$("$LG" idle --port "$1" --pid "$2" --cert "$PKI/device.crt" \
        --key "$PKI/device.key" --count "$IDLE" --concurrency 50)"
}
# memory first, on fresh brokers: memory freed by the throughput runs would be reused and
# hide the cost of new connections
echo "measuring memory of $IDLE idle TLS connections..." >&2
IDLE_MD=$(idle "$MD_TLS" "$MD_PID")
IDLE_MQ=$(idle "$MQ_TLS" "$MQ_PID")

echo "measuring (${SECS}s per run)..." >&2
for q in 0 1; do
    pubsub "QoS $q 1->1" 1 1 $q
    pubsub "QoS $q 10->10" 10 10 $q
    pubsub "QoS $q 1->100 fan-out" 1 100 $q
done

hs() { # PORT
    value handshakes_per_sec "$("$LG" handshakes --port "$1" --cert "$PKI/device.crt" \
        --key "$PKI/device.key" --seconds "$SECS" --concurrency 16)"
}
row "TLS handshakes (client cert)" "$(hs "$MD_TLS")" "$(hs "$MQ_TLS")" "handshakes/s"

row "RSS per idle TLS conn ($IDLE)" "$IDLE_MD" "$IDLE_MQ" "bytes (lower is better)"

echo
echo "moatd vs mosquitto $("$MOSQUITTO" -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -1) on $(nproc) cores, same load generator"
printf '%-34s %8s   %12s %12s  %s\n' "measurement" "ratio" "moatd" "mosquitto" "unit"
printf '%s\n' "${ROWS[@]}"
echo "(ratio = moatd / mosquitto; higher is better except for memory)"
