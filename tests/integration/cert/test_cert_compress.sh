#!/usr/bin/env bash
# test_cert_compress.sh - compressed certificates end to end: openssl-made root/signer/device
# certificates (whole-hour dates, derived serials) -> `moat cert compress` -> `decompress` ->
# byte-identical DER; refusals with their reason; `moat cert store` into an emulated chip and
# `moat cert read` back, identical.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

W=$T_DIR
. "$MOAT_SRC_DIR/tests/lib/openssl_ca.sh"
OSSL_CA_DIR=$W
ossl_ca_conf

# issue NAME ISSUER(self|NAME) EXT START END CN SERIAL(derive|random)
issue() {
    local sn=$7
    [ "$sn" = random ] && sn=1A2B3C4D5E6F
    ossl_issue "$1" "$2" "$3" "$4" "$5" "/O=Moat IT/CN=$6" "$sn"
}

der() { openssl x509 -in "$1" -outform DER; }

issue root self root_ext 20240101000000Z 20640101000000Z "Moat IT Root" random
issue signer root signer_ext 20240101000000Z 20550101000000Z "Moat IT Signer 0A1F" derive
issue device signer device_ext 20240501100000Z 20520501100000Z "sn0123ABCDEF" derive

t_case "device certificate: compress -> decompress is byte-identical"
"$MOAT" cert compress --cert "$W/device.crt" --out "$W/device.cz" --issuer-cert "$W/signer.crt" \
    > "$W/out.txt" 2>&1
"$MOAT" cert decompress --in "$W/device.cz" --def "$W/device.def" --pubkey "$W/device.pub.pem" \
    --signer-pubkey "$W/signer.pub.pem" --out "$W/device.rebuilt.crt" >> "$W/out.txt" 2>&1
if cmp <(der "$W/device.crt") <(der "$W/device.rebuilt.crt") && cmp "$W/device.crt" "$W/device.rebuilt.crt"; then
    t_pass
else
    t_fail "rebuilt device certificate differs: $(cat "$W/out.txt")"
fi

t_case "compressed device certificate is 72 bytes with the signer ID 0A1F"
t_expect_eq "size and bytes 67-68" "72 0a1f" \
    "$(stat -c %s "$W/device.cz") $(xxd -p -s 67 -l 2 "$W/device.cz")"

t_case "signer certificate: compress -> decompress is byte-identical"
"$MOAT" cert compress --cert "$W/signer.crt" --out "$W/signer.cz" --issuer-cert "$W/root.crt" \
    > "$W/out.txt" 2>&1
"$MOAT" cert decompress --in "$W/signer.cz" --def "$W/signer.def" --pubkey "$W/signer.pub.pem" \
    --signer-pubkey "$W/root.pub.pem" --out "$W/signer.rebuilt.der" --der >> "$W/out.txt" 2>&1
if cmp <(der "$W/signer.crt") "$W/signer.rebuilt.der"; then t_pass; else t_fail "$(cat "$W/out.txt")"; fi

t_case "the rebuilt chain verifies with openssl"
out=$(openssl verify -CAfile "$W/root.crt" -untrusted "$W/signer.crt" "$W/device.rebuilt.crt" 2>&1)
t_expect_eq "openssl verify" "$W/device.rebuilt.crt: OK" "$out"

t_case "decompress with another public key yields a different certificate"
"$MOAT" cert decompress --in "$W/device.cz" --def "$W/device.def" --pubkey "$W/signer.pub.pem" \
    --out "$W/other.crt" > /dev/null 2>&1
if ! cmp -s "$W/device.crt" "$W/other.crt"; then t_pass; else t_fail "same certificate"; fi

t_case "a notBefore with minutes is refused with the reason and the date"
issue minutes signer device_ext 20240501103000Z 20520501103000Z "minutes" derive
if "$MOAT" cert compress --cert "$W/minutes.crt" --out "$W/m.cz" > "$W/out.txt" 2>&1; then
    t_fail "compress accepted it"
else
    t_expect_contains "message" "notBefore has minutes or seconds" "$(cat "$W/out.txt")"
fi

t_case "a serial that is not derived is refused with both serials shown"
issue randsn signer device_ext 20240501100000Z 20520501100000Z "randsn" random
if "$MOAT" cert compress --cert "$W/randsn.crt" --out "$W/r.cz" > "$W/out.txt" 2>&1; then
    t_fail "compress accepted it"
else
    t_expect_contains "message" "serial in the certificate: 1A2B3C4D5E6F" "$(cat "$W/out.txt")"
fi

t_case "a definition file that is corrupt is refused"
head -c 100 "$W/device.def" > "$W/bad.def"
if "$MOAT" cert decompress --in "$W/device.cz" --def "$W/bad.def" --pubkey "$W/device.pub.pem" \
    --out "$W/x.crt" > "$W/out.txt" 2>&1; then
    t_fail "accepted"
else
    t_expect_contains "message" "definition" "$(cat "$W/out.txt")"
fi

# ---- the chip: a device certificate for the emulated chip's own slot-0 key ----
IMG=$W/chip.img
"$MOAT" se --se "emu:$IMG" provision > /dev/null
"$MOAT" se --se "emu:$IMG" pubkey 0 --out "$W/chip.pub.pem" > /dev/null
openssl pkey -pubin -in "$W/chip.pub.pem" -outform DER -out "$W/chip.pub.der"
# openssl ca sets the whole-hour dates; rekey.py swaps in the chip's key, its SKI and the
# derived serial and re-signs with the signer key (the chip's private key never leaves it).
issue chipdummy signer device_ext 20250301080000Z 20530301080000Z "sn01234D4F41545345EE" derive
python3 "$OSSL_DERIVE_SN" "$W/chip.pub.der" 20250301080000Z 20530301080000Z > "$W/chip.serial"
python3 "$MOAT_SRC_DIR/tests/data/cert/rekey.py" "$W/chipdummy.crt" "$W/chipdummy.pub.der" \
    "$W/chip.pub.der" "$(cat "$W/chip.serial")" "$W/signer.key" "$W/chip.crt"

t_case "store writes slots 10, 11, 12 and 8 of the chip"
if "$MOAT" cert store --se "emu:$IMG" --device "$W/chip.crt" --signer "$W/signer.crt" \
    > "$W/out.txt" 2>&1; then
    t_expect_contains "report" "definitions -> slot 8" "$(cat "$W/out.txt")"
else
    t_fail "$(cat "$W/out.txt")"
fi

t_case "slot 10 holds the 72-byte compressed device certificate"
"$MOAT" cert compress --cert "$W/chip.crt" --out "$W/chip.cz" --issuer-cert "$W/signer.crt" > /dev/null
"$MOAT" se --se "emu:$IMG" read 10 --out "$W/slot10.bin" > /dev/null
if cmp <(head -c 72 "$W/slot10.bin") "$W/chip.cz"; then t_pass; else t_fail "slot 10 differs"; fi

t_case "read rebuilds device.crt and signer.crt identical to the stored ones"
rm -rf "$W/back"
if "$MOAT" cert read --se "emu:$IMG" --out "$W/back" > "$W/out.txt" 2>&1 &&
    cmp <(der "$W/chip.crt") <(der "$W/back/device.crt") &&
    cmp <(der "$W/signer.crt") <(der "$W/back/signer.crt"); then
    t_pass
else
    t_fail "$(cat "$W/out.txt")"
fi

t_case "the chain read from the chip verifies with openssl"
out=$(openssl verify -CAfile "$W/root.crt" -untrusted "$W/back/signer.crt" "$W/back/device.crt" 2>&1)
t_expect_eq "openssl verify" "$W/back/device.crt: OK" "$out"

t_case "store refuses a device certificate for another key than the chip's"
if "$MOAT" cert store --se "emu:$IMG" --device "$W/device.crt" --signer "$W/signer.crt" \
    > "$W/out.txt" 2>&1; then
    t_fail "accepted"
else
    t_expect_contains "message" "another key than the chip's slot-0 key" "$(cat "$W/out.txt")"
fi

t_case "read of a chip without stored certificates names slot 8"
"$MOAT" se --se "emu:$W/blank.img" provision > /dev/null
if "$MOAT" cert read --se "emu:$W/blank.img" --out "$W/none" > "$W/out.txt" 2>&1; then
    t_fail "accepted"
else
    t_expect_contains "message" "slot 8" "$(cat "$W/out.txt")"
fi

# ---- the product flow: moat ca init -> moat cert issue --se -> store -> read ----
IMG2=$W/chip2.img
"$MOAT" se --se "emu:$IMG2" provision > /dev/null
"$MOAT" ca init --out "$W/ca" > /dev/null
"$MOAT" cert issue --ca "$W/ca" --se "emu:$IMG2" --out "$W/issued.crt" > /dev/null

t_case "a certificate from moat cert issue is stored and read back identical"
rm -rf "$W/back2"
if "$MOAT" cert store --se "emu:$IMG2" --device "$W/issued.crt" --signer "$W/ca/signer.crt" \
    > "$W/out.txt" 2>&1 && "$MOAT" cert read --se "emu:$IMG2" --out "$W/back2" >> "$W/out.txt" 2>&1 &&
    cmp <(der "$W/issued.crt") <(der "$W/back2/device.crt") &&
    cmp <(der "$W/ca/signer.crt") <(der "$W/back2/signer.crt"); then
    t_pass
else
    t_fail "$(cat "$W/out.txt")"
fi

t_done
