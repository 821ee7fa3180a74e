#!/usr/bin/env bash
# tests/data/cert/make.sh - regenerates the certificates the compressed-certificate unit tests
# read (run once; the output is committed). Root -> signer (CN ends in the signer ID 3C7A) ->
# devices whose dates cover the compressed format's edge cases, plus certificates that must be
# refused (DER files NAME.der, public keys NAME.pub.pem). Serial numbers come from derive_sn.py, an implementation independent of the codec.
set -euo pipefail
cd "$(dirname "$0")"
out=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

. ../../lib/openssl_ca.sh
OSSL_CA_DIR=$work
ossl_ca_conf "[signer_badski_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier = 0102030405060708090A0B0C0D0E0F1011121314
authorityKeyIdentifier = keyid
[device_badski_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
subjectKeyIdentifier = A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4
authorityKeyIdentifier = keyid"

# issue NAME ISSUER EXT START END SUBJECT SERIAL(derive|random) [CURVE] ; ISSUER=self for a root
issue() {
    local sn=$7
    [ "$sn" = random ] && sn=$(openssl rand -hex 16 | tr a-f A-F | sed 's/^./1/')
    ossl_issue "$1" "$2" "$3" "$4" "$5" "$6" "$sn" "${8:-prime256v1}"
    openssl x509 -in "$work/$1.crt" -outform DER -out "$out/$1.der"
    cp "$work/$1.pub.pem" "$out/$1.pub.pem"
}

rm -f ./*.der ./*.pub.pem
issue root self root_ext 20240101000000Z 20640101000000Z "/O=Moat Test/CN=Moat Test Root" random
issue signer root signer_ext 20240101000000Z 20550101000000Z \
    "/O=Moat Test/CN=Moat Test Signer 3C7A" derive
issue signer384 root signer_ext 20240101000000Z 20550101000000Z \
    "/O=Moat Test/CN=Moat Test Signer 0384" random secp384r1
issue signer-badski root signer_badski_ext 20240101000000Z 20550101000000Z \
    "/O=Moat Test/CN=Moat Test Signer BAD1" derive

dev() { # dev NAME START END [ISSUER] [SERIAL] [EXT] [CURVE]
    issue "$1" "${4:-signer}" "${6:-device_ext}" "$2" "$3" "/O=Moat Test/CN=device $1" \
        "${5:-derive}" "${7:-prime256v1}"
}
# Date edge cases of the compressed format (section "Dates" of docs/certificates-compressed.md).
dev device 20240501100000Z 20520501100000Z
dev dev-2000 20000101000000Z 20280101000000Z
dev dev-2031 20311231230000Z 20621231230000Z
dev dev-2032 20320101000000Z 20330101000000Z
dev dev-2127 21270101000000Z 21280101000000Z
dev dev-exp0 20240501100000Z 99991231235959Z
dev dev-exp0-utc 20240501100000Z 20491231235959Z
dev dev-exp31 20010203040000Z 20320203040000Z
dev dev-exp32 20010203040000Z 20330203040000Z
dev dev-exp127 20000101000000Z 21270101000000Z
# Certificates the compressed format cannot represent.
dev bad-minutes 20240501103000Z 20520501103000Z
dev bad-seconds 20240501100005Z 20520501100005Z
dev bad-notwhole 20240501100000Z 20520502100000Z
dev bad-expminutes 20240501100000Z 20520501101500Z
dev bad-1999 19990601000000Z 20270601000000Z signer random
dev bad-128y 20000101000000Z 21280101000000Z signer random
dev bad-serial 20240501100000Z 20520501100000Z signer random
dev bad-ski 20240501100000Z 20520501100000Z signer derive device_badski_ext
dev bad-aki 20240501100000Z 20520501100000Z signer-badski derive
dev bad-p384key 20240501100000Z 20520501100000Z signer random device_ext secp384r1
dev bad-p384sig 20240501100000Z 20520501100000Z signer384 derive
ls "$out"/*.der | wc -l
