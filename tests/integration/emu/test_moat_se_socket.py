#!/usr/bin/env python3
"""test_moat_se_socket.py - drives a real `moat-se --socket` process with the raw socket
protocol of docs/emulator.md (wake, Info, Read, UpdateExtra), checks that malformed requests
are rejected without killing the server, that SIGTERM removes the socket, and that the EEPROM
image survives a restart."""
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("MOAT_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../../build"))
MOAT_SE = os.path.join(BUILD, "moat-se")
ADDR = 0x60
failures = 0


def crc16(data):
    reg = 0
    for byte in data:
        for bit in range(8):
            data_bit = (byte >> bit) & 1
            crc_bit = reg >> 15
            reg = (reg << 1) & 0xFFFF
            if data_bit != crc_bit:
                reg ^= 0x8005
    return bytes([reg & 0xFF, reg >> 8])


def packet(opcode, p1, p2, data=b""):
    body = bytes([7 + len(data), opcode, p1, p2 & 0xFF, p2 >> 8]) + data
    return body + crc16(body)


def check(name, cond, detail=""):
    global failures
    if cond:
        print("ok: " + name)
    else:
        failures += 1
        print("FAIL: %s %s" % (name, detail), file=sys.stderr)


class Bus:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)

    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.s.recv(n - len(buf))
            if not chunk:
                raise EOFError("server closed the connection")
            buf += chunk
        return buf

    def request(self, kind, addr, payload=b""):
        self.s.sendall(bytes([kind, addr]) + struct.pack(">H", len(payload)) + payload)
        return self.recv_exact(1)[0]

    def wake(self):
        return self.request(0x4B, 0)

    def write(self, data, addr=ADDR):
        return self.request(0x57, addr, data)

    def read(self, n, addr=ADDR):
        ack = self.request(0x52, addr, struct.pack(">H", n))
        return ack, (self.recv_exact(n) if ack == 0 else b"")

    def command(self, opcode, p1, p2, data=b""):
        """Send a command, then read it back as cryptoauthlib does (count, then the rest)."""
        assert self.write(b"\x03" + packet(opcode, p1, p2, data)) == 0
        assert self.write(b"\x00") == 0
        ack, count = self.read(1)
        assert ack == 0
        ack, rest = self.read(count[0] - 1)
        grp = count + rest
        assert crc16(grp[:-2]) == grp[-2:], "response CRC"
        return grp[1:-2]

    def close(self):
        self.s.close()


def start(sock, image, *extra):
    proc = subprocess.Popen([MOAT_SE, "--socket", sock, "--image", image, *extra],
                            stderr=subprocess.PIPE, text=True)
    for _ in range(200):
        if os.path.exists(sock):
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError("moat-se did not create %s: %s" % (sock, proc.stderr.read()))


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    return rc, proc.stderr.read()


def expect_rejected(sock, raw, name):
    b = Bus(sock)
    b.s.sendall(raw)
    reply = b.recv_exact(1)[0]
    try:
        closed = b.s.recv(1) == b""
    except OSError:
        closed = True
    b.close()
    check(name, reply == 0xFF and closed, "reply 0x%02X closed=%s" % (reply, closed))


def main():
    tmp = tempfile.mkdtemp(prefix="moat-se-test.")
    sock = os.path.join(tmp, "se.sock")
    image = os.path.join(tmp, "chip.img")
    proc = start(sock, image)
    try:
        bus = Bus(sock)
        ack, _ = bus.read(4)
        check("asleep chip NACKs a read", ack == 1)
        check("wake pulse is acknowledged", bus.wake() == 0)
        ack, wake = bus.read(4)
        check("wake response is 04 11 33 43", ack == 0 and wake == bytes.fromhex("04113343"),
              wake.hex())
        ack, _ = bus.read(4, addr=0x35)
        check("wrong address NACKs", ack == 1)
        rev = bus.command(0x30, 0x00, 0x0000)
        check("Info returns revision 00 00 60 03", rev == bytes.fromhex("00006003"), rev.hex())
        cfg = bus.command(0x02, 0x80, 0x0000)
        check("Read config block 0 gives the serial number",
              len(cfg) == 32 and cfg[0:2] == b"\x01\x23" and cfg[12] == 0xEE, cfg.hex())
        bad = bytearray(b"\x03" + packet(0x30, 0, 0))
        bad[-1] ^= 0xFF
        bus.write(bytes(bad))
        bus.write(b"\x00")
        _, grp = bus.read(4)
        check("bad CRC answers status 0xFF", grp == bytes.fromhex("04ff0142"), grp.hex())
        status = bus.command(0x08, 0, 0)  # MAC: not emulated
        check("unemulated opcode answers parse error", status == b"\x03", status.hex())
        status = bus.command(0x20, 0x00, 0x42)  # UpdateExtra byte 84 = 0x42
        check("UpdateExtra succeeds", status == b"\x00", status.hex())
        bus.write(b"\x01")  # sleep
        bus.close()

        expect_rejected(sock, b"Z\x60\x00\x00", "unknown kind is rejected")
        expect_rejected(sock, b"R\x60\x00\x03\x00\x00\x04",
                        "read with a 3-byte payload is rejected")
        expect_rejected(sock, b"R\x60\x00\x02\x01\x00", "read of 256 bytes is rejected")
        expect_rejected(sock, b"K\x00\x00\x01\x00", "wake with a payload is rejected")
        expect_rejected(sock, b"W\x60\xff\xff", "oversized write is rejected")
        # A client that disconnects mid-request must not take the server down.
        b = Bus(sock)
        b.s.sendall(b"W\x60\x00\x10\x03")
        b.close()
        bus = Bus(sock)
        check("server still serves after malformed requests", bus.wake() == 0)
        bus.close()
    finally:
        rc, err = stop(proc)
    check("SIGTERM exits cleanly", rc == 0, "rc=%s stderr=%s" % (rc, err))
    check("SIGTERM removes the socket", not os.path.exists(sock))
    check("malformed requests are logged", "malformed request" in err, err)

    proc = start(sock, image)
    try:
        bus = Bus(sock)
        bus.wake()
        bus.read(4)
        word = bus.command(0x02, 0x00, 0x0015)  # config bytes 84..87
        check("EEPROM survives a restart", word[0] == 0x42, word.hex())
        bus.close()
    finally:
        stop(proc)

    dump = subprocess.run([MOAT_SE, "--image", image, "--dump"], capture_output=True, text=True)
    check("--dump prints serial and lock state",
          dump.returncode == 0 and "01234D4F41545345EE" in dump.stdout
          and "config zone: unlocked" in dump.stdout, dump.stdout + dump.stderr)
    with open(image, "r+b") as f:
        f.truncate(10)
    dump = subprocess.run([MOAT_SE, "--image", image, "--dump"], capture_output=True, text=True)
    check("corrupt image is reported with its name and expected size",
          dump.returncode != 0 and image in dump.stderr and "expected 1410" in dump.stderr,
          dump.stderr)
    os.unlink(image)

    other = os.path.join(tmp, "tng.img")
    proc = start(sock, other, "--address", "0x35")
    try:
        bus = Bus(sock)
        bus.wake()
        ack35, grp = bus.read(4, addr=0x35)
        ack60, _ = bus.read(1, addr=0x60)
        check("--address 0x35 moves the chip to 0x35",
              ack35 == 0 and grp == bytes.fromhex("04113343") and ack60 == 1)
        bus.close()
    finally:
        stop(proc)
    bad = subprocess.run([MOAT_SE, "--image", other, "--address", "0x99", "--dump"],
                         capture_output=True, text=True)
    check("--address outside 0x08..0x77 is refused", bad.returncode != 0 and "0x08..0x77"
          in bad.stderr, bad.stderr)
    os.unlink(other)
    os.rmdir(tmp)
    print("%d failure(s)" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
