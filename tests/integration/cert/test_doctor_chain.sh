#!/usr/bin/env bash
# test_doctor_chain.sh - one broken chain per `moat doctor chain` diagnosis, each built with
# the openssl CLI; checks the doctor's words and exit status, and what `openssl verify` says
# for the same chain (so this file documents the mapping error 20 / error 2 / ... -> cause).
. "$MOAT_SRC_DIR/tests/lib/moat_test.sh"

cd "$T_DIR"
"$MOAT" ca init --out ca --org Acme > /dev/null
openssl ecparam -name prime256v1 -genkey -noout -out dev.key
openssl ec -in dev.key -pubout -out dev.pub 2> /dev/null
openssl req -new -key dev.key -subj "/O=Acme/CN=sn0123030405060708EE" -out dev.csr
"$MOAT" cert issue --ca ca --pubkey dev.pub --sn 0123030405060708EE --out device.crt > /dev/null

# doctor ARGS...: runs moat doctor chain, output in $OUT, exit status in $RC
doctor() {
    set +e
    OUT=$("$MOAT" doctor chain "$@" 2>&1)
    RC=$?
    set -e
}
# ossl ARGS...: runs openssl verify, output in $OV
ossl() { OV=$(openssl verify "$@" 2>&1 || true); }
# ext FILE LINES...: writes an openssl extension file
ext() { local f=$1; shift; printf '%s\n' "$@" > "$f"; }
# expect_findings RC_WANTED NEEDLE...: checks exit status and every needle in $OUT
expect() {
    local want=$1 n
    shift
    if [ "$RC" != "$want" ]; then t_fail "exit status $RC, wanted $want; output: $OUT"; return; fi
    for n in "$@"; do
        if [[ "$OUT" != *"$n"* ]]; then t_fail "output lacks [$n]: $OUT"; return; fi
    done
    t_pass
}

t_case "good chain: exit 0, tree root first, openssl agrees"
doctor device.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt device.crt
expect 0 "ca/root.crt  CN=Acme Root CA  (trust anchor)  ✓" "└─ ca/signer.crt  CN=Acme Signer 0001  ✓" \
    "   └─ device.crt  CN=sn0123030405060708EE  ✓" "openssl verify: OK"
t_expect_contains "openssl verify" "device.crt: OK" "$OV"

t_case "missing intermediate = openssl error 20 (forum: -CAfile root.crt device.crt)"
doctor device.crt --root ca/root.crt
ossl -CAfile ca/root.crt device.crt
expect 1 "[MISSING_INTERMEDIATE]" "the signer certificate that issued device.crt ('O=Acme, CN=Acme Signer 0001') was not given, so the chain stops at the device certificate" \
    "openssl verify error 20" "Fix: pass the certificate whose subject is 'O=Acme, CN=Acme Signer 0001': --signer signer.crt (openssl: -untrusted signer.crt)" \
    "(not given)  O=Acme, CN=Acme Signer 0001  ✗ missing"
t_expect_contains "openssl says error 20" "error 20 at 0 depth lookup: unable to get local issuer certificate" "$OV"

t_case "signer as the only trust anchor = openssl error 2 (forum: -CAfile signer.crt)"
doctor device.crt --root ca/signer.crt
ossl -CAfile ca/signer.crt device.crt
expect 1 "[ANCHOR_NOT_ROOT]" "ca/signer.crt ('O=Acme, CN=Acme Signer 0001') was given as the trust anchor, but it is not a root: it was issued by 'O=Acme, CN=Acme Root CA'" \
    "error 2 at 1 depth lookup" "Fix: give it as an intermediate and the root 'O=Acme, CN=Acme Root CA' as the anchor: --signer ca/signer.crt --root root.crt"
t_expect_contains "openssl says error 2" "error 2 at 1 depth lookup: unable to get issuer certificate" "$OV"

t_case "no root given: the chain stops at the signer (openssl error 20 at depth 1)"
doctor device.crt --signer ca/signer.crt
ossl -no-CAfile -no-CApath -no-CAstore -untrusted ca/signer.crt device.crt
expect 1 "[MISSING_ROOT]" "the chain stops at ca/signer.crt: its issuer 'O=Acme, CN=Acme Root CA' was not given" "--root root.crt"
t_expect_contains "openssl says error 20 at depth 1" "error 20 at 1 depth lookup" "$OV"

t_case "root given as intermediate only: self-signed root not trusted (openssl error 19)"
doctor device.crt --signer ca/signer.crt --signer ca/root.crt
expect 1 "[ROOT_NOT_TRUSTED]" "the chain ends at the self-signed root ca/root.crt" "error 19" "--root ca/root.crt"

t_case "issuer 'Signer FFFF' placeholder vs 'Signer 0001': name mismatch shown byte for byte"
openssl req -new -x509 -key ca/signer.key -subj "/O=Acme/CN=Acme Signer FFFF" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out ffff.crt
ext dev.ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in dev.csr -CA ffff.crt -CAkey ca/signer.key -CAcreateserial -days 30 \
    -extfile dev.ext -out dev-ffff.crt 2> /dev/null
doctor dev-ffff.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt dev-ffff.crt
expect 1 "[NAME_MISMATCH]" "dev-ffff.crt names its issuer 'O=Acme, CN=Acme Signer FFFF' but the subject of ca/signer.crt is 'O=Acme, CN=Acme Signer 0001'" \
    "they differ from character 24 on ('FFFF' vs '0001')" "'FFFF' is the signer-ID placeholder" \
    "its key verifies the signature" "issuer name differs from ca/signer.crt's subject"
t_expect_contains "openssl says error 20" "error 20 at 0 depth lookup" "$OV"

t_case "forged AKI: same name, same key, different key id"
openssl req -new -x509 -key ca/signer.key -subj "/O=Acme/CN=Acme Signer 0001" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -addext "subjectKeyIdentifier=0102030405060708090A0B0C0D0E0F1011121314" -out forged.crt
openssl x509 -req -in dev.csr -CA forged.crt -CAkey ca/signer.key -CAcreateserial -days 30 \
    -extfile dev.ext -out dev-aki.crt 2> /dev/null
doctor dev-aki.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt dev-aki.crt
expect 1 "[AKI_SKI_MISMATCH]" "the authorityKeyIdentifier of dev-aki.crt is 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14" \
    "the signature does verify with that key, so the AKI extension itself is wrong" "Fix: reissue dev-aki.crt with AKI = the signer's SKI"
t_expect_contains "openssl says error 20" "error 20 at 0 depth lookup" "$OV"

t_case "tampered signature: bad signature (openssl error 7)"
openssl x509 -in device.crt -outform DER -out dev.der
python3 - << 'PY'
d = bytearray(open("dev.der", "rb").read())
d[-5] ^= 0x01  # inside the signature's S integer
open("dev-bad.der", "wb").write(d)
PY
openssl x509 -inform DER -in dev-bad.der -out dev-bad.crt
doctor dev-bad.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt dev-bad.crt
expect 1 "[BAD_SIGNATURE]" "the signature of dev-bad.crt does not verify with the public key of its issuer ca/signer.crt" \
    "dev-bad.crt  CN=sn0123030405060708EE  ✗ signature does not verify" "error 7"
t_expect_contains "openssl says error 7" "error 7 at 0 depth lookup: certificate signature failure" "$OV"

t_case "expired device certificate (openssl error 10)"
openssl x509 -req -in dev.csr -CA ca/signer.crt -CAkey ca/signer.key -CAcreateserial -days -1 \
    -extfile dev.ext -out dev-old.crt 2> /dev/null
doctor dev-old.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt dev-old.crt
expect 1 "[EXPIRED]" "dev-old.crt ('CN=sn0123030405060708EE') expired on" "✗ expired on" "openssl verify error 10"
t_expect_contains "openssl says error 10" "error 10 at 0 depth lookup: certificate has expired" "$OV"

t_case "not yet valid device certificate (openssl error 9)"
mkdir -p oca
: > oca/index.txt
echo 01 > oca/serial
ext oca/ca.cnf "[ca]" "default_ca = d" "[d]" "database = oca/index.txt" "new_certs_dir = oca" "serial = oca/serial" \
    "default_md = sha256" "policy = p" "[p]" "commonName = supplied" "organizationName = optional" \
    "[x]" "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl ca -batch -notext -config oca/ca.cnf -cert ca/signer.crt -keyfile ca/signer.key -in dev.csr \
    -startdate 20990101000000Z -enddate 21000101000000Z -extensions x \
    -out dev-future.crt 2> /dev/null
doctor dev-future.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted ca/signer.crt dev-future.crt
expect 1 "[NOT_YET_VALID]" "dev-future.crt ('CN=sn0123030405060708EE') is not valid before 2099-01-01 00:00:00 UTC" "check the verifier's clock"
t_expect_contains "openssl says error 9" "error 9 at 0 depth lookup: certificate is not yet valid" "$OV"

# a second signer under the same root, with the given extensions; a device issued by it
make_signer() {
    local name=$1 file=$2
    shift 2
    openssl ecparam -name prime256v1 -genkey -noout -out "$name.key"
    openssl req -new -key "$name.key" -subj "/O=Acme/CN=Acme Signer $file" -out "$name.csr"
    ext "$name.ext" "$@" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
    openssl x509 -req -in "$name.csr" -CA ca/root.crt -CAkey ca/root.key -CAcreateserial -days 30 \
        -extfile "$name.ext" -out "$name.crt" 2> /dev/null
    openssl x509 -req -in dev.csr -CA "$name.crt" -CAkey "$name.key" -CAcreateserial -days 30 \
        -extfile dev.ext -out "dev-$name.crt" 2> /dev/null
}

t_case "signer without keyUsage keyCertSign (openssl error 32)"
make_signer noku 0002 "basicConstraints=critical,CA:TRUE" "keyUsage=critical,digitalSignature"
doctor dev-noku.crt --signer noku.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted noku.crt dev-noku.crt
expect 1 "[NO_KEYCERTSIGN]" "noku.crt has a keyUsage extension without keyCertSign" "keyUsage lacks keyCertSign" "error 32"
t_expect_contains "openssl says error 32" "error 32 at 1 depth lookup: key usage does not include certificate signing" "$OV"

t_case "signer without basicConstraints CA:TRUE (openssl 3 error 79, invalid CA)"
make_signer noca 0003 "basicConstraints=critical,CA:FALSE" "keyUsage=critical,keyCertSign"
doctor dev-noca.crt --signer noca.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted noca.crt dev-noca.crt
expect 1 "[NOT_CA]" "noca.crt issued dev-noca.crt but has no basicConstraints CA:TRUE" "error 79"
t_expect_contains "openssl says error 79" "error 79 at 1 depth lookup: invalid CA certificate" "$OV"

t_case "a CA below the pathlen:0 signer (openssl error 25)"
openssl ecparam -name prime256v1 -genkey -noout -out sub.key
openssl req -new -key sub.key -subj "/O=Acme/CN=Acme Sub CA" -out sub.csr
ext sub.ext "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in sub.csr -CA ca/signer.crt -CAkey ca/signer.key -CAcreateserial -days 30 \
    -extfile sub.ext -out sub.crt 2> /dev/null
openssl x509 -req -in dev.csr -CA sub.crt -CAkey sub.key -CAcreateserial -days 30 \
    -extfile dev.ext -out dev-sub.crt 2> /dev/null
doctor dev-sub.crt --signer sub.crt --signer ca/signer.crt --root ca/root.crt
ossl -CAfile ca/root.crt -untrusted sub.crt -untrusted ca/signer.crt dev-sub.crt
expect 1 "[PATHLEN_EXCEEDED]" "ca/signer.crt allows 0 CA certificate(s) below it" "error 25"
t_expect_contains "openssl says error 25" "error 25 at 2 depth lookup: path length constraint exceeded" "$OV"

t_case "device certificate whose key is not the expected key (--pubkey)"
openssl ecparam -name prime256v1 -genkey -noout -out other.key
openssl ec -in other.key -pubout -out other.pub 2> /dev/null
doctor device.crt --signer ca/signer.crt --root ca/root.crt --pubkey other.pub
expect 1 "[KEY_MISMATCH]" "device.crt certifies the public key with id" "but the key in other.pub has id" \
    "public key is not the chip's" "openssl verify: OK"

t_case "device certificate that cannot do TLS client auth"
ext srv.ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=serverAuth" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in dev.csr -CA ca/signer.crt -CAkey ca/signer.key -CAcreateserial -days 30 \
    -extfile srv.ext -out dev-srv.crt 2> /dev/null
doctor dev-srv.crt --signer ca/signer.crt --root ca/root.crt
expect 1 "[LEAF_USAGE]" "an extendedKeyUsage without clientAuth"

t_case "a chain file (device + signer, as Microchip's tools export) is read as leaf + intermediate"
cat device.crt ca/signer.crt > bundle.pem
doctor bundle.pem --root ca/root.crt
expect 0 "bundle.pem#2  CN=Acme Signer 0001  ✓"

t_case "forum replica: Microchip-named chain, the two failing openssl commands and the doctor's fix"
openssl ecparam -name prime256v1 -genkey -noout -out mr.key
openssl req -new -x509 -key mr.key -subj "/O=Microchip Technology Inc/CN=Crypto Authentication Root CA 002" \
    -days 30 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out mroot.crt
openssl ecparam -name prime256v1 -genkey -noout -out ms.key
openssl req -new -key ms.key -subj "/O=Microchip Technology Inc/CN=Crypto Authentication Signer FFFFFFFF" -out ms.csr
ext ms.ext "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in ms.csr -CA mroot.crt -CAkey mr.key -CAcreateserial -days 30 -extfile ms.ext -out msigner.crt 2> /dev/null
openssl req -new -key dev.key -subj "/O=Microchip Technology Inc/CN=sn0123030405060708EE" -out md.csr
ext md.ext "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyAgreement" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid"
openssl x509 -req -in md.csr -CA msigner.crt -CAkey ms.key -CAcreateserial -days 30 -extfile md.ext -out mdevice.crt 2> /dev/null
ossl -CAfile mroot.crt mdevice.crt
OV1=$OV
ossl -CAfile msigner.crt mdevice.crt
OV2=$OV
doctor mdevice.crt --root mroot.crt
OUT1=$OUT
doctor mdevice.crt --root msigner.crt
OUT2=$OUT
doctor mdevice.crt --signer msigner.crt --root mroot.crt
if [[ "$OV1" == *"error 20 at 0 depth lookup"* && "$OV2" == *"error 2 at 1 depth lookup"* &&
      "$OUT1" == *"[MISSING_INTERMEDIATE]"*"'O=Microchip Technology Inc, CN=Crypto Authentication Signer FFFFFFFF') was not given"* &&
      "$OUT2" == *"[ANCHOR_NOT_ROOT]"*"--signer msigner.crt --root root.crt"* && "$RC" == 0 ]]; then
    t_pass
else
    t_fail "$OV1 / $OV2 / $OUT1 / $OUT2 / rc $RC"
fi

t_case "--at: the same good chain checked in 2100 is expired at every level"
doctor device.crt --signer ca/signer.crt --root ca/root.crt --at "2100-01-01 00:00:00"
expect 1 "ca/root.crt  CN=Acme Root CA  (trust anchor)  ✗ expired on" "it is now 2100-01-01 00:00:00 UTC" \
    "openssl verify: error 10"

t_case "bad input: not a certificate -> exit 2 with the file named"
echo "hello" > junk.crt
doctor junk.crt --root ca/root.crt
if [ "$RC" = 2 ] && [[ "$OUT" == *"junk.crt holds no certificate"* ]]; then t_pass; else t_fail "$RC $OUT"; fi

t_done
