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

cnf=$work/ca.cnf
cat > "$cnf" <<CNF
[ca]
default_ca = ca_any
[ca_any]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
O = optional
CN = optional
[req]
distinguished_name = dn
[dn]
[root_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[signer_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[signer_badski_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,digitalSignature,keyCertSign,cRLSign
subjectKeyIdentifier = 0102030405060708090A0B0C0D0E0F1011121314
authorityKeyIdentifier = keyid
[device_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[device_badski_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
subjectKeyIdentifier = A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4
authorityKeyIdentifier = keyid
CNF

key() { # key NAME [CURVE]
    openssl ecparam -name "${2:-prime256v1}" -genkey -noout -out "$work/$1.key" 2>/dev/null
}

# issue NAME ISSUER EXT START END SUBJECT SERIAL(derive|random) [CURVE] ; ISSUER=self for a root
issue() {
    local name=$1 issuer=$2 ext=$3 start=$4 end=$5 subj=$6 sn=$7 curve=${8:-prime256v1}
    key "$name" "$curve"
    openssl req -new -key "$work/$name.key" -subj "$subj" -out "$work/$name.csr" -config "$cnf"
    openssl pkey -in "$work/$name.key" -pubout -outform DER -out "$work/$name.pub.der"
    if [ "$sn" = derive ]; then
        python3 derive_sn.py "$work/$name.pub.der" "$start" "$end" > "$work/serial"
    else
        openssl rand -hex 16 | tr a-f A-F | sed 's/^./1/' > "$work/serial"
    fi
    : > "$work/index.txt"
    local signer=(-cert "$work/$issuer.pem" -keyfile "$work/$issuer.key")
    [ "$issuer" = self ] && signer=(-selfsign -keyfile "$work/$name.key")
    openssl ca -config "$cnf" -batch -notext -preserveDN -in "$work/$name.csr" \
        -out "$work/$name.pem" -startdate "$start" -enddate "$end" -extensions "$ext" \
        "${signer[@]}" 2>/dev/null
    openssl x509 -in "$work/$name.pem" -outform DER -out "$out/$name.der"
    openssl pkey -in "$work/$name.key" -pubout -out "$out/$name.pub.pem"
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
