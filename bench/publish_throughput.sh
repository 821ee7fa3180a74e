#!/usr/bin/env bash
# publish_throughput.sh BUILD_DIR - publish rate of `moat pub --repeat` against mosquitto_pub
# --repeat through one local mosquitto broker, QoS 0/1/2, same payload, same run; ratio first.
# Each measurement is the best of RUNS runs of the whole process (connect, publish N,
# wait for the acks, disconnect). Peak RSS is the largest of those runs (GNU time %M).
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
# $MOAT, free_port, wait_port, t_bg, and $T_DIR removed (every peer stopped) on exit
MOAT_SRC_DIR=$SRC MOAT_BUILD_DIR=$BUILD . "$SRC/tests/lib/moat_test.sh"
N0=${N0:-100000}   # QoS 0 messages
N1=${N1:-20000}    # QoS 1 messages
N2=${N2:-10000}    # QoS 2 messages
RUNS=${RUNS:-3}
PAYLOAD=$(printf 'x%.0s' $(seq 64))  # 64 bytes

[ -x "$MOAT" ] || { echo "bench: $MOAT not found; build first" >&2; exit 1; }
command -v mosquitto_pub >/dev/null || { echo "bench: mosquitto_pub missing (scripts/deps.sh)" >&2; exit 1; }

DIR=$T_DIR
PORT=$(free_port)
# not start_mosquitto: its log_type all would log every message and slow the broker down
printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\nlog_type error\n' "$PORT" > "$DIR/mq.conf"
t_bg /usr/sbin/mosquitto -c "$DIR/mq.conf" 2>/dev/null
wait_port "$PORT"

HAVE_GNU_TIME=0
[ -x /usr/bin/time ] && /usr/bin/time -f %M true 2>/dev/null && HAVE_GNU_TIME=1

# measure N QOS CMD...: sets BEST_MS (fastest wall time) and PEAK_KB (largest max RSS).
measure() {
    local n=$1 q=$2; shift 2
    BEST_MS=0
    PEAK_KB=0
    for ((r = 0; r < RUNS; r++)); do
        local t0 t1 ms kb
        t0=$(date +%s%N)
        if [ $HAVE_GNU_TIME = 1 ]; then
            /usr/bin/time -f %M -o "$DIR/rss" "$@" > /dev/null
            kb=$(tail -1 "$DIR/rss")
        else
            "$@" > /dev/null
            kb=$(python3 -c 'import resource; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)')
        fi
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        [ "$ms" -lt 1 ] && ms=1
        if [ "$BEST_MS" -eq 0 ] || [ "$ms" -lt "$BEST_MS" ]; then BEST_MS=$ms; fi
        if [ "$kb" -gt "$PEAK_KB" ]; then PEAK_KB=$kb; fi
    done
}

printf '\nPublish throughput through mosquitto on 127.0.0.1 (%d-byte payload, best of %d runs)\n\n' \
    "${#PAYLOAD}" "$RUNS"
printf '%-5s %8s | %-12s | %12s %12s | %10s %10s\n' QoS msgs "moat/mosq" "moat msg/s" \
    "mosq msg/s" "moat RSS" "mosq RSS"
printf '%s\n' "------------------------------------------------------------------------------------"
for q in 0 1 2; do
    n=$N0; [ $q = 1 ] && n=$N1; [ $q = 2 ] && n=$N2
    measure "$n" "$q" "$MOAT" pub -p "$PORT" -t bench/moat -m "$PAYLOAD" -q "$q" --repeat "$n"
    moat_ms=$BEST_MS moat_kb=$PEAK_KB
    measure "$n" "$q" mosquitto_pub -p "$PORT" -t bench/mosq -m "$PAYLOAD" -q "$q" --repeat "$n"
    mosq_ms=$BEST_MS mosq_kb=$PEAK_KB
    moat_rate=$(( n * 1000 / moat_ms ))
    mosq_rate=$(( n * 1000 / mosq_ms ))
    ratio=$(python3 -c "print(f'{$moat_rate / $mosq_rate:.2f}x')")
    printf '%-5s %8d | %-12s | %12d %12d | %7d KB %7d KB\n' "$q" "$n" "$ratio" "$moat_rate" \
        "$mosq_rate" "$moat_kb" "$mosq_kb"
done
printf '\nmoat pub keeps up to 64 QoS 1/2 messages in flight; mosquitto_pub --repeat its default.\n'
printf 'No subscriber is attached: the broker receives, acknowledges and drops the messages.\n'
