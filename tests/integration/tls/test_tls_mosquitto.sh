#!/usr/bin/env bash
# Mutual TLS through the Debian mosquitto (require_certificate true, CA made by the test PKI)
# with every key backend, and the failures of the forum thread reproduced with their messages.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

bash "$MOAT_SRC_DIR/tests/lib/pki.sh" "$T_DIR/pki" >/dev/null
P=$T_DIR/pki
export SOFTHSM2_CONF=$T_DIR/softhsm2.conf
mkdir -p "$T_DIR/tokens"
echo "directories.tokendir = $T_DIR/tokens" > "$SOFTHSM2_CONF"
MODULE=/usr/lib/softhsm/libsofthsm2.so
softhsm2-util --init-token --free --label moat --pin 1234 --so-pin 5678 >/dev/null
pkcs11-tool --module $MODULE --token-label moat --login --pin 1234 --keypairgen \
    --key-type EC:prime256v1 --label devkey >/dev/null 2>&1
pkcs11-tool --module $MODULE --token-label moat --read-object --type pubkey --label devkey \
    -o "$T_DIR/hsm.der" >/dev/null 2>&1
openssl pkey -pubin -inform DER -in "$T_DIR/hsm.der" -out "$T_DIR/hsm.pem"
openssl x509 -req -in "$P/device.csr" -CA "$P/device-ca.crt" -CAkey "$P/device-ca.key" \
    -CAcreateserial -force_pubkey "$T_DIR/hsm.pem" -extfile "$P/device.ext" \
    -out "$T_DIR/hsm.crt" 2>/dev/null
"$MOAT" se provision --se "emu:$T_DIR/chip.img" >/dev/null
"$MOAT" se pubkey 0 --se "emu:$T_DIR/chip.img" --out "$T_DIR/chip.pem" >/dev/null
openssl x509 -req -in "$P/device.csr" -CA "$P/device-ca.crt" -CAkey "$P/device-ca.key" \
    -CAcreateserial -force_pubkey "$T_DIR/chip.pem" -extfile "$P/device.ext" \
    -out "$T_DIR/chip.crt" 2>/dev/null

TLS_PORT=$(free_port)
cat > "$T_DIR/mq-tls.conf" <<CONF
listener $TLS_PORT 127.0.0.1
cafile $P/device-ca.crt
certfile $P/server.crt
keyfile $P/server.key
require_certificate true
allow_anonymous true
persistence false
$( [ "$(id -u)" -eq 0 ] && echo "user root" )
log_dest file $T_DIR/mq-tls.log
log_type all
CONF
t_bg /usr/sbin/mosquitto -c "$T_DIR/mq-tls.conf"
wait_port "$TLS_PORT"
TLS=(-h localhost -p "$TLS_PORT" --cafile "$P/server-ca.crt")

# pub_sub_roundtrip NAME CERT KEYOPTS...: a TLS `moat sub` receives a TLS `moat pub`.
roundtrip() {
    local name=$1 cert=$2; shift 2
    t_case "publish and receive over mutual TLS with the $name key"
    "$MOAT" sub "${TLS[@]}" --cert "$cert" "$@" -i "sub-$name" -t "tls/$name" -q 1 -C 1 -W 10 \
        > "$T_DIR/out-$name" 2> "$T_DIR/err-$name" &
    local sub=$!
    sleep 1
    "$MOAT" pub "${TLS[@]}" --cert "$cert" "$@" -i "pub-$name" -t "tls/$name" -q 1 \
        -m "hello over $name" 2>> "$T_DIR/err-$name" || true
    wait "$sub" || true
    t_expect_eq "received" "hello over $name" "$(cat "$T_DIR/out-$name")"
    [ -s "$T_DIR/err-$name" ] && cat "$T_DIR/err-$name" >&2 || true
}
roundtrip file "$P/device.crt" --key "$P/device.key"
roundtrip pkcs11 "$T_DIR/hsm.crt" --se "pkcs11:$MODULE?token=moat&object=devkey&pin=1234"
roundtrip atecc "$T_DIR/chip.crt" --se "emu:$T_DIR/chip.img"

t_case "mosquitto_sub with a client certificate receives what moat pub sends over TLS"
mosquitto_sub "${TLS[@]}" --cert "$P/device.crt" --key "$P/device.key" -t tls/x -C 1 -W 10 \
    > "$T_DIR/out-x" &
sub=$!
sleep 1
"$MOAT" pub "${TLS[@]}" --cert "$T_DIR/chip.crt" --se "emu:$T_DIR/chip.img" -t tls/x -m from-chip
wait "$sub" || true
t_expect_eq "mosquitto_sub got" "from-chip" "$(cat "$T_DIR/out-x")"

t_case "trusting the device CA instead of the broker's root is explained (-0x2700)"
out=$("$MOAT" pub -h localhost -p "$TLS_PORT" --cafile "$P/device-ca.crt" --cert "$P/device.crt" \
    --key "$P/device.key" -t x -m y 2>&1 || true)
t_expect_contains "message" "not trusted [mbedTLS -0x2700" "$out"
t_case "the -0x2700 message names the root the broker needs"
t_expect_contains "message" "Moat Test Broker Root" "$out"

t_case "a certificate from a CA the broker does not know is rejected with unknown_ca"
out=$("$MOAT" pub "${TLS[@]}" --cert "$P/rogue.crt" --key "$P/rogue.key" -t x -m y 2>&1 || true)
t_expect_contains "message" "rejected our certificate with alert unknown_ca" "$out"

t_case "a certificate for another key is caught before connecting"
out=$("$MOAT" pub "${TLS[@]}" --cert "$P/other.crt" --key "$P/device.key" -t x -m y 2>&1 || true)
t_expect_contains "message" "issued for another key" "$out"

t_case "an expired client certificate is rejected with certificate_expired"
out=$("$MOAT" pub "${TLS[@]}" --cert "$P/expired.crt" --key "$P/expired.key" -t x -m y 2>&1 || true)
t_expect_contains "message" "certificate_expired" "$out"

t_case "moat doctor endpoint walks TCP, TLS and CONNECT against the TLS broker"
out=$("$MOAT" doctor endpoint "localhost:$TLS_PORT" --cafile "$P/server-ca.crt" \
    --cert "$T_DIR/chip.crt" --se "emu:$T_DIR/chip.img" 2>&1 || true)
t_expect_contains "doctor" "MQTT: CONNACK accepted" "$out"

t_case "moat doctor endpoint points at the wrong root"
out=$("$MOAT" doctor endpoint "localhost:$TLS_PORT" --cafile "$P/device-ca.crt" \
    --cert "$P/device.crt" --key "$P/device.key" 2>&1 || true)
t_expect_contains "doctor" "YOUR device certificate" "$out"

t_done
