#!/usr/bin/env bash
# bench/tls.sh BUILD_DIR - mutual-TLS costs, side by side in one run:
#  1. handshakes/s and bytes on the wire per handshake: PEM key vs emulated ATECC608 key
#     (both against the same `openssl s_server`);
#  2. QoS 1 publish throughput over TLS: `moat pub` vs `mosquitto_pub` through one mosquitto.
# Ratios first. On a real ATECC608 each signature costs ~100 ms more than the emulator's.
set -euo pipefail
B=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
MOAT_SRC_DIR=$SRC MOAT_BUILD_DIR=$B . "$SRC/tests/lib/moat_test.sh"
SECS=${TLS_BENCH_SECONDS:-5}
N=${TLS_BENCH_MESSAGES:-3000}

bash "$SRC/tests/lib/pki.sh" "$T_DIR/pki" >/dev/null
cd "$T_DIR/pki"
# The emulated chip: provision, then a certificate for its slot-0 key.
"$MOAT" se provision --se "emu:$T_DIR/chip.img" >/dev/null
"$MOAT" se pubkey 0 --se "emu:$T_DIR/chip.img" --out chip-pub.pem >/dev/null
openssl x509 -req -in device.csr -CA device-ca.crt -CAkey device-ca.key -CAcreateserial \
    -force_pubkey chip-pub.pem -extfile device.ext -out chip.crt 2>/dev/null

PORT=$(free_port)
t_bg openssl s_server -accept "127.0.0.1:$PORT" -cert server.crt -key server.key \
    -CAfile device-ca.crt -Verify 2 -verify_return_error -quiet >/dev/null 2>&1
wait_port "$PORT"
run_hs() { "$B/bench_tls_handshake" "$PORT" server-ca.crt "$1" "$2" "$SECS"; }
pem=$(run_hs device.crt "file:$T_DIR/pki/device.key")
emu=$(run_hs chip.crt "emu:$T_DIR/chip.img")
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# QoS 1 through mosquitto over TLS with client certificates.
MQ_TLS=$(free_port)
cat > "$T_DIR/mq.conf" <<CONF
listener $MQ_TLS 127.0.0.1
cafile $T_DIR/pki/device-ca.crt
certfile $T_DIR/pki/server.crt
keyfile $T_DIR/pki/server.key
require_certificate true
allow_anonymous true
persistence false
$( [ "$(id -u)" -eq 0 ] && echo "user root" )
CONF
t_bg /usr/sbin/mosquitto -c "$T_DIR/mq.conf" 2>/dev/null
wait_port "$MQ_TLS"
seq 1 "$N" | sed 's/^/payload-/' > "$T_DIR/lines"
now() { date +%s.%N; }
t0=$(now)
"$MOAT" pub -h localhost -p "$MQ_TLS" --cafile server-ca.crt --cert device.crt \
    --key device.key -t bench/tls -q 1 -m x --repeat "$N" >/dev/null
t1=$(now)
mosquitto_pub -h localhost -p "$MQ_TLS" --cafile server-ca.crt --cert device.crt \
    --key device.key -t bench/tls -q 1 -l < "$T_DIR/lines"
t2=$(now)
moat_rate=$(python3 -c "print(round($N/($t1-$t0)))")
mq_rate=$(python3 -c "print(round($N/($t2-$t1)))")

printf '\n%-58s %12s %12s %8s\n' "TLS (mutual, P-256, TLS 1.2)" "emulated SE" "PEM key" "SE/PEM"
printf '%-58s %12s %12s %8s\n' "handshakes/s (${SECS}s each, vs openssl s_server)" \
    "$(field per_second "$emu")" "$(field per_second "$pem")" \
    "$(python3 -c "print(f'{$(field per_second "$emu")/$(field per_second "$pem"):.2f}')")"
printf '%-58s %12s %12s\n' "bytes sent per handshake" "$(field bytes_out "$emu")" "$(field bytes_out "$pem")"
printf '%-58s %12s %12s\n' "bytes received per handshake" "$(field bytes_in "$emu")" "$(field bytes_in "$pem")"
printf '\n%-58s %12s %12s %8s\n' "QoS 1 over TLS, $N msgs through mosquitto" "moat pub" "mosquitto_pub" "ratio"
printf '%-58s %12s %12s %8s\n' "messages/s" "$moat_rate" "$mq_rate" \
    "$(python3 -c "print(f'{$moat_rate/$mq_rate:.2f}')")"
