# tests/lib/openssl_ca.sh - certificates from the openssl CLI with exact dates and chosen serial
# numbers (`openssl ca`), as the compressed-certificate tests and test data need. Source it.
#   OSSL_CA_DIR=DIR; ossl_ca_conf [EXTRA_CONFIG]   writes DIR/ca.cnf (sections root_ext,
#       signer_ext, device_ext, plus EXTRA_CONFIG)
#   ossl_issue NAME ISSUER EXT START END SUBJECT SERIAL [CURVE]
#       ISSUER is "self" (a root) or the NAME of an earlier certificate; START/END are
#       YYYYMMDDhhmmssZ; SERIAL is hex, or "derive" for the serial the compressed format derives
#       from the key and dates (derive_sn.py). Makes DIR/NAME.{key,csr,crt,pub.pem,pub.der}.
OSSL_DERIVE_SN="$(cd "$(dirname "${BASH_SOURCE[0]}")/../data/cert" && pwd)/derive_sn.py"

ossl_ca_conf() {
    cat > "$OSSL_CA_DIR/ca.cnf" <<CNF
[ca]
default_ca = ca_any
[ca_any]
database = $OSSL_CA_DIR/index.txt
new_certs_dir = $OSSL_CA_DIR
serial = $OSSL_CA_DIR/serial
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
[device_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyAgreement
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
${1:-}
CNF
}

ossl_issue() {
    local name=$1 issuer=$2 ext=$3 start=$4 end=$5 subj=$6 sn=$7 curve=${8:-prime256v1}
    local d=$OSSL_CA_DIR
    openssl ecparam -name "$curve" -genkey -noout -out "$d/$name.key" 2>/dev/null
    openssl pkey -in "$d/$name.key" -pubout -out "$d/$name.pub.pem"
    openssl pkey -in "$d/$name.key" -pubout -outform DER -out "$d/$name.pub.der"
    openssl req -new -key "$d/$name.key" -subj "$subj" -config "$d/ca.cnf" -out "$d/$name.csr"
    if [ "$sn" = derive ]; then
        python3 "$OSSL_DERIVE_SN" "$d/$name.pub.der" "$start" "$end" > "$d/serial"
    else
        echo "$sn" > "$d/serial"
    fi
    : > "$d/index.txt"
    local signer=(-cert "$d/$issuer.crt" -keyfile "$d/$issuer.key")
    [ "$issuer" = self ] && signer=(-selfsign -keyfile "$d/$name.key")
    openssl ca -config "$d/ca.cnf" -batch -notext -preserveDN -in "$d/$name.csr" \
        -out "$d/$name.crt" -startdate "$start" -enddate "$end" -extensions "$ext" \
        "${signer[@]}" 2>/dev/null
}
