# tests/integration/broker/mqtt_raw.py - a minimal MQTT 3.1.1 client over raw sockets for the
# broker tests: it can send exactly the bytes a test wants (malformed, slow, never reading,
# keep-alive silence, takeover) and reads packets back. Not a test itself (no test_ prefix).
#
# Command line (used by the shell tests):
#   mqtt_raw.py PORT keepalive-silence CLIENT_ID KEEPALIVE WILL_TOPIC WILL_PAYLOAD
#       connects with a will, then sends nothing; prints "closed after S.SS s" when the
#       broker closes the socket.
#   mqtt_raw.py PORT hold CLIENT_ID WILL_TOPIC WILL_PAYLOAD
#       connects with a will and waits; prints "closed" when the broker closes the connection.
#   mqtt_raw.py PORT receive-noack CLIENT_ID TOPIC
#       connects with clean session 0, subscribes TOPIC at QoS 1, prints the first message as
#       "dup=D payload=P" and disconnects WITHOUT acknowledging it.
#   mqtt_raw.py PORT overlap TOPIC_PREFIX
#       subscribes PREFIX/# at QoS 0 and PREFIX/+ at QoS 1, publishes PREFIX/x at QoS 1 from a
#       second connection, and prints one line per delivery: "qos=Q topic=T".
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


def connect_pkt(client_id, clean=True, keepalive=60, will=None, will_qos=0):
    """CONNECT; `will` is (topic, payload) or None."""
    flags = 0x02 if clean else 0x00
    payload = mstr(client_id)
    if will:
        flags |= 0x04 | (will_qos << 3)
        payload += mstr(will[0]) + mstr(will[1])
    body = mstr("MQTT") + bytes([4, flags]) + struct.pack(">H", keepalive) + payload
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


def parse_publish(first, body):
    """(topic, payload, qos, pid, retain) of a PUBLISH; pid is None at QoS 0."""
    qos = (first >> 1) & 3
    tlen = struct.unpack(">H", body[:2])[0]
    topic = body[2:2 + tlen].decode()
    off = 2 + tlen
    pid = None
    if qos:
        pid = struct.unpack(">H", body[off:off + 2])[0]
        off += 2
    return topic, body[off:], qos, pid, bool(first & 1)


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

    def read_packet_or_close(self, timeout=10.0):
        """Like read_packet, but None when the broker closes the connection instead."""
        try:
            return self.read_packet(timeout)
        except (ConnectionError, ConnectionResetError):
            return None

    def connect(self, client_id, clean=True, keepalive=60, will=None):
        self.send(connect_pkt(client_id, clean, keepalive, will))
        first, body = self.read_packet()
        if first >> 4 != 2 or body[1] != 0:
            raise RuntimeError("CONNACK refused: %r" % ((first, body),))
        return body[0] & 1  # session present

    def connack_code(self, client_id, clean=True, keepalive=60, will=None):
        """Sends CONNECT; the CONNACK return code, or None when the broker closes instead."""
        self.send(connect_pkt(client_id, clean, keepalive, will))
        p = self.read_packet_or_close()
        if p is None or p[0] >> 4 != 2:
            return None
        return p[1][1]

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
            topic, payload, qos, pid, retain = parse_publish(first, body)
            if ack and qos == 1:
                self.send(puback_pkt(pid))
            return topic, payload, qos, retain

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


# --- command line for the shell tests (see the top of this file) ---

def _connected(port, cid, **kw):
    c = Client(port, timeout=30)
    if c.connack_code(cid, **kw) != 0:
        print("connect refused")
        return None
    return c


def cmd_keepalive_silence(port, cid, ka, wt, wp):
    c = _connected(port, cid, keepalive=int(ka), will=(wt, wp.encode()))
    if not c:
        return 1
    t0 = time.monotonic()
    p = c.read_packet_or_close(timeout=30)
    print("closed after %.2f s" % (time.monotonic() - t0) if p is None else "unexpected packet")
    return 0


def cmd_hold(port, cid, wt, wp):
    c = _connected(port, cid, will=(wt, wp.encode()))
    if not c:
        return 1
    print("connected", flush=True)
    p = c.read_packet_or_close(timeout=30)
    print("closed" if p is None else "unexpected packet", flush=True)
    return 0


def cmd_receive_noack(port, cid, topic):
    c = _connected(port, cid, clean=False)
    if not c:
        return 1
    c.send(subscribe_pkt(1, [(topic, 1)]))
    while True:
        p = c.read_packet_or_close(timeout=5)
        if p is None:
            print("closed")
            return 1
        if p[0] >> 4 == 3:
            _, payload, _, _, _ = parse_publish(*p)
            print("dup=%d payload=%s" % ((p[0] >> 3) & 1, payload.decode()), flush=True)
            c.send(DISCONNECT)  # the PUBLISH stays unacknowledged
            c.close()
            return 0


def cmd_overlap(port, prefix):
    sub = Client(port, timeout=5)
    sub.connack_code(prefix + "-sub")
    sub.send(subscribe_pkt(1, [(prefix + "/#", 0), (prefix + "/+", 1)]))
    sub.read_packet_or_close(timeout=5)  # SUBACK
    pub = Client(port, timeout=5)
    pub.connack_code(prefix + "-pub")
    pub.send(publish_pkt(prefix + "/x", b"once", qos=1, pid=7))
    pub.read_packet_or_close(timeout=5)  # PUBACK
    pub.send(publish_pkt(prefix + "/end", b"end", qos=0))
    while True:
        p = sub.read_packet_or_close(timeout=5)
        if p is None or p[0] >> 4 != 3:
            break
        topic, _, qos, pid, _ = parse_publish(*p)
        if qos:
            sub.send(puback_pkt(pid))
        print("qos=%d topic=%s" % (qos, topic), flush=True)
        if topic.endswith("/end"):
            break
    return 0


if __name__ == "__main__":
    port, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    fn = {"keepalive-silence": cmd_keepalive_silence, "hold": cmd_hold,
          "overlap": cmd_overlap, "receive-noack": cmd_receive_noack}[cmd]
    sys.exit(fn(port, *args))
