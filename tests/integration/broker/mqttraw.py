"""mqttraw.py - a minimal MQTT 3.1.1 client over a raw socket, for broker tests that need
exact control of the bytes (keep-alive silence, takeover, malformed packets, per-filter QoS).

Command line (used by the shell tests):
  mqttraw.py PORT keepalive-silence CLIENT_ID KEEPALIVE WILL_TOPIC WILL_PAYLOAD
      connects with a will, then sends nothing; prints "closed after S.SS s" when the broker
      closes the socket.
  mqttraw.py PORT hold CLIENT_ID WILL_TOPIC WILL_PAYLOAD
      connects with a will and waits; prints "closed" when the broker closes the connection.
  mqttraw.py PORT receive-noack CLIENT_ID TOPIC
      connects with clean session 0, subscribes TOPIC at QoS 1, prints the first message as
      "dup=D payload=P" and disconnects WITHOUT acknowledging it.
  mqttraw.py PORT overlap TOPIC_PREFIX
      subscribes PREFIX/# at QoS 0 and PREFIX/+ at QoS 1, publishes PREFIX/x at QoS 1 from a
      second connection, and prints one line per delivery: "qos=Q topic=T".
"""
import socket
import struct
import sys
import time


def _str(s):
    b = s.encode() if isinstance(s, str) else s
    return struct.pack("!H", len(b)) + b


def _varint(n):
    out = bytearray()
    while True:
        d = n % 128
        n //= 128
        out.append(d | (0x80 if n else 0))
        if not n:
            return bytes(out)


def packet(first, body):
    return bytes([first]) + _varint(len(body)) + body


def connect_packet(client_id, keepalive=60, clean=True, will=None, will_qos=0):
    flags = 0x02 if clean else 0
    payload = _str(client_id)
    if will:
        flags |= 0x04 | (will_qos << 3)
        payload += _str(will[0]) + _str(will[1])
    body = _str("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive) + payload
    return packet(0x10, body)


def publish_packet(topic, payload, qos=0, pid=1, retain=False):
    body = _str(topic) + (struct.pack("!H", pid) if qos else b"") + payload
    return packet(0x30 | (qos << 1) | (1 if retain else 0), body)


def subscribe_packet(pid, filters):
    body = struct.pack("!H", pid) + b"".join(_str(f) + bytes([q]) for f, q in filters)
    return packet(0x82, body)


class Conn:
    def __init__(self, port, timeout=5.0):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def read_packet(self):
        """Returns (type, flags, body), or None when the broker closed the connection."""
        while True:
            if len(self.buf) >= 2:
                mult, n, i = 1, 0, 1
                while i < len(self.buf):
                    b = self.buf[i]
                    n += (b & 0x7F) * mult
                    mult *= 128
                    i += 1
                    if not b & 0x80:
                        if len(self.buf) >= i + n:
                            first = self.buf[0]
                            body = self.buf[i:i + n]
                            self.buf = self.buf[i + n:]
                            return first >> 4, first & 0x0F, body
                        break
            try:
                chunk = self.s.recv(65536)
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                return None
            self.buf += chunk

    def connect(self, client_id, **kw):
        self.send(connect_packet(client_id, **kw))
        p = self.read_packet()
        if p is None or p[0] != 2:
            return None
        return p[2][1]  # return code

    def close(self):
        self.s.close()


def parse_publish(flags, body):
    tl = struct.unpack("!H", body[:2])[0]
    topic = body[2:2 + tl].decode()
    qos = (flags >> 1) & 3
    rest = body[2 + tl:]
    pid = None
    if qos:
        pid = struct.unpack("!H", rest[:2])[0]
        rest = rest[2:]
    return topic, qos, pid, rest, bool(flags & 1)


def keepalive_silence(port, cid, ka, wt, wp):
    c = Conn(port, timeout=30)
    if c.connect(cid, keepalive=int(ka), will=(wt, wp.encode())) != 0:
        print("connect refused")
        return 1
    t0 = time.monotonic()
    p = c.read_packet()
    print("closed after %.2f s" % (time.monotonic() - t0) if p is None else "unexpected packet")
    return 0


def hold(port, cid, wt, wp):
    c = Conn(port, timeout=30)
    if c.connect(cid, will=(wt, wp.encode())) != 0:
        print("connect refused")
        return 1
    print("connected", flush=True)
    p = c.read_packet()
    print("closed" if p is None else "unexpected packet", flush=True)
    return 0


def receive_noack(port, cid, topic):
    c = Conn(port)
    if c.connect(cid, clean=False) != 0:
        print("connect refused")
        return 1
    c.send(subscribe_packet(1, [(topic, 1)]))
    while True:
        p = c.read_packet()
        if p is None:
            print("closed")
            return 1
        if p[0] == 3:
            t, qos, pid, payload, _ = parse_publish(p[1], p[2])
            print("dup=%d payload=%s" % ((p[1] >> 3) & 1, payload.decode()), flush=True)
            c.send(packet(0xE0, b""))  # DISCONNECT, the PUBLISH stays unacknowledged
            c.close()
            return 0


def overlap(port, prefix):
    sub = Conn(port)
    sub.connect(prefix + "-sub")
    sub.send(subscribe_packet(1, [(prefix + "/#", 0), (prefix + "/+", 1)]))
    sub.read_packet()  # SUBACK
    pub = Conn(port)
    pub.connect(prefix + "-pub")
    pub.send(publish_packet(prefix + "/x", b"once", qos=1, pid=7))
    pub.read_packet()  # PUBACK
    pub.send(publish_packet(prefix + "/end", b"end", qos=0))
    while True:
        p = sub.read_packet()
        if p is None or p[0] != 3:
            break
        topic, qos, pid, payload, _ = parse_publish(p[1], p[2])
        if qos:
            sub.send(packet(0x40, struct.pack("!H", pid)))
        print("qos=%d topic=%s" % (qos, topic), flush=True)
        if topic.endswith("/end"):
            break
    return 0


if __name__ == "__main__":
    port, cmd, args = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    fn = {"keepalive-silence": keepalive_silence, "hold": hold, "overlap": overlap,
          "receive-noack": receive_noack}[cmd]
    sys.exit(fn(port, *args))
