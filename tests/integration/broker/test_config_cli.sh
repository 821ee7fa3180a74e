#!/usr/bin/env bash
# test_config_cli.sh - the moatd program's operations surface: config errors name file, line
# and key; --check-config on real PEM files; JSON log lines; SIGHUP reopens the log file; a
# second moatd on the same data dir is refused; the shipped example config checks clean.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

bash "$MOAT_SRC_DIR/tests/lib/pki.sh" "$T_DIR/pki" >/dev/null
PKI=$T_DIR/pki

# run_moatd ARGS...: runs moatd to completion; sets RC and OUT (stdout + stderr)
run_moatd() {
    set +e
    OUT=$("$MOATD" "$@" 2>&1)
    RC=$?
    set -e
}

t_case "a bad value exits 2 naming the file, line, key and value"
printf 'profile mqtt\n# limits\nmax_packet big\n' > "$T_DIR/bad.conf"
run_moatd --config "$T_DIR/bad.conf"
t_expect_eq "exit status / message" \
    "2 moatd: bad.conf:3: 'max_packet' wants a size like 128k, got 'big'" "$RC $OUT"

t_case "an unknown key suggests the closest one"
printf 'listen 127.0.0.1:1883\nmax_inflihgt 10\n' > "$T_DIR/typo.conf"
run_moatd -c "$T_DIR/typo.conf"
t_expect_contains "message" "typo.conf:2: unknown key 'max_inflihgt' (did you mean 'max_inflight'?)" "$OUT"

t_case "an unknown flag is a usage error pointing at --help"
run_moatd --lisen 127.0.0.1:1883
t_expect_eq "exit status" 2 "$RC"
t_expect_contains "message" "unknown option '--lisen' (did you mean --listen?)" "$OUT"

t_case "--help lists the flags and every config key"
run_moatd --help
t_expect_eq "exit status" 0 "$RC"
t_expect_contains "help" "--tls-listen ADDR:PORT" "$OUT"
t_expect_contains "help" "sqlite_synchronous" "$OUT"

t_case "--check-config accepts matching files and prints a summary"
run_moatd --tls-listen 127.0.0.1:8883 --cert "$PKI/server.crt" --key "$PKI/server.key" \
    --cafile "$PKI/device-ca.crt" --data-dir "$T_DIR/data" --check-config
t_expect_eq "exit status" 0 "$RC"
t_expect_contains "summary" "127.0.0.1:8883 (TLS, client certificate required)" "$OUT"
t_expect_contains "summary" "(matches the certificate)" "$OUT"

t_case "--check-config exits 1 when the key belongs to another certificate"
run_moatd --tls-listen 127.0.0.1:8883 --cert "$PKI/server.crt" --key "$PKI/other.key" \
    --data-dir "$T_DIR/data" --check-config
t_expect_eq "exit status" 1 "$RC"
t_expect_contains "message" "other.key' does not match certificate" "$OUT"

t_case "the shipped example config checks clean with local files"
run_moatd -c "$MOAT_SRC_DIR/docs/moatd.conf.example" --cert "$PKI/server.crt" \
    --key "$PKI/server.key" --cafile "$PKI/device-ca.crt" --data-dir "$T_DIR/example" \
    --check-config
t_expect_eq "exit status ($OUT)" 0 "$RC"

# --- a running broker: JSON logs, SIGHUP, data dir lock ---
PORT=$(free_port)
LOG=$T_DIR/moatd.log
t_bg "$MOATD" --profile mqtt --listen "127.0.0.1:$PORT" --data-dir "$T_DIR/run" \
    --log-format json --log-file "$LOG"
MD_PID=$T_LAST_PID
wait_port "$PORT"
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i json-check -t a/b -m hi

t_case "JSON log lines are one valid object each, with ts, level and event"
sleep 0.2
bad=$(python3 -c '
import json, sys
events = []
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert {"ts", "level", "event"} <= o.keys(), line
    events.append(o["event"] + ":" + o.get("client", ""))
print(" ".join(events))' "$LOG" 2>&1) || true
t_expect_contains "events" "connect:json-check" "$bad"

t_case "SIGHUP reopens the log file (logrotate)"
mv "$LOG" "$LOG.1"
kill -HUP "$MD_PID"
sleep 0.2
mosquitto_pub -h 127.0.0.1 -p "$PORT" -i after-rotate -t a/b -m hi
sleep 0.2
t_expect_contains "new log" "after-rotate" "$(cat "$LOG" 2>/dev/null || true)"

t_case "a second moatd on the same data dir is refused with the reason"
run_moatd --profile mqtt --listen "127.0.0.1:$(free_port)" --data-dir "$T_DIR/run"
t_expect_eq "exit status" 1 "$RC"
t_expect_contains "message" "another moatd is using this --data-dir" "$OUT"

t_case "SIGTERM stops the broker with status 0"
kill -TERM "$MD_PID"
set +e
wait "$MD_PID"
rc=$?
set -e
t_expect_eq "exit status" 0 "$rc"

t_done
