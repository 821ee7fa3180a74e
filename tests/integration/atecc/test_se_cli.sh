#!/usr/bin/env bash
# test_se_cli.sh - `moat se` end to end: moat -> driver -> socket -> moat-se emulator, with
# the results checked by the openssl CLI (signature, ECDH) and the refusals by their message.
. "${MOAT_SRC_DIR:-$(cd "$(dirname "$0")/../../.." && pwd)}/tests/lib/moat_test.sh"

SOCK="$T_DIR/se.sock"
IMG="$T_DIR/se.img"
SE="emu+unix:$SOCK"

start_se() { # start_se [IMAGE [MOAT-SE OPTIONS...]]: serves $SOCK (default image $IMG)
    local img=${1:-$IMG}
    [ $# -gt 0 ] && shift
    rm -f "$SOCK"
    t_bg "$MOAT_SE" --socket "$SOCK" --image "$img" "$@"
    SE_PID=$T_LAST_PID
    for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
    echo "moat-se did not create $SOCK" >&2
    return 1
}
stop_se() { kill "$SE_PID" 2>/dev/null || true; wait "$SE_PID" 2>/dev/null || true; }

# run CMD...: output (stdout+stderr) in $OUT, exit status in $RC; never aborts the script.
run() { set +e; OUT=$("$@" 2>&1); RC=$?; set -e; }

start_se

t_case "info on a factory chip shows the serial and unlocked zones"
run "$MOAT" se --se "$SE" info
if [ $RC -eq 0 ] && [[ "$OUT" == *"serial:       0123"* ]] && [[ "$OUT" == *"config zone:  unlocked"* ]]; then
    t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "MOAT_SE supplies the default locator"
run env MOAT_SE="$SE" "$MOAT" se info
t_expect_contains "info via env" "ATECC608" "$OUT"

t_case "read of a slot before the data lock is refused with the reason"
run "$MOAT" se --se "$SE" read 8
if [ $RC -eq 1 ] && [[ "$OUT" == *"data zone is not locked"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "provision writes the layout, locks both zones and prints the slot-0 key"
run "$MOAT" se --se "$SE" provision
if [ $RC -eq 0 ] && [[ "$OUT" == *"locked now (with CRC)"* ]] && [[ "$OUT" == *"BEGIN PUBLIC KEY"* ]]; then
    t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "provision again is refused without --force and says what --force destroys"
run "$MOAT" se --se "$SE" provision
if [ $RC -eq 1 ] && [[ "$OUT" == *"already provisioned"* ]] && [[ "$OUT" == *"destroyed for good"* ]]; then
    t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "config decodes the Trust&GO-like layout in words"
run "$MOAT" se --se "$SE" config
if [[ "$OUT" == *"slot  0 ( 36 B) SlotConfig 2085 KeyConfig 0033: P-256 private key; uses: external-sign ECDH"* ]] &&
   [[ "$OUT" == *"slot 10 ( 72 B) SlotConfig 0000 KeyConfig 003C: data slot; clear read; write always; lockable"* ]] &&
   [[ "$OUT" == *"config zone:  locked"* ]]; then t_pass; else t_fail "$OUT"; fi

t_case "a slot-0 signature verifies with openssl against the chip's public key"
printf 'message signed by the secure element\n' > "$T_DIR/msg.txt"
"$MOAT" se --se "$SE" pubkey 0 --out "$T_DIR/pub.pem"
"$MOAT" se --se "$SE" sign 0 "$T_DIR/msg.txt" --out "$T_DIR/sig.der"
run openssl dgst -sha256 -verify "$T_DIR/pub.pem" -signature "$T_DIR/sig.der" "$T_DIR/msg.txt"
t_expect_contains "openssl dgst -verify" "Verified OK" "$OUT"

t_case "a signature over another file does not verify"
printf 'something else\n' > "$T_DIR/other.txt"
run openssl dgst -sha256 -verify "$T_DIR/pub.pem" -signature "$T_DIR/sig.der" "$T_DIR/other.txt"
if [ $RC -ne 0 ] && [[ "$OUT" == *"Verification failure"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "ECDH secret equals openssl pkeyutl -derive from the peer's side"
openssl ecparam -name prime256v1 -genkey -noout -out "$T_DIR/peer.key" 2>/dev/null
openssl pkey -in "$T_DIR/peer.key" -pubout -out "$T_DIR/peer.pub"
"$MOAT" se --se "$SE" ecdh 0 "$T_DIR/peer.pub" --out "$T_DIR/chip.secret"
openssl pkeyutl -derive -inkey "$T_DIR/peer.key" -peerkey "$T_DIR/pub.pem" -out "$T_DIR/peer.secret"
if [ "$(od -An -tx1 "$T_DIR/chip.secret")" == "$(od -An -tx1 "$T_DIR/peer.secret")" ] &&
   [ "$(stat -c %s "$T_DIR/chip.secret")" -eq 32 ]; then t_pass; else t_fail "secrets differ"; fi

t_case "ECDH with a non-P-256 peer key is refused"
openssl genpkey -algorithm ed25519 -out "$T_DIR/ed.key" 2>/dev/null
openssl pkey -in "$T_DIR/ed.key" -pubout -out "$T_DIR/ed.pub"
run "$MOAT" se --se "$SE" ecdh 0 "$T_DIR/ed.pub"
if [ $RC -eq 1 ] && [[ "$OUT" == *"not a P-256"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "read of the private key slot is refused naming why"
run "$MOAT" se --se "$SE" read 0
if [ $RC -eq 1 ] && [[ "$OUT" == *"execution error (chip status 0x0F)"* ]] &&
   [[ "$OUT" == *"private keys never leave the chip"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "GenKey on the signer public-key slot 11 is refused"
run "$MOAT" se --se "$SE" genkey 11
if [ $RC -eq 1 ] && [[ "$OUT" == *"not a private-key slot"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "write then read a 72-byte certificate slot"
head -c 72 /dev/urandom > "$T_DIR/blob"
"$MOAT" se --se "$SE" write 10 "$T_DIR/blob" >/dev/null
"$MOAT" se --se "$SE" read 10 --out "$T_DIR/back"
if cmp -s "$T_DIR/blob" "$T_DIR/back"; then t_pass; else t_fail "slot 10 content differs"; fi

t_case "a file larger than the slot is refused before any write"
head -c 73 /dev/urandom > "$T_DIR/big"
run "$MOAT" se --se "$SE" write 10 "$T_DIR/big"
if [ $RC -eq 1 ] && [[ "$OUT" == *"larger than 72 bytes"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "a locked slot refuses writes"
"$MOAT" se --se "$SE" lock slot 10 >/dev/null
run "$MOAT" se --se "$SE" write 10 "$T_DIR/blob"
if [ $RC -eq 1 ] && [[ "$OUT" == *"slot is locked"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "locking the locked config zone again is refused"
run "$MOAT" se --se "$SE" lock config
if [ $RC -eq 1 ] && [[ "$OUT" == *"already locked"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "config zone reads as 128 bytes in hex"
run "$MOAT" se --se "$SE" read --zone config --hex
if [ $RC -eq 0 ] && [ "$(echo "$OUT" | tr -d '\n' | wc -c)" -eq 256 ]; then t_pass; else t_fail "$OUT"; fi

t_case "random gives 32 bytes that change"
a=$("$MOAT" se --se "$SE" random); b=$("$MOAT" se --se "$SE" random)
if [ ${#a} -eq 64 ] && [ "$a" != "$b" ]; then t_pass; else t_fail "$a / $b"; fi

t_case "counter increments"
c0=$("$MOAT" se --se "$SE" counter 0)
c1=$("$MOAT" se --se "$SE" counter 0 --inc)
t_expect_eq "counter" "$((c0 + 1))" "$c1"

t_case "selftest reports its tests"
run "$MOAT" se --se "$SE" selftest
t_expect_contains "selftest" "SHA    passed" "$OUT"

t_case "selftest runs the ECDSA sign/verify test (mode bit 0x02) and it passes"
run "$MOAT" se --se "$SE" selftest
if [ $RC -eq 0 ] && [[ "$OUT" == *"ECDSA  passed"* ]] && [[ "$OUT" != *"not available"* ]]; then
    t_pass
else
    t_fail "rc=$RC: $OUT"
fi

t_case "--stats counts chip operations (sign = Nonce + Sign)"
run "$MOAT" se --se "$SE" --stats sign 0 "$T_DIR/msg.txt" --out "$T_DIR/sig2.der"
t_expect_contains "stats" "chip operations: Nonce=1 Sign=1" "$OUT"

t_case "state survives a moat-se restart"
stop_se
start_se
"$MOAT" se --se "$SE" pubkey 0 --out "$T_DIR/pub2.pem"
if cmp -s "$T_DIR/pub.pem" "$T_DIR/pub2.pem"; then t_pass; else t_fail "public key changed"; fi

t_case "provision --force makes a new slot-0 key"
"$MOAT" se --se "$SE" provision --force >/dev/null
"$MOAT" se --se "$SE" pubkey 0 --out "$T_DIR/pub3.pem"
if ! cmp -s "$T_DIR/pub.pem" "$T_DIR/pub3.pem"; then t_pass; else t_fail "key unchanged"; fi

t_case "emu:IMAGE runs the emulator in-process and creates the image"
run "$MOAT" se --se "emu:$T_DIR/inproc.img" provision
if [ $RC -eq 0 ] && [ -f "$T_DIR/inproc.img" ]; then
    "$MOAT" se --se "emu:$T_DIR/inproc.img" pubkey 0 --out "$T_DIR/ip.pem"
    "$MOAT" se --se "emu:$T_DIR/inproc.img" sign 0 "$T_DIR/msg.txt" --out "$T_DIR/ip.der"
    run openssl dgst -sha256 -verify "$T_DIR/ip.pem" -signature "$T_DIR/ip.der" "$T_DIR/msg.txt"
    t_expect_contains "in-process signature" "Verified OK" "$OUT"
else t_fail "rc=$RC: $OUT"; fi

t_case "a bad locator names the accepted forms"
run "$MOAT" se --se "usb:/dev/foo" info
if [ $RC -eq 2 ] && [[ "$OUT" == *"unknown scheme"* ]] && [[ "$OUT" == *"emu+unix:SOCKET"* ]]; then
    t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "an 8-bit address in an i2c locator is refused with the 7-bit hint"
run "$MOAT" se --se "i2c:/dev/i2c-1@0xC0" info
if [ $RC -eq 2 ] && [[ "$OUT" == *"7-bit I2C address"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "a pkcs11 locator is reported as not an ATECC"
run "$MOAT" se --se "pkcs11:/usr/lib/softhsm/libsofthsm2.so?token=t" info
if [ $RC -eq 2 ] && [[ "$OUT" == *"outside an ATECC608"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "a socket nobody serves says how to start moat-se"
run "$MOAT" se --se "emu+unix:$T_DIR/nobody.sock" info
if [ $RC -eq 1 ] && [[ "$OUT" == *"moat-se --socket"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "a chip at another address is no device, with the Trust&GO hint"
stop_se
start_se "$T_DIR/other.img" --address 0x35
run "$MOAT" se --se "$SE" info
if [ $RC -eq 1 ] && [[ "$OUT" == *"0x35"* ]] && [[ "$OUT" == *"address 0x60"* ]]; then
    t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "the same chip answers when the locator gives @0x35"
run "$MOAT" se --se "$SE@0x35" info
if [ $RC -eq 0 ] && [[ "$OUT" == *"i2c address:  0x35"* ]]; then t_pass; else t_fail "rc=$RC: $OUT"; fi

t_case "unknown subcommand is a usage error"
run "$MOAT" se --se "$SE" frobnicate
t_expect_eq "exit status" "2" "$RC"

t_done
