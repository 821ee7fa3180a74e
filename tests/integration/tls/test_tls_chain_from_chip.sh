#!/usr/bin/env bash
# The whole device story on one machine: an emulated ATECC608 is provisioned, a CA issues its
# certificate, the certificates go into the chip compressed, and `moat pub` connects over
# mutual TLS with no certificate file at all: key and chain both come from the chip.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

CHIP="emu:$T_DIR/chip.img"
bash "$MOAT_SRC_DIR/tests/lib/pki.sh" "$T_DIR/pki" >/dev/null  # the broker's certificate
"$MOAT" se provision --se "$CHIP" >/dev/null
"$MOAT" ca init --out "$T_DIR/ca" >/dev/null
"$MOAT" cert issue --ca "$T_DIR/ca" --se "$CHIP" --out "$T_DIR/device.crt" >/dev/null
"$MOAT" cert store --se "$CHIP" --device "$T_DIR/device.crt" --signer "$T_DIR/ca/signer.crt" >/dev/null

PORT=$(free_port)
cat > "$T_DIR/mq.conf" <<CONF
listener $PORT 127.0.0.1
cafile $T_DIR/ca/root.crt
certfile $T_DIR/pki/server.crt
keyfile $T_DIR/pki/server.key
require_certificate true
use_identity_as_username true
allow_anonymous true
persistence false
$( [ "$(id -u)" -eq 0 ] && echo "user root" )
log_dest file $T_DIR/mq.log
log_type all
CONF
t_bg /usr/sbin/mosquitto -c "$T_DIR/mq.conf"
wait_port "$PORT"

t_case "moat pub with only --se sends the chain rebuilt from the chip and is accepted"
"$MOAT" sub -h localhost -p "$PORT" --cafile "$T_DIR/pki/server-ca.crt" --se "$CHIP" \
    -i chip-sub -t chip/t -C 1 -W 10 > "$T_DIR/got-moat" &
sub=$!
sleep 1
"$MOAT" pub -h localhost -p "$PORT" --cafile "$T_DIR/pki/server-ca.crt" --se "$CHIP" \
    -i chip-pub -t chip/t -m "from the chip"
wait "$sub" || true
t_expect_eq "received" "from the chip" "$(cat "$T_DIR/got-moat")"

t_case "a connect with the chain from the chip reads the device public key once"
out=$("$MOAT" pub -h localhost -p "$PORT" --cafile "$T_DIR/pki/server-ca.crt" --se "$CHIP" \
    -i chip-pub-2 -t chip/t -m again -d 2>&1)
t_expect_contains "debug output" "chip commands so far: 1 GenKey, 1 Nonce, 1 Sign" "$out"

t_case "the broker saw the device certificate's subject (CN = sn + chip serial)"
cn=$(openssl x509 -in "$T_DIR/device.crt" -noout -subject -nameopt multiline | sed -n 's/ *commonName *= //p')
t_expect_contains "mosquitto log" "$cn" "$(cat "$T_DIR/mq.log")"

t_case "a chip without stored certificates is explained and --cert is suggested"
"$MOAT" se provision --se "emu:$T_DIR/blank.img" >/dev/null
out=$("$MOAT" pub -h localhost -p "$PORT" --cafile "$T_DIR/pki/server-ca.crt" \
    --se "emu:$T_DIR/blank.img" -t x -m y 2>&1 || true)
t_expect_contains "message" "moat cert store" "$out"

t_done
