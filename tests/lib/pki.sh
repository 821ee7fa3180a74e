#!/usr/bin/env bash
# tests/lib/pki.sh DIR - makes the test PKI with the openssl CLI (P-256 everywhere):
#   server-ca.{crt,key}   the broker's root CA
#   server.{crt,key}      the broker's certificate: CN=localhost, SAN localhost + 127.0.0.1
#   device-ca.{crt,key}   the manufacturer's CA (signs devices)
#   device.{crt,key}      a device certificate + its key (clientAuth)
#   other.{crt,key}       a device certificate for ANOTHER key (key-mismatch tests)
#   rogue-ca.*, rogue.{crt,key}  a device certificate from a CA nobody trusts
#   expired.{crt,key}     a device certificate that expired in 2020
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
ca() { # name subject
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -subj "$2" -days 3650 -out "$1.crt" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # name subject ca ext [extra x509 args]
    local n=$1 subj=$2 ca=$3 ext=$4; shift 4
    key "$n.key"
    openssl req -new -key "$n.key" -subj "$subj" -out "$n.csr" 2>/dev/null
    printf '%b' "$ext" > "$n.ext"
    openssl x509 -req -in "$n.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial \
        -extfile "$n.ext" -out "$n.crt" "$@" 2>/dev/null
}
ca server-ca "/O=Moat Test/CN=Moat Test Broker Root"
ca device-ca "/O=Moat Test/CN=Moat Test Device CA"
ca rogue-ca "/O=Rogue/CN=Rogue CA"
leaf server "/CN=localhost" server-ca \
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n" -days 3650
leaf device "/O=Moat Test/CN=device-1" device-ca "extendedKeyUsage=clientAuth\n" -days 3650
leaf other "/O=Moat Test/CN=device-2" device-ca "extendedKeyUsage=clientAuth\n" -days 3650
leaf rogue "/O=Rogue/CN=rogue-device" rogue-ca "extendedKeyUsage=clientAuth\n" -days 3650
# `openssl x509` (3.0) cannot back-date; `openssl ca` can set both dates.
key expired.key
openssl req -new -key expired.key -subj "/O=Moat Test/CN=expired-device" -out expired.csr 2>/dev/null
mkdir -p ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
cat > ca-db/ca.cnf <<CNF
[ca]
default_ca = d
[d]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = p
copy_extensions = none
x509_extensions = e
[p]
commonName = supplied
organizationName = optional
[e]
extendedKeyUsage = clientAuth
CNF
openssl ca -batch -config ca-db/ca.cnf -cert device-ca.crt -keyfile device-ca.key \
    -startdate 20190101000000Z -enddate 20200101000000Z -in expired.csr -out expired.crt \
    -notext 2>/dev/null
cat device.crt device-ca.crt > device-chain.crt
