#!/usr/bin/env python3
"""derive_sn.py PUBKEY.der NOT_BEFORE NOT_AFTER - prints the serial number (hex) that the
Microchip compressed-certificate format derives for SN source 0xA (pubkey hash):
SHA-256(X || Y || encoded dates [|| byte 71 high nibble]) truncated to 16 bytes, top bits 01.
Written independently of the C codec so the test data checks it. Dates: YYYYMMDDhhmmssZ."""
import hashlib
import sys


def parse(s):
    return int(s[0:4]), int(s[4:6]), int(s[6:8]), int(s[8:10]), int(s[10:12]), int(s[12:14])


def main():
    der = open(sys.argv[1], "rb").read()
    x_y = der[-64:]
    y, mo, d, h, _, _ = parse(sys.argv[2])
    ey, emo, ed, eh, emi, es = parse(sys.argv[3])
    max_dates = {(9999, 12, 31, 23, 59, 59), (2049, 12, 31, 23, 59, 59)}
    exp = 0 if (ey, emo, ed, eh, emi, es) in max_dates else ey - y
    fmt = 0 if (y <= 2031 and exp <= 31) else 1
    yy = y - 2000
    dates = bytes([
        ((yy & 0x1F) << 3) | ((mo >> 1) & 7),
        ((mo & 1) << 7) | ((d & 0x1F) << 2) | ((h >> 3) & 3),
        ((h & 7) << 5) | (exp & 0x1F),
    ])
    if fmt >= 1:
        dates += bytes([((yy & 0x60) << 1) | ((exp & 0x60) >> 1)])
    sn = bytearray(hashlib.sha256(x_y + dates).digest()[:16])
    sn[0] = (sn[0] & 0x7F) | 0x40
    print(sn.hex().upper())


main()
