#!/usr/bin/env bash
# demo.sh BUILD_DIR - the Moat story on one machine, end to end:
#   an (emulated) ATECC608 gets a key it never reveals, a manufacturer CA certifies it, the
#   certificates go into the chip in Microchip's compressed form, and the device connects over
#   mutual TLS to moatd (behaving as AWS IoT Core) with nothing but the chip. Then the failures
#   of a real user's forum thread, each explained by Moat in words.
# Everything listens on 127.0.0.1 only and is stopped at the end.
set -euo pipefail

BUILD=$(cd "${1:-build}" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
# $MOAT $MOATD, free_port, wait_port, t_bg, and $T_DIR removed (every peer stopped) on exit
MOAT_SRC_DIR=$SRC MOAT_BUILD_DIR=$BUILD . "$SRC/tests/lib/moat_test.sh"
for b in "$MOAT" "$MOATD"; do
    [ -x "$b" ] || { echo "demo: $b not found; build first (make build)" >&2; exit 1; }
done

DIR=$T_DIR
cd "$DIR"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@"; }
show_fail() { printf '\033[2m$ %s\033[0m\n' "$*"; "$@" || true; }
CHIP="emu:$DIR/chip.img"

say "1. The chip: an ATECC608 (emulated, byte-exact) gets a P-256 key in slot 0"
echo "The private key is generated inside the chip; only the public key ever comes out."
show "$MOAT" se provision --se "$CHIP"
show "$MOAT" se info --se "$CHIP"

say "2. The manufacturer's CA: a root and a signer (intermediate), ECDSA P-256"
show "$MOAT" ca init --out ca --org "Demo Devices"

say "3. A device certificate for the key inside the chip (CN = sn + the chip's serial)"
show "$MOAT" cert issue --ca ca --se "$CHIP" --out device.crt
show openssl verify -CAfile ca/root.crt -untrusted ca/signer.crt device.crt

say "4. Into the chip, compressed to 72 bytes each (Microchip's format), and back"
show "$MOAT" cert store --se "$CHIP" --device device.crt --signer ca/signer.crt
show "$MOAT" cert read --se "$CHIP" --out from-chip
show cmp device.crt from-chip/device.crt
echo "identical: the chip's compressed copy rebuilds the exact certificate"

say "5. The forum thread's 'openssl verify' errors, explained"
show_fail openssl verify -CAfile ca/root.crt device.crt
show_fail "$MOAT" doctor chain device.crt --root ca/root.crt
show_fail openssl verify -CAfile ca/signer.crt device.crt
show_fail "$MOAT" doctor chain device.crt --root ca/signer.crt
show "$MOAT" doctor chain device.crt --signer ca/signer.crt --root ca/root.crt --se "$CHIP"

say "6. The cloud: moatd with the AWS IoT profile and a mutual-TLS listener"
# The broker's own identity comes from a separate CA, as AWS's comes from Amazon's roots.
openssl ecparam -name prime256v1 -genkey -noout -out broker-root.key
openssl req -x509 -new -key broker-root.key -subj "/O=Demo Cloud/CN=Demo Cloud Root CA" \
    -days 365 -out broker-root.crt -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out broker.key
openssl req -new -key broker.key -subj "/CN=localhost" -out broker.csr 2>/dev/null
printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n' > broker.ext
openssl x509 -req -in broker.csr -CA broker-root.crt -CAkey broker-root.key -CAcreateserial \
    -days 365 -extfile broker.ext -out broker.crt 2>/dev/null
PORT=$(free_port)
echo "$ moatd --profile aws --tls-listen 127.0.0.1:$PORT --cert broker.crt --key broker.key --cafile ca/root.crt"
t_bg "$MOATD" --profile aws --tls-listen "127.0.0.1:$PORT" --cert broker.crt --key broker.key \
    --cafile ca/root.crt --data-dir "$DIR/moatd" --log-file "$DIR/moatd.log"
wait_port "$PORT"
echo "moatd listens on 127.0.0.1:$PORT (TLS, client certificates required)"

say "7. The device connects with nothing but the chip: key in slot 0, chain from slots 8-13"
# The backend application subscribes with its own certificate from the same CA.
openssl ecparam -name prime256v1 -genkey -noout -out app.key
"$MOAT" cert issue --ca ca --pubkey app.key --cn backend-app --out app.crt >/dev/null
cat app.crt ca/signer.crt > app-chain.crt   # the broker trusts the root: send the signer too
t_bg "$MOAT" sub -h localhost -p "$PORT" --cafile broker-root.crt --cert app-chain.crt \
    --key app.key -i backend-app -t 'devices/+/telemetry' -q 1 -v -C 1 -W 15 > received.txt
SUB=$T_LAST_PID
sleep 1
show "$MOAT" pub -h localhost -p "$PORT" --cafile broker-root.crt --se "$CHIP" -d \
    -i demo-device -t devices/demo-device/telemetry -q 1 -m '{"temperature": 21.5}'
wait "$SUB" || true
echo "the backend received: $(cat received.txt)"

say "8. The -0x2700 of the forum: the device trusts its own CA instead of the broker's"
show_fail "$MOAT" pub -h localhost -p "$PORT" --cafile ca/root.crt --se "$CHIP" -t x -m y

say "9. moat doctor endpoint: every step a device takes, checked"
show "$MOAT" doctor endpoint "localhost:$PORT" --cafile broker-root.crt --se "$CHIP" -i demo-device

say "Done"
echo "Everything above ran on 127.0.0.1 with real peers (openssl, moatd) and an emulated chip."
echo "Read docs/troubleshooting.md for every failure a device meets and what Moat says."
