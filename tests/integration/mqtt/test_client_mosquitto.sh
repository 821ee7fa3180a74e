#!/usr/bin/env bash
# test_client_mosquitto.sh - `moat pub`/`moat sub` (the embedded MQTT client over the POSIX TCP
# transport) against the Debian mosquitto broker and its mosquitto_pub/mosquitto_sub clients.
. "${MOAT_SRC_DIR:-$(dirname "$0")/../../..}/tests/lib/moat_test.sh"

start_mosquitto
LOG="$T_DIR/mosquitto.log"

# wait_log PATTERN [SECONDS]: waits until the broker's log has a line matching PATTERN.
wait_log() {
    local pattern=$1 secs=${2:-10} i
    for ((i = 0; i < secs * 20; i++)); do
        grep -q -- "$pattern" "$LOG" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "broker log never showed [$pattern]" >&2
    return 1
}

# wait_pid PID SECONDS: waits for a background process to end; its exit status goes to
# WAIT_RC (124 if it was still running after SECONDS).
wait_pid() {
    local pid=$1 secs=$2 i
    WAIT_RC=124
    for ((i = 0; i < secs * 20; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            WAIT_RC=0
            wait "$pid" || WAIT_RC=$?
            return 0
        fi
        sleep 0.05
    done
}

for q in 0 1 2; do
    t_case "moat pub QoS $q -> mosquitto_sub"
    t_bg mosquitto_sub -p "$MQ_PORT" -i "msub$q" -t "up/$q" -q "$q" -C 1 > "$T_DIR/up$q.out"
    pid=$T_LAST_PID
    wait_log "Received SUBSCRIBE from msub$q"
    "$MOAT" pub -p "$MQ_PORT" -i "mpub$q" -t "up/$q" -m "hello qos $q" -q "$q"
    wait_pid "$pid" 10
    t_expect_eq "mosquitto_sub output" "hello qos $q" "$(cat "$T_DIR/up$q.out")"

    t_case "mosquitto_pub QoS $q -> moat sub"
    t_bg "$MOAT" sub -p "$MQ_PORT" -i "moatsub$q" -t "down/#" -q "$q" -C 1 -v > "$T_DIR/down$q.out"
    pid=$T_LAST_PID
    wait_log "Received SUBSCRIBE from moatsub$q"
    mosquitto_pub -p "$MQ_PORT" -t "down/$q" -m "from mosquitto $q" -q "$q"
    wait_pid "$pid" 10
    t_expect_eq "moat sub output and status" "down/$q from mosquitto $q rc=0" \
        "$(cat "$T_DIR/down$q.out") rc=$WAIT_RC"
done

t_case "QoS 1 window: 500 messages from moat pub --repeat all arrive"
t_bg mosquitto_sub -p "$MQ_PORT" -i msubmany -t many -q 1 -C 500 > "$T_DIR/many.out"
pid=$T_LAST_PID
wait_log "Received SUBSCRIBE from msubmany"
"$MOAT" pub -p "$MQ_PORT" -t many -m m -q 1 --repeat 500
wait_pid "$pid" 20
t_expect_eq "messages received" 500 "$(wc -l < "$T_DIR/many.out")"

t_case "QoS 2 stream from mosquitto_pub arrives exactly once each in moat sub"
seq 1 200 > "$T_DIR/lines.txt"
t_bg "$MOAT" sub -p "$MQ_PORT" -i moatsubmany -t many2 -q 2 -C 200 > "$T_DIR/many2.out"
pid=$T_LAST_PID
wait_log "Received SUBSCRIBE from moatsubmany"
mosquitto_pub -p "$MQ_PORT" -t many2 -q 2 -l < "$T_DIR/lines.txt"
wait_pid "$pid" 20
t_expect_eq "moat sub received 1..200 in order" "$(cat "$T_DIR/lines.txt")" "$(cat "$T_DIR/many2.out")"

t_case "retained message from moat pub -r reaches a later subscriber"
"$MOAT" pub -p "$MQ_PORT" -t keep/me -m "retained value" -r -q 1
out=$(timeout 10 mosquitto_sub -p "$MQ_PORT" -t keep/me -C 1 -v || true)
t_expect_eq "mosquitto_sub sees the retained message" "keep/me retained value" "$out"

t_case "retained message from mosquitto_pub -r reaches moat sub"
mosquitto_pub -p "$MQ_PORT" -t keep/too -m "kept by broker" -r
out=$(timeout 10 "$MOAT" sub -p "$MQ_PORT" -t keep/too -C 1 || true)
t_expect_eq "moat sub sees the retained message" "kept by broker" "$out"

t_case "last will is published when moat sub dies abruptly (kill -9)"
t_bg mosquitto_sub -p "$MQ_PORT" -i willwatch -t "will/#" -C 1 -v > "$T_DIR/will.out"
watch=$T_LAST_PID
t_bg "$MOAT" sub -p "$MQ_PORT" -i doomed -t whatever --will-topic will/doomed \
    --will-payload "doomed vanished" --will-qos 1
doomed=$T_LAST_PID
wait_log "Received SUBSCRIBE from willwatch"
wait_log "Received SUBSCRIBE from doomed"
kill -9 "$doomed"
wait_pid "$watch" 10
t_expect_eq "will received" "will/doomed doomed vanished" "$(cat "$T_DIR/will.out")"

t_case "a clean DISCONNECT (SIGTERM) does not publish the will"
t_bg mosquitto_sub -p "$MQ_PORT" -i willwatch2 -t "will2/#" -v -W 2 > "$T_DIR/will2.out"
watch=$T_LAST_PID
t_bg "$MOAT" sub -p "$MQ_PORT" -i polite -t whatever --will-topic will2/polite --will-payload no
polite=$T_LAST_PID
wait_log "Received SUBSCRIBE from willwatch2"
wait_log "Received SUBSCRIBE from polite"
kill -TERM "$polite"
wait_pid "$polite" 5
polite_rc=$WAIT_RC
wait_pid "$watch" 5
t_expect_eq "moat sub status, will watcher output" "0 []" "$polite_rc [$(cat "$T_DIR/will2.out")]"
if grep -q "Received DISCONNECT from polite" "$LOG"; then t_pass; else t_fail "no DISCONNECT"; fi

t_case "persistent session: QoS 1 message published while moat sub -c was away is delivered"
t_bg "$MOAT" sub -p "$MQ_PORT" -c -i persist1 -q 1 -t persist/t
pid=$T_LAST_PID
wait_log "Received SUBSCRIBE from persist1"
kill -TERM "$pid"
wait_pid "$pid" 5
mosquitto_pub -p "$MQ_PORT" -t persist/t -q 1 -m "queued while away"
out=$(timeout 10 "$MOAT" sub -p "$MQ_PORT" -c -i persist1 -q 1 -t persist/t -C 1 -W 8 -d \
      2> "$T_DIR/persist.err" || true)
t_expect_eq "redelivered message" "queued while away" "$out"
t_expect_contains "reconnect found the session" "session present yes" "$(cat "$T_DIR/persist.err")"

t_case "moat sub -W ends with status 27 like mosquitto_sub"
rc=0
"$MOAT" sub -p "$MQ_PORT" -t nothing/here -W 1 2> "$T_DIR/w.err" || rc=$?
t_expect_eq "exit status" 27 "$rc"

t_case "keep-alive: moat sub -k 2 sends PINGREQ that mosquitto logs"
t_bg "$MOAT" sub -p "$MQ_PORT" -k 2 -i pinger -t ping/t 2> "$T_DIR/pinger.err"
pinger=$T_LAST_PID
wait_log "Received SUBSCRIBE from pinger"
if wait_log "Received PINGREQ from pinger" 6 && wait_log "Sending PINGRESP to pinger" 2; then
    t_pass
else
    t_fail "no PINGREQ from pinger within 6 s"
fi

t_case "dead broker: with mosquitto stopped (SIGSTOP), moat sub -k 2 gives up in bounded time"
kill -STOP "$MQ_PID"
start=$(date +%s)
wait_pid "$pinger" 12
kill -CONT "$MQ_PID"
took=$(( $(date +%s) - start ))
echo "moat sub exited after ${took}s with status $WAIT_RC"
t_expect_eq "exit status" 1 "$WAIT_RC"
t_expect_contains "dead-broker message" "the broker did not answer PINGREQ in time" \
    "$(cat "$T_DIR/pinger.err")"

t_case "connection refused names the address and asks whether the broker runs"
port=$(free_port)
rc=0
err=$("$MOAT" pub -p "$port" -t x -m y 2>&1) || rc=$?
t_expect_contains "message" "connection refused: nothing listens on 127.0.0.1:$port; is the broker running" "$err"
t_expect_eq "exit status" 1 "$rc"

t_case "a server that closes right after CONNECT gets the AWS explanation, not 'receive failed'"
port=$(free_port)
t_bg python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1)
while True:
    c, _ = s.accept(); c.recv(1024); c.close()' "$port"
wait_port "$port"
rc=0
err=$("$MOAT" pub -p "$port" -i thing-1 -t x -m y 2>&1) || rc=$?
t_expect_contains "message" "the broker closed the connection before CONNACK: on AWS IoT this means the certificate is not registered/active or the policy does not allow iot:Connect for this client ID" "$err"
t_expect_eq "exit status" 1 "$rc"

t_case "TLS towards a plain MQTT port is explained as a port mix-up"
rc=0
err=$("$MOAT" pub -h localhost -p "$MQ_PORT" --cafile /etc/ssl/certs/ca-certificates.crt -t x -m y 2>&1) || rc=$?
t_expect_contains "message" "plain MQTT port" "$err"

t_done
