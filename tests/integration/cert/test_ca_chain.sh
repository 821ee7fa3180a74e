#!/usr/bin/env bash
# test_ca_chain.sh - `moat ca` and `moat cert issue` checked with the openssl CLI: the chain
# verifies, the fields are the intended ones, keys are private, nothing is overwritten by
# accident, the AWS verification certificate is right, batch and chip (--se) issuance work.
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

cd "$T_DIR"
openssl ecparam -name prime256v1 -genkey -noout -out dev.key
openssl ec -in dev.key -pubout -out dev.pub 2> /dev/null

t_case "ca init writes the four PEM files"
"$MOAT" ca init --out ca --org Acme --signer-id 00A1 > init.out
if [ -s ca/root.crt ] && [ -s ca/root.key ] && [ -s ca/signer.crt ] && [ -s ca/signer.key ]; then
    t_pass
else
    t_fail "missing files: $(ls ca)"
fi

t_case "CA keys are mode 0600"
t_expect_eq "modes" "600 600" "$(stat -c %a ca/root.key) $(stat -c %a ca/signer.key)"

t_case "root: self-signed, CA:TRUE, keyCertSign, SKI = AKI"
R=$(openssl x509 -in ca/root.crt -noout -text)
if [[ "$R" == *"Subject: O = Acme, CN = Acme Root CA"* && "$R" == *"Issuer: O = Acme, CN = Acme Root CA"* &&
      "$R" == *"CA:TRUE"* && "$R" == *"Certificate Sign, CRL Sign"* &&
      "$R" == *"ecdsa-with-SHA256"* && "$R" == *"NIST CURVE: P-256"* ]]; then t_pass; else t_fail "$R"; fi

t_case "signer: CA:TRUE pathlen:0, keyCertSign, AKI = root SKI, CN ends with the signer id"
S=$(openssl x509 -in ca/signer.crt -noout -text)
ROOT_SKI=$(openssl x509 -in ca/root.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
SIGNER_AKI=$(openssl x509 -in ca/signer.crt -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ' | sed 's/^keyid://')
if [[ "$S" == *"CA:TRUE, pathlen:0"* && "$S" == *"Certificate Sign"* &&
      "$S" == *"Subject: O = Acme, CN = Acme Signer 00A1"* && "$ROOT_SKI" == "$SIGNER_AKI" ]]; then
    t_pass
else
    t_fail "root SKI [$ROOT_SKI] signer AKI [$SIGNER_AKI]: $S"
fi

t_case "ca init refuses to overwrite an existing CA (exit 1, files unchanged)"
before=$(sha256sum ca/signer.key)
set +e
out=$("$MOAT" ca init --out ca --org Acme 2>&1)
rc=$?
set -e
if [ $rc = 1 ] && [[ "$out" == *"--force"* ]] && [ "$before" = "$(sha256sum ca/signer.key)" ]; then
    t_pass
else
    t_fail "rc=$rc $out"
fi

t_case "ca init --force replaces it, keys still 0600"
cp -r ca ca-old
"$MOAT" ca init --out ca-old --org Acme --force > /dev/null
if [ "$(sha256sum < ca-old/signer.key)" != "$(sha256sum < ca/signer.key)" ] &&
   [ "$(stat -c %a ca-old/signer.key)" = 600 ]; then t_pass; else t_fail "not replaced"; fi

t_case "cert issue --pubkey: openssl verify -CAfile root -untrusted signer device passes"
"$MOAT" cert issue --ca ca --pubkey dev.pub --sn 0123030405060708EE --out device.crt > /dev/null
t_expect_eq "openssl verify" "device.crt: OK" \
    "$(openssl verify -CAfile ca/root.crt -untrusted ca/signer.crt device.crt 2>&1)"

t_case "device fields: Trust&GO subject, issuer = signer subject, whole hours, CA:FALSE, usages"
D=$(openssl x509 -in device.crt -noout -text)
if [[ "$D" == *"Subject: O = Acme, CN = sn0123030405060708EE"* &&
      "$D" == *"Issuer: O = Acme, CN = Acme Signer 00A1"* && "$D" == *"CA:FALSE"* &&
      "$D" == *"Digital Signature, Key Agreement"* && "$D" == *"TLS Web Client Authentication"* &&
      "$(openssl x509 -in device.crt -noout -startdate)" == *":00:00 "* ]]; then
    t_pass
else
    t_fail "$D"
fi

t_case "device SKI = SHA-1 of the public point, AKI = signer SKI"
POINT_SHA1=$(openssl ec -pubin -in dev.pub -outform DER 2> /dev/null | tail -c 65 | sha1sum | cut -c1-40)
DEV_SKI=$(openssl x509 -in device.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr A-F a-f)
DEV_AKI=$(openssl x509 -in device.crt -noout -ext authorityKeyIdentifier | tail -1 | tr -d ' ' | sed 's/^keyid://')
SIGNER_SKI=$(openssl x509 -in ca/signer.crt -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' ')
if [ "$POINT_SHA1" = "$DEV_SKI" ] && [ "$DEV_AKI" = "$SIGNER_SKI" ]; then t_pass; else
    t_fail "sha1 $POINT_SHA1 ski $DEV_SKI aki $DEV_AKI signer ski $SIGNER_SKI"; fi

t_case "--years 5 --not-before: notAfter is exactly 5 whole years later"
"$MOAT" cert issue --ca ca --pubkey dev.pub --cn dev5 --not-before "2027-03-04 05" --years 5 \
    --out dev5.crt > /dev/null
t_expect_eq "dates" "notBefore=Mar  4 05:00:00 2027 GMT notAfter=Mar  4 05:00:00 2032 GMT" \
    "$(openssl x509 -in dev5.crt -noout -dates | tr '\n' ' ' | sed 's/ $//')"

t_case "--years 0: no well-defined expiry (9999-12-31 23:59:59)"
"$MOAT" cert issue --ca ca --pubkey dev.pub --cn dev0 --years 0 --out dev0.crt > /dev/null
t_expect_eq "notAfter" "notAfter=Dec 31 23:59:59 9999 GMT" "$(openssl x509 -in dev0.crt -noout -enddate)"

t_case "--csr: the CSR's CN names the device; a tampered CSR is refused"
openssl req -new -key dev.key -subj "/CN=sn0123AABBCCDDEEFF01" -out dev.csr
"$MOAT" cert issue --ca ca --csr dev.csr --out csr.crt > /dev/null
C=$(openssl x509 -in csr.crt -noout -subject)
openssl req -in dev.csr -outform DER -out dev.csr.der
python3 -c "
d = bytearray(open('dev.csr.der','rb').read()); d[-5] ^= 1; open('bad.der','wb').write(d)"
openssl req -inform DER -in bad.der -out bad.csr 2> /dev/null || true
set +e
bad=$("$MOAT" cert issue --ca ca --csr bad.csr --out bad.crt 2>&1)
rc=$?
set -e
if [ "$C" = "subject=O = Acme, CN = sn0123AABBCCDDEEFF01" ] && [ $rc = 1 ] &&
   [[ "$bad" == *"does not verify"* ]] && [ ! -e bad.crt ]; then t_pass; else t_fail "$C / $rc $bad"; fi

t_case "cert issue refuses to overwrite device.crt without --force"
set +e
out=$("$MOAT" cert issue --ca ca --pubkey dev.pub --sn 0123030405060708EE --out device.crt 2>&1)
rc=$?
set -e
if [ $rc = 1 ] && [[ "$out" == *"exists; pass --force"* ]]; then t_pass; else t_fail "$rc $out"; fi

t_case "cert issue --pubkey without a name says how to give one"
set +e
out=$("$MOAT" cert issue --ca ca --pubkey dev.pub --out noname.crt 2>&1)
rc=$?
set -e
if [ $rc = 1 ] && [[ "$out" == *"--sn"* && "$out" == *"--cn"* ]]; then t_pass; else t_fail "$rc $out"; fi

t_case "batch: three keys/CSRs from a list, each verifies; a bad line is reported"
mkdir keys
for i in 1 2; do
    openssl ecparam -name prime256v1 -genkey -noout -out keys/k$i.key
    openssl ec -in keys/k$i.key -pubout -out keys/k$i.pub 2> /dev/null
done
openssl req -new -key keys/k1.key -subj "/CN=from-csr" -out keys/k3.csr
cat > keys/list.txt << 'LIST'
# path  [chip serial | CN=name]
k1.pub 0123000000000000A1
k2.pub CN=gateway-2
k3.csr
missing.pub 0123000000000000A4
LIST
set +e
out=$("$MOAT" cert issue --ca ca --batch keys/list.txt --out-dir issued 2>&1)
rc=$?
set -e
ok=0
for f in issued/0123000000000000A1.crt issued/gateway-2.crt issued/from-csr.crt; do
    [ "$(openssl verify -CAfile ca/root.crt -untrusted ca/signer.crt "$f" 2>&1)" = "$f: OK" ] && ok=$((ok + 1))
done
if [ $ok = 3 ] && [ $rc = 1 ] && [[ "$out" == *"batch: 3 issued, 1 failed"* && "$out" == *"list.txt:5"* ]] &&
   [ "$(openssl x509 -in issued/0123000000000000A1.crt -noout -subject)" = "subject=O = Acme, CN = sn0123000000000000A1" ]; then
    t_pass
else
    t_fail "ok=$ok rc=$rc $out"
fi

t_case "verification-cert: CN = registration code, verifies with the signer CA key"
CODE=8f2e5ab7c1d34e6f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6b
"$MOAT" ca verification-cert --ca ca --registration-code $CODE --out verif.crt > /dev/null
if [ "$(openssl x509 -in verif.crt -noout -subject)" = "subject=CN = $CODE" ] &&
   [ "$(openssl verify -partial_chain -CAfile ca/signer.crt verif.crt 2>&1)" = "verif.crt: OK" ] &&
   [ "$(openssl x509 -in verif.crt -noout -issuer)" = "issuer=O = Acme, CN = Acme Signer 00A1" ]; then
    t_pass
else
    t_fail "$(openssl x509 -in verif.crt -noout -subject -issuer)"
fi

t_case "verification-cert --by root is signed by the root key"
"$MOAT" ca verification-cert --ca ca --registration-code $CODE --by root --out verif-root.crt > /dev/null
t_expect_eq "verify" "verif-root.crt: OK" "$(openssl verify -CAfile ca/root.crt verif-root.crt 2>&1)"

t_case "cert issue --se emu:IMAGE: key from chip slot 0, CN from the chip serial"
"$MOAT" se --se "emu:$T_DIR/chip.img" provision > /dev/null 2>&1
SN=$("$MOAT" se --se "emu:$T_DIR/chip.img" info | awk '/^serial:/ {print $2}')
"$MOAT" cert issue --ca ca --se "emu:$T_DIR/chip.img" --out chip.crt > /dev/null
"$MOAT" se --se "emu:$T_DIR/chip.img" pubkey 0 --out chip.pub > /dev/null
if [ -n "$SN" ] && [ "$(openssl x509 -in chip.crt -noout -subject)" = "subject=O = Acme, CN = sn$SN" ] &&
   [ "$(openssl x509 -in chip.crt -noout -pubkey)" = "$(cat chip.pub)" ] &&
   [ "$(openssl verify -CAfile ca/root.crt -untrusted ca/signer.crt chip.crt 2>&1)" = "chip.crt: OK" ]; then
    t_pass
else
    t_fail "sn [$SN] $(openssl x509 -in chip.crt -noout -subject)"
fi

t_case "doctor chain --se: the chip's certificate passes, another device's is a key mismatch"
set +e
good=$("$MOAT" doctor chain chip.crt --signer ca/signer.crt --root ca/root.crt --se "emu:$T_DIR/chip.img")
grc=$?
bad=$("$MOAT" doctor chain device.crt --signer ca/signer.crt --root ca/root.crt --se "emu:$T_DIR/chip.img")
brc=$?
set -e
if [ $grc = 0 ] && [ $brc = 1 ] && [[ "$bad" == *"[KEY_MISMATCH]"*"slot 0 of emu:$T_DIR/chip.img has id"* ]]; then
    t_pass
else
    t_fail "$grc $brc $bad"
fi

t_case "cert issue --se file:KEY.pem (a non-ATECC key): key from the file, name from --sn"
"$MOAT" cert issue --ca ca --se "file:dev.key" --sn 0123030405060708AA --out filekey.crt > /dev/null
if [ "$(openssl x509 -in filekey.crt -noout -pubkey)" = "$(cat dev.pub)" ] &&
   [ "$(openssl x509 -in filekey.crt -noout -subject)" = "subject=O = Acme, CN = sn0123030405060708AA" ]; then
    t_pass
else
    t_fail "$(openssl x509 -in filekey.crt -noout -subject)"
fi

t_case "cert issue --sn takes the serial with colons, as openssl prints it"
"$MOAT" cert issue --ca ca --pubkey dev.pub --sn 01:23:03:04:05:06:07:08:AB --out colons.crt > /dev/null
t_expect_eq "subject" "subject=O = Acme, CN = sn0123030405060708AB" \
    "$(openssl x509 -in colons.crt -noout -subject)"

t_case "cert issue --pubkey reads a key that openssl ecparam wrote with its EC PARAMETERS"
openssl ecparam -name prime256v1 -genkey -out withparams.key
"$MOAT" cert issue --ca ca --pubkey withparams.key --cn params --out params.crt > /dev/null
t_expect_eq "public key" "$(openssl pkey -in withparams.key -pubout)" \
    "$(openssl x509 -in params.crt -noout -pubkey)"

t_case "cert issue --slot out of range is a usage error naming the range"
set +e
out=$("$MOAT" cert issue --ca ca --se "file:dev.key" --slot 16 --out slot.crt 2>&1)
rc=$?
set -e
if [ "$rc" = 2 ] && [[ "$out" == *"--slot needs a number from 0 to 15, not '16'"* ]] &&
   [ ! -e slot.crt ]; then t_pass; else t_fail "rc=$rc: $out"; fi

t_done
