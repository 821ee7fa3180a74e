# tests/integration/broker/mqtt_raw.py - a minimal MQTT 3.1.1 client over raw sockets for the
# robustness and persistence tests: it can send exactly the bytes a test wants (malformed,
# slow, never reading) and reads packets back. Not a test itself (no test_ prefix).
import select
import socket
import struct
import time


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mstr(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack(">H", len(b)) + b


def packet(first_byte, body):
    return bytes([first_byte]) + varint(len(body)) + body


def connect_pkt(client_id, clean=True, keepalive=60):
    flags = 0x02 if clean else 0x00
    body = mstr("MQTT") + bytes([4, flags]) + struct.pack(">H", keepalive) + mstr(client_id)
    return packet(0x10, body)


def publish_pkt(topic, payload, qos=0, pid=1, retain=False):
    body = mstr(topic) + (struct.pack(">H", pid) if qos else b"") + payload
    return packet(0x30 | (qos << 1) | (1 if retain else 0), body)


def subscribe_pkt(pid, filters):
    body = struct.pack(">H", pid) + b"".join(mstr(f) + bytes([q]) for f, q in filters)
    return packet(0x82, body)


def puback_pkt(pid):
    return bytes([0x40, 2]) + struct.pack(">H", pid)


PINGREQ = bytes([0xC0, 0])
DISCONNECT = bytes([0xE0, 0])


class Client:
    """A blocking MQTT connection with a packet reader; `sock` is exposed for raw writes."""

    def __init__(self, port, host="127.0.0.1", timeout=10.0, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no packet in time")
        self.sock.settimeout(left)
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by broker")
        self.buf += chunk

    def read_packet(self, timeout=10.0):
        """Returns (first_byte, body) of the next packet."""
        deadline = time.monotonic() + timeout
        while True:
            if len(self.buf) >= 2:
                mult, length, i = 1, 0, 1
                while i < len(self.buf):
                    b = self.buf[i]
                    length += (b & 0x7F) * mult
                    mult *= 128
                    i += 1
                    if not b & 0x80:
                        break
                else:
                    i = -1
                if i > 0 and len(self.buf) >= i + length and not self.buf[i - 1] & 0x80:
                    first, body = self.buf[0], self.buf[i:i + length]
                    self.buf = self.buf[i + length:]
                    return first, body
            self._fill(deadline)

    def connect(self, client_id, clean=True, keepalive=60):
        self.send(connect_pkt(client_id, clean, keepalive))
        first, body = self.read_packet()
        if first >> 4 != 2 or body[1] != 0:
            raise RuntimeError("CONNACK refused: %r" % ((first, body),))
        return body[0] & 1  # session present

    def subscribe(self, filters, pid=1):
        self.send(subscribe_pkt(pid, filters))
        while True:
            first, body = self.read_packet()
            if first >> 4 == 9:
                return list(body[2:])

    def ping(self, timeout=10.0):
        self.send(PINGREQ)
        while True:
            first, _ = self.read_packet(timeout)
            if first >> 4 == 13:
                return

    def read_publish(self, timeout=10.0, ack=True):
        """Returns (topic, payload, qos, retain) of the next PUBLISH, acking QoS 1."""
        while True:
            first, body = self.read_packet(timeout)
            if first >> 4 != 3:
                continue
            qos = (first >> 1) & 3
            tlen = struct.unpack(">H", body[:2])[0]
            topic = body[2:2 + tlen].decode()
            off = 2 + tlen
            if qos:
                pid = struct.unpack(">H", body[off:off + 2])[0]
                off += 2
                if ack and qos == 1:
                    self.send(puback_pkt(pid))
            return topic, body[off:], qos, bool(first & 1)

    def closed_by_peer(self, timeout=5.0):
        """True if the broker closes the connection within timeout (data before EOF ignored)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.sock], [], [], deadline - time.monotonic())
            if not r:
                break
            try:
                if not self.sock.recv(65536):
                    return True
            except (ConnectionResetError, BrokenPipeError):
                return True
        return False

    def close(self):
        self.sock.close()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# --- running moatd from a test ---

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, secs=15.0):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("port %d did not open within %.0fs" % (port, secs))


class Moatd:
    """Starts $MOAT_BUILD_DIR/moatd on a free 127.0.0.1 port with its own data dir; always
    stopped at exit. Extra flags go to the command line."""

    def __init__(self, *flags, data_dir=None, port=None):
        build = os.environ.get("MOAT_BUILD_DIR") or os.path.join(
            os.path.dirname(__file__), "..", "..", "..", "build")
        self.binary = os.path.join(build, "moatd")
        self.tmp = tempfile.mkdtemp(prefix="moat-test.")
        atexit.register(shutil.rmtree, self.tmp, True)
        self.data_dir = data_dir or os.path.join(self.tmp, "data")
        self.port = port or free_port()
        self.flags = list(flags)
        self.proc = None
        self.log_path = os.path.join(self.tmp, "moatd.log")
        atexit.register(self.stop)

    def start(self):
        env = dict(os.environ)
        # ASan keeps freed memory in a quarantine (256 MB by default): keep it small so that
        # memory-bound checks measure the broker, not the sanitizer.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "detect_leaks=1") + \
            ":quarantine_size_mb=8:malloc_context_size=5"
        cmd = [self.binary, "--profile", "mqtt", "--listen", "127.0.0.1:%d" % self.port,
               "--data-dir", self.data_dir, "--log-file", self.log_path] + self.flags
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log_path + ".stderr", "ab"))
        wait_port(self.port)
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self):
        """SIGTERM and wait; returns the exit code (None if not running)."""
        if not self.proc:
            return None
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        return rc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        text = ""
        for p in (self.log_path, self.log_path + ".stderr"):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()
        return text

    def client(self, client_id=None, clean=True, **kw):
        c = Client(self.port, **kw)
        if client_id:
            c.connect(client_id, clean)
        return c


class Cases:
    """t_case/t_pass/t_fail for Python tests; `done()` prints the summary and exits."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def run(self, name, fn):
        print("---", name, flush=True)
        try:
            fn()
            self.passed += 1
            print("ok:", name, flush=True)
        except Exception as e:  # a failed case must not stop the others
            self.failed += 1
            print("FAIL: %s: %s: %s" % (name, type(e).__name__, e), file=sys.stderr, flush=True)

    def done(self, broker=None):
        if broker is not None and self.failed:
            sys.stderr.write("--- moatd log (tail)\n" + broker.log()[-4000:])
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
