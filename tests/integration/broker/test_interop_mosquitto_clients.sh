#!/usr/bin/env bash
# test_interop_mosquitto_clients.sh - moatd (mqtt profile) against the Debian mosquitto_pub /
# mosquitto_sub clients over TCP and over TLS with client certificates: QoS 0/1/2, retained,
# will, persistent sessions (client reconnect, broker restart), takeover, keep-alive, overlap,
# '$' topics. A raw-socket Python client covers what the mosquitto clients cannot do.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

RAW="python3 $MOAT_SRC_DIR/tests/integration/broker/mqtt_raw.py"
DATA="$T_DIR/data"
PORT=$(free_port)
TLS_PORT=$(free_port)
H=(-h 127.0.0.1 -p "$PORT")

make_certs() {
    local d="$T_DIR/pki"
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=moatd test CA" -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
    for who in server client; do
        openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who" \
            -keyout "$d/$who.key" -out "$d/$who.csr" 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$d/ext"
        openssl x509 -req -in "$d/$who.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
            -CAcreateserial -days 2 -extfile "$d/ext" -out "$d/$who.crt" 2>/dev/null
    done
}

start_moatd() {
    t_bg "$MOATD" --profile mqtt --listen "127.0.0.1:$PORT" --tls-listen "127.0.0.1:$TLS_PORT" \
        --cert "$T_DIR/pki/server.crt" --key "$T_DIR/pki/server.key" \
        --cafile "$T_DIR/pki/ca.crt" --data-dir "$DATA" --log-file "$T_DIR/moatd.log"
    MOATD_PID=$T_LAST_PID
    wait_port "$PORT"
}

stop_moatd() { # stop_moatd SIGNAL: after TERM moatd must exit 0 (sanitizer reports fail it)
    local rc=0
    kill "-$1" "$MOATD_PID"
    wait "$MOATD_PID" 2>/dev/null || rc=$?
    if [ "$1" == TERM ] && [ "$rc" -ne 0 ]; then
        T_CASE="moatd exit after SIGTERM"
        t_fail "moatd exited with status $rc"
    fi
}

sub_bg() { # sub_bg OUTFILE ARGS...: a subscriber in the background, ready when it returns
    local out=$1
    shift
    t_bg timeout 10 mosquitto_sub "${H[@]}" "$@" > "$out"
    SUB_PID=$T_LAST_PID
    sleep 0.3
}

pub() { timeout 5 mosquitto_pub "${H[@]}" "$@"; }
# offline_session ID TOPIC: a persistent session subscribed to TOPIC at QoS 1, then offline
offline_session() { timeout 5 mosquitto_sub "${H[@]}" -i "$1" -c -q 1 -t "$2" -E; }
# first_queued ID TOPIC: resumes that session and prints the first message it gets
first_queued() { timeout 5 mosquitto_sub "${H[@]}" -i "$1" -c -q 1 -t "$2" -C 1 -W 4; }

make_certs
start_moatd

t_case qos0_qos1_qos2_delivered_to_subscriber
sub_bg "$T_DIR/q.out" -t q/t -q 2 -C 3 -F '%q %p'
pub -t q/t -m zero -q 0
pub -t q/t -m one -q 1
pub -t q/t -m two -q 2
wait "$SUB_PID" || true
t_expect_eq "deliveries" "0 zero|1 one|2 two" "$(paste -sd'|' "$T_DIR/q.out")"

t_case retained_replaced_and_sent_with_retain_flag
pub -t r/t -m first -r -q 1
pub -t r/t -m second -r -q 1
t_expect_eq "retained" "1 second" "$(timeout 5 mosquitto_sub "${H[@]}" -t r/t -C 1 -F '%r %p')"

t_case retained_cleared_by_empty_payload
pub -t r/t -n -r -q 1
pub -t r/marker -m m -r
t_expect_eq "after clear" "r/marker" "$(timeout 5 mosquitto_sub "${H[@]}" -t 'r/#' -C 1 -F '%t')"

t_case live_delivery_of_retained_publish_has_retain_0
sub_bg "$T_DIR/rl.out" -t r/live -C 1 -F '%r %p'
pub -t r/live -m now -r
wait "$SUB_PID" || true
t_expect_eq "live" "0 now" "$(cat "$T_DIR/rl.out")"

t_case will_published_when_client_killed
sub_bg "$T_DIR/w.out" -t will/a -C 1
t_bg timeout 10 mosquitto_sub "${H[@]}" -t none -i willer --will-topic will/a --will-payload gone
WILLER=$T_LAST_PID
sleep 0.4
kill -9 "$(pgrep -P "$WILLER" mosquitto_sub || echo "$WILLER")" 2>/dev/null || true
wait "$SUB_PID" || true
t_expect_eq "will" "gone" "$(cat "$T_DIR/w.out")"

t_case will_not_published_after_disconnect
sub_bg "$T_DIR/wn.out" -t will/b -C 1
pub -t x -m y -i polite --will-topic will/b --will-payload should-not-appear
pub -t will/b -m marker
wait "$SUB_PID" || true
t_expect_eq "first message" "marker" "$(cat "$T_DIR/wn.out")"

t_case persistent_session_survives_client_reconnect
offline_session keeper ps/t
pub -t ps/t -m while-away -q 1
t_expect_eq "queued" "while-away" "$(first_queued keeper ps/t)"

t_case persistent_session_survives_sigterm_restart
offline_session restarter rs/t
pub -t rs/t -m across-term -q 1
stop_moatd TERM
start_moatd
t_expect_eq "after TERM" "across-term" "$(first_queued restarter rs/t)"

t_case acked_qos1_message_survives_kill_9
offline_session killer k9/t
pub -t k9/t -m across-kill -q 1
stop_moatd KILL
start_moatd
t_expect_eq "after kill -9" "across-kill" "$(first_queued killer k9/t)"

t_case unacked_inflight_message_resent_with_dup_after_kill_9
offline_session inflight if/t
pub -t if/t -m in-flight -q 1
first=$($RAW "$PORT" receive-noack inflight if/t)
stop_moatd KILL
start_moatd
second=$($RAW "$PORT" receive-noack inflight if/t)
t_expect_eq "before/after" "dup=0 payload=in-flight|dup=1 payload=in-flight" "$first|$second"

t_case retained_survives_restart
pub -t rr/t -m kept -r -q 1
stop_moatd KILL
start_moatd
t_expect_eq "retained after kill -9" "kept" \
    "$(timeout 5 mosquitto_sub "${H[@]}" -t rr/t -C 1 -W 4)"

t_case client_id_takeover_drops_older_connection
sub_bg "$T_DIR/tw.out" -t will/take -C 1
$RAW "$PORT" hold twin will/take old-dropped > "$T_DIR/take.out" &
HOLD=$!
T_PIDS+=("$HOLD")
sleep 0.4
timeout 5 mosquitto_sub "${H[@]}" -i twin -t none -E
wait "$HOLD" || true
wait "$SUB_PID" || true
t_expect_eq "old connection" "connected|closed|old-dropped" \
    "$(cat "$T_DIR/take.out" "$T_DIR/tw.out" | paste -sd'|')"

t_case keepalive_expiry_closes_after_1_5x_and_publishes_will
sub_bg "$T_DIR/ka.out" -t will/ka -C 1
KA=$($RAW "$PORT" keepalive-silence silent 1 will/ka expired)
wait "$SUB_PID" || true
secs=${KA#closed after }
secs=${secs% s}
if awk "BEGIN{exit !($secs >= 1.4 && $secs < 2.6)}" && [ "$(cat "$T_DIR/ka.out")" == expired ]; then
    t_pass
else
    t_fail "keep-alive: [$KA], will [$(cat "$T_DIR/ka.out")]"
fi

t_case overlapping_subscriptions_delivered_once_at_max_qos
t_expect_eq "deliveries" "qos=1 topic=ov/x|qos=0 topic=ov/end" \
    "$($RAW "$PORT" overlap ov | paste -sd'|')"

t_case dollar_topics_not_matched_by_leading_wildcards
sub_bg "$T_DIR/d1.out" -t '#' -R -C 1 -F '%t'
sub_bg "$T_DIR/d2.out" -t '+/x' -C 1 -F '%t'
sub_bg "$T_DIR/d3.out" -t '$SYS/x' -C 1 -F '%t'
pub -t '$SYS/x' -m hidden
pub -t 'ok/x' -m visible
sleep 0.3
pub -t '$SYS/x' -m hidden
wait "$SUB_PID" || true
sleep 0.2
t_expect_eq "'#' '+/x' '\$SYS/x'" 'ok/x|ok/x|$SYS/x' \
    "$(cat "$T_DIR/d1.out" "$T_DIR/d2.out" "$T_DIR/d3.out" | paste -sd'|')"

TLS=(-h 127.0.0.1 -p "$TLS_PORT" --cafile "$T_DIR/pki/ca.crt")
CLIENT_CERT=(--cert "$T_DIR/pki/client.crt" --key "$T_DIR/pki/client.key")

t_case tls_with_client_certificate_delivers_qos1
t_bg timeout 10 mosquitto_sub "${TLS[@]}" "${CLIENT_CERT[@]}" -t tls/t -q 1 -C 1 > "$T_DIR/tls.out"
SUB_PID=$T_LAST_PID
sleep 0.5
timeout 5 mosquitto_pub "${TLS[@]}" "${CLIENT_CERT[@]}" -t tls/t -m secure -q 1
wait "$SUB_PID" || true
t_expect_eq "tls delivery" "secure" "$(cat "$T_DIR/tls.out")"

t_case tls_without_client_certificate_refused
if timeout 5 mosquitto_pub "${TLS[@]}" -t tls/t -m nocert -q 1 2>/dev/null; then
    t_fail "a client without a certificate was accepted"
else
    t_expect_contains "log" "tls" "$(grep -i 'tls' "$T_DIR/moatd.log" | grep -i warn)"
fi

t_case tls_alpn_x_amzn_mqtt_ca_accepted_and_sni_recorded
S_CLIENT=(openssl s_client -connect "127.0.0.1:$TLS_PORT" -CAfile "$T_DIR/pki/ca.crt"
          -cert "$T_DIR/pki/client.crt" -key "$T_DIR/pki/client.key")
# CONNECT, client id "alpn-dev", clean session, keep-alive 60
CONNECT='\x10\x14\x00\x04MQTT\x04\x02\x00\x3c\x00\x08alpn-dev'
out=$( (printf "$CONNECT"; sleep 0.5) | timeout 5 "${S_CLIENT[@]}" -alpn x-amzn-mqtt-ca \
       -servername iot.example.test 2>&1 || true)
sleep 0.2
if [[ "$out" == *"ALPN protocol: x-amzn-mqtt-ca"* ]] &&
   grep -q 'client=alpn-dev .*sni=iot.example.test' "$T_DIR/moatd.log"; then
    t_pass
else
    t_fail "ALPN/SNI: $(grep -a 'ALPN' <<< "$out") / $(grep 'alpn-dev' "$T_DIR/moatd.log")"
fi

t_case tls12_session_resumed_from_cache
timeout 5 "${S_CLIENT[@]}" -tls1_2 -sess_out "$T_DIR/sess" < /dev/null > /dev/null 2>&1 || true
out=$(timeout 5 "${S_CLIENT[@]}" -tls1_2 -sess_in "$T_DIR/sess" < /dev/null 2>&1 || true)
t_expect_contains "second handshake" "Reused, TLSv1.2" "$out"

# moat pub/sub (src/cli) against moatd, when this build has them.
if [ -x "$MOAT" ] && "$MOAT" pub --help >/dev/null 2>&1 && "$MOAT" sub --help >/dev/null 2>&1; then
    t_case moat_pub_to_mosquitto_sub_qos1
    sub_bg "$T_DIR/moat.out" -t mp/t -q 1 -C 1
    timeout 5 "$MOAT" pub -h 127.0.0.1 -p "$PORT" -t mp/t -m from-moat -q 1 >/dev/null
    wait "$SUB_PID" || true
    t_expect_eq "moat pub" "from-moat" "$(cat "$T_DIR/moat.out")"

    t_case mosquitto_pub_to_moat_sub_qos2
    t_bg timeout 10 "$MOAT" sub -h 127.0.0.1 -p "$PORT" -t ms/t -q 2 -C 1 -W 8 > "$T_DIR/ms.out"
    SUB_PID=$T_LAST_PID
    sleep 0.4
    pub -t ms/t -m to-moat -q 2
    wait "$SUB_PID" || true
    t_expect_eq "moat sub" "to-moat" "$(cat "$T_DIR/ms.out")"

    t_case moat_sub_gets_retained_and_persistent_queue
    pub -t mr/t -m kept -r -q 1
    timeout 5 "$MOAT" sub -h 127.0.0.1 -p "$PORT" -i moat-keeper -c -t mr/t -q 1 -C 1 -W 4 \
        > "$T_DIR/mr1.out" || true
    pub -t mr/t -m later -q 1
    timeout 5 "$MOAT" sub -h 127.0.0.1 -p "$PORT" -i moat-keeper -c -t mr/t -q 1 -C 1 -W 4 \
        > "$T_DIR/mr2.out" || true
    t_expect_eq "retained then queued" "kept|later" \
        "$(cat "$T_DIR/mr1.out" "$T_DIR/mr2.out" | paste -sd'|')"
else
    echo "note: this build has no 'moat pub/sub'; their interop cases were not run"
fi

stop_moatd TERM
t_done
