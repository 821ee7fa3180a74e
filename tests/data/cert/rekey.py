#!/usr/bin/env python3
"""rekey.py IN.crt OLD_PUB.der NEW_PUB.der NEW_SERIAL_HEX ISSUER.key OUT.crt

Puts another P-256 public key into a certificate whose key we do not hold privately (e.g. an
ATECC608's slot-0 key): replaces the key, the SHA-1 subjectKeyIdentifier and the serial
(same sizes), and re-signs the TBS with the issuer key through `openssl dgst -sign`. The
integration tests use it because OpenSSL 3.0's CLI cannot set whole-hour dates and a foreign
public key in one certificate."""
import base64
import hashlib
import subprocess
import sys


def read_der(path):
    data = open(path, "rb").read()
    if data.startswith(b"-----BEGIN"):
        body = b"".join(l for l in data.splitlines() if not l.startswith(b"-----"))
        return base64.b64decode(body)
    return data


def replace_once(buf, old, new, what):
    if len(old) != len(new) or buf.count(old) != 1:
        sys.exit(f"rekey.py: {what} not found exactly once (or sizes differ)")
    return buf.replace(old, new)


def der_len(n):
    return bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else bytes([0x82, n >> 8, n & 0xFF])


def main():
    cert, old_pub, new_pub, serial_hex, key, out = sys.argv[1:7]
    der = read_der(cert)
    old_xy, new_xy = read_der(old_pub)[-64:], read_der(new_pub)[-64:]
    assert der[0] == 0x30 and der[1] == 0x82 and der[4] == 0x30 and der[5] == 0x82
    tbs_end = 8 + (der[6] << 8 | der[7])
    tbs = der[4:tbs_end]
    sig_alg_len = 2 + der[tbs_end + 1]
    sig_alg = der[tbs_end:tbs_end + sig_alg_len]
    tbs = replace_once(tbs, old_xy, new_xy, "public key")
    ski = lambda xy: hashlib.sha1(b"\x04" + xy).digest()
    tbs = replace_once(tbs, ski(old_xy), ski(new_xy), "subjectKeyIdentifier")
    # serial: the first INTEGER after the version [0]
    p = 4 + (5 if tbs[4] == 0xA0 else 0)
    assert tbs[p] == 0x02
    n = tbs[p + 1]
    new_sn = bytes.fromhex(serial_hex)
    if len(new_sn) != n:
        sys.exit("rekey.py: the new serial must have the old serial's size")
    tbs = tbs[:p + 2] + new_sn + tbs[p + 2 + n:]
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=tbs,
                         capture_output=True, check=True).stdout
    bit_string = b"\x03" + der_len(len(sig) + 1) + b"\x00" + sig
    body = tbs + sig_alg + bit_string
    new = b"\x30\x82" + bytes([len(body) >> 8, len(body) & 0xFF]) + body
    b64 = base64.b64encode(new).decode()
    with open(out, "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
        for i in range(0, len(b64), 64):
            f.write(b64[i:i + 64] + "\n")
        f.write("-----END CERTIFICATE-----\n")


main()
