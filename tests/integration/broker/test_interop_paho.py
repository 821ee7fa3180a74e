"""test_interop_paho.py - moatd against the Python paho-mqtt client (Debian python3-paho-mqtt):
QoS 0/1/2, retained, will, persistent sessions, takeover and overlap in the mqtt profile; the
AWS IoT rules of the aws profile (QoS 2 refused, 128 KB payload, keep-alive clamp, client id
length, '$' client ids, reserved '$aws/' topics); malformed packets over a raw socket."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time

try:
    import paho.mqtt.client as mqtt
except ImportError:  # a python3 other than Debian's (pyenv): use the Debian package anyway
    sys.path.append("/usr/lib/python3/dist-packages")
    import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mqtt_raw  # noqa: E402

BUILD = os.environ.get("MOAT_BUILD_DIR", "build")
MOATD = os.path.join(BUILD, "moatd")
TMP = tempfile.mkdtemp(prefix="moat-paho-")
RESULTS = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Broker:
    def __init__(self, profile):
        self.port = free_port()
        self.log = os.path.join(TMP, "moatd-%s.log" % profile)
        self.proc = subprocess.Popen([MOATD, "--profile", profile, "--listen",
                                      "127.0.0.1:%d" % self.port, "--data-dir",
                                      os.path.join(TMP, "data-" + profile), "--log-file",
                                      self.log])
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("moatd did not start")

    def log_text(self):
        with open(self.log) as f:
            return f.read()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Client:
    """A paho client that records messages and waits for events."""

    def __init__(self, port, cid="", clean=True, will=None, keepalive=60):
        self.c = mqtt.Client(client_id=cid, clean_session=clean)
        self.msgs = []
        self.cv = threading.Condition()
        self.connack = None
        self.disconnected = threading.Event()
        self.c.on_message = self._on_message
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = lambda *a: self.disconnected.set()
        if will:
            self.c.will_set(will[0], will[1], qos=will[2] if len(will) > 2 else 0)
        self.c.connect("127.0.0.1", port, keepalive)
        self.c.loop_start()

    def _on_connect(self, c, u, flags, rc):
        with self.cv:
            self.connack = (rc, flags.get("session present", 0))
            self.cv.notify_all()

    def _on_message(self, c, u, m):
        with self.cv:
            self.msgs.append((m.topic, m.payload, m.qos, m.retain))
            self.cv.notify_all()

    def wait_connack(self, timeout=5):
        with self.cv:
            self.cv.wait_for(lambda: self.connack is not None, timeout)
        return self.connack

    def wait_msgs(self, n, timeout=5):
        with self.cv:
            self.cv.wait_for(lambda: len(self.msgs) >= n, timeout)
            return list(self.msgs)

    def sub(self, topic, qos=0):
        r, mid = self.c.subscribe(topic, qos)
        time.sleep(0.2)

    def pub(self, topic, payload, qos=0, retain=False):
        info = self.c.publish(topic, payload, qos, retain)
        if qos:
            info.wait_for_publish(5)
        return info

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()

    def kill(self):
        """Drops the socket without DISCONNECT (as a crashed client would)."""
        self.c.loop_stop()
        self.c.socket().shutdown(socket.SHUT_RDWR)
        self.c.socket().close()


def case(fn):
    name = fn.__name__
    try:
        fn()
        RESULTS.append((name, None))
        print("ok: " + name, flush=True)
    except Exception as e:  # noqa: BLE001 - any failure is the case's failure
        RESULTS.append((name, e))
        print("FAIL: %s: %r" % (name, e), flush=True)
    return fn


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def raw(b):
    """A raw-socket MQTT connection to broker b, for bytes paho would never send."""
    return mqtt_raw.Client(b.port, timeout=5.0)


def raw_connected(b, cid):
    """A raw connection whose CONNECT as `cid` was accepted."""
    r = raw(b)
    expect(r.connack_code(cid) == 0, "connect")
    return r


def closed_after(r, data):
    """True when the broker closes the connection (sending nothing) after `data`."""
    r.send(data)
    return r.read_packet_or_close(timeout=5) is None


# ---------------------------------------------------------------- mqtt profile
def mqtt_cases(b):
    @case
    def qos_0_1_2_delivered_at_granted_qos():
        s = Client(b.port)
        s.wait_connack()
        s.sub("pq/t", 2)
        p = Client(b.port)
        p.wait_connack()
        for q in (0, 1, 2):
            p.pub("pq/t", b"m%d" % q, q)
        got = s.wait_msgs(3)
        expect([(m[1], m[2]) for m in got] == [(b"m0", 0), (b"m1", 1), (b"m2", 2)], got)
        s.close()
        p.close()

    @case
    def subscription_qos_caps_delivery_qos():
        s = Client(b.port)
        s.wait_connack()
        s.sub("cap/t", 1)
        p = Client(b.port)
        p.wait_connack()
        p.pub("cap/t", b"x", 2)
        got = s.wait_msgs(1)
        expect(got and got[0][2] == 1, got)
        s.close()
        p.close()

    @case
    def retained_set_replace_clear():
        p = Client(b.port)
        p.wait_connack()
        p.pub("pr/t", b"one", 1, retain=True)
        p.pub("pr/t", b"two", 1, retain=True)
        s = Client(b.port)
        s.wait_connack()
        s.sub("pr/+", 1)
        got = s.wait_msgs(1)
        expect(got == [("pr/t", b"two", 1, True)], got)
        p.pub("pr/t", b"", 1, retain=True)
        s2 = Client(b.port)
        s2.wait_connack()
        s2.sub("pr/t", 1)
        expect(s2.wait_msgs(1, timeout=0.5) == [], "cleared retained message still sent")
        for c in (p, s, s2):
            c.close()

    @case
    def will_on_abnormal_close_not_on_disconnect():
        s = Client(b.port)
        s.wait_connack()
        s.sub("pw/#", 1)
        polite = Client(b.port, cid="pw-polite", will=("pw/polite", b"no", 1))
        polite.wait_connack()
        polite.close()
        crash = Client(b.port, cid="pw-crash", will=("pw/crash", b"yes", 1))
        crash.wait_connack()
        crash.kill()
        got = s.wait_msgs(1)
        time.sleep(0.3)
        expect([m[0] for m in s.msgs] == ["pw/crash"], s.msgs)
        s.close()

    @case
    def persistent_session_gets_queued_qos1_with_session_present():
        s = Client(b.port, cid="pp-keep", clean=False)
        s.wait_connack()
        s.sub("pp/t", 1)
        s.close()
        p = Client(b.port)
        p.wait_connack()
        p.pub("pp/t", b"queued", 1)
        p.close()
        s = Client(b.port, cid="pp-keep", clean=False)
        expect(s.wait_connack() == (0, 1), s.connack)
        got = s.wait_msgs(1)
        expect(got and got[0][1] == b"queued", got)
        s.close()

    @case
    def clean_session_discards_previous_state():
        s = Client(b.port, cid="pc-clean", clean=False)
        s.wait_connack()
        s.sub("pc/t", 1)
        s.close()
        s = Client(b.port, cid="pc-clean", clean=True)
        expect(s.wait_connack() == (0, 0), s.connack)
        p = Client(b.port)
        p.wait_connack()
        p.pub("pc/t", b"x", 1)
        expect(s.wait_msgs(1, timeout=0.5) == [], "old subscription survived clean session")
        s.close()
        p.close()

    @case
    def takeover_disconnects_older_client():
        old = raw(b)
        expect(old.connack_code("pt-twin") == 0, "first connect")
        new = Client(b.port, cid="pt-twin")
        expect(new.wait_connack()[0] == 0, new.connack)
        expect(old.read_packet_or_close(timeout=5) is None, "old connection still open")
        new.close()

    @case
    def overlapping_filters_one_delivery_at_highest_qos():
        s = Client(b.port)
        s.wait_connack()
        s.sub("po/#", 0)
        s.sub("po/+", 1)
        s.sub("po/x", 0)
        p = Client(b.port)
        p.wait_connack()
        p.pub("po/x", b"once", 1)
        s.wait_msgs(1)
        time.sleep(0.3)
        expect([(m[1], m[2]) for m in s.msgs] == [(b"once", 1)], s.msgs)
        s.close()
        p.close()

    @case
    def malformed_packet_closes_and_log_names_codec_error_and_client():
        r = raw_connected(b, "pm-bad")
        r.send(b"\x30\x05\x00\x09abc")  # topic length runs past the packet
        expect(r.read_packet_or_close(timeout=5) is None,
               "connection stays open after a malformed packet")
        time.sleep(0.2)
        line = [l for l in b.log_text().splitlines() if "pm-bad" in l and "decode" in l]
        expect(line and "malformed packet" in line[0], line)
        ok = Client(b.port)
        expect(ok.wait_connack()[0] == 0, "broker no longer accepts clients")
        ok.close()

    @case
    def packet_before_connect_closes():
        r = raw(b)
        expect(closed_after(r, mqtt_raw.publish_pkt("x", b"y")), "PUBLISH before CONNECT accepted")

    @case
    def empty_client_id_with_persistent_session_refused_with_connack_2():
        r = raw(b)
        expect(r.connack_code("", clean=False) == 2, "expected CONNACK 0x02")


# ---------------------------------------------------------------- aws profile
def aws_cases(b):
    @case
    def aws_qos2_publish_closes_connection():
        r = raw_connected(b, "aq-2")
        pkt = mqtt_raw.publish_pkt("a/t", b"x", qos=2, pid=1)
        expect(closed_after(r, pkt), "QoS 2 publish was answered")
        time.sleep(0.1)
        expect("QoS 2 PUBLISH refused" in b.log_text(), "reason not logged")

    @case
    def aws_qos2_subscribe_closes_without_suback():
        r = raw_connected(b, "aq-2s")
        pkt = mqtt_raw.subscribe_pkt(1, [("a/t", 2)])
        expect(closed_after(r, pkt), "QoS 2 subscribe got a SUBACK")

    @case
    def aws_oversize_payload_closes_connection():
        c = Client(b.port, cid="ao-big")
        c.wait_connack()
        c.pub("a/big", b"x" * (128 * 1024 + 1), 0)
        expect(c.disconnected.wait(5), "oversize publish did not close the connection")
        c.c.loop_stop()
        time.sleep(0.1)
        expect("exceeds the 131072-byte limit" in b.log_text(), "payload rule not logged")

    @case
    def aws_payload_under_limit_delivered():
        s = Client(b.port, cid="ao-sub")
        s.wait_connack()
        s.sub("a/ok", 1)
        p = Client(b.port, cid="ao-pub")
        p.wait_connack()
        p.pub("a/ok", b"y" * (100 * 1024), 1)
        got = s.wait_msgs(1)
        expect(got and len(got[0][1]) == 100 * 1024, "not delivered")
        s.close()
        p.close()

    @case
    def aws_keepalive_clamped_to_30_and_1200():
        low = raw(b)
        expect(low.connack_code("ak-low", keepalive=1) == 0, "connect")
        zero = raw(b)
        expect(zero.connack_code("ak-zero", keepalive=0) == 0, "connect")
        high = raw(b)
        expect(high.connack_code("ak-high", keepalive=5000) == 0, "connect")
        time.sleep(2.0)  # a 1 s keep-alive would have expired at 1.5 s
        low.sock.settimeout(0.1)
        try:
            data = low.sock.recv(1)
            expect(data != b"", "keep-alive 1 was not raised to 30: connection closed")
        except socket.timeout:
            pass
        log = b.log_text()
        for cid, ka in (("ak-low", 30), ("ak-zero", 1200), ("ak-high", 1200)):
            expect(re.search(r"client=%s .*keepalive=%d\b" % (cid, ka), log), (cid, ka))

    @case
    def aws_client_id_longer_than_128_refused():
        r = raw(b)
        expect(r.connack_code("x" * 129) is None, "129-byte client id accepted")
        ok = raw(b)
        expect(ok.connack_code("y" * 128) == 0, "128-byte client id refused")

    @case
    def aws_dollar_client_id_refused():
        r = raw(b)
        expect(r.connack_code("$reserved") is None, "'$' client id accepted")

    @case
    def aws_publish_to_undefined_aws_topic_refused_and_logged():
        r = raw_connected(b, "ar-res")
        pkt = mqtt_raw.publish_pkt("$aws/nothing/here", b"x", qos=1, pid=1)
        expect(closed_after(r, pkt), "publish to reserved topic accepted")
        time.sleep(0.1)
        expect("reserved topic '$aws/nothing/here'" in b.log_text(), "reason not logged")

    @case
    def aws_more_than_8_filters_in_one_subscribe_closes():
        r = raw_connected(b, "as-9")
        pkt = mqtt_raw.subscribe_pkt(1, [("f/%d" % i, 1) for i in range(9)])
        expect(closed_after(r, pkt), "9 filters were accepted")

    @case
    def aws_51st_subscription_gets_suback_failure():
        r = raw_connected(b, "as-51")
        codes = b""
        for k in range(7):  # 7 x 8 = 56 filters
            r.send(mqtt_raw.subscribe_pkt(k + 1, [("s/%d/%d" % (k, i), 1) for i in range(8)]))
            first, body = r.read_packet(timeout=5)
            expect(first >> 4 == 9, "expected SUBACK")
            codes += body[2:]
        expect(codes[:50] == b"\x01" * 50 and codes[50:] == b"\x80" * 6, codes)

    @case
    def aws_retained_sent_only_to_exact_topic_subscriptions():
        p = Client(b.port, cid="ar-pub")
        p.wait_connack()
        p.pub("ret/a", b"kept", 1, retain=True)
        wild = Client(b.port, cid="ar-wild")
        wild.wait_connack()
        wild.sub("ret/#", 1)
        exact = Client(b.port, cid="ar-exact")
        exact.wait_connack()
        exact.sub("ret/a", 1)
        got = exact.wait_msgs(1)
        expect(got == [("ret/a", b"kept", 1, True)], got)
        expect(wild.msgs == [], wild.msgs)
        for c in (p, wild, exact):
            c.close()

    @case
    def aws_hash_does_not_match_parent_level():
        s = Client(b.port, cid="ah-sub")
        s.wait_connack()
        s.sub("sport/#", 1)
        p = Client(b.port, cid="ah-pub")
        p.wait_connack()
        p.pub("sport", b"parent", 1)
        p.pub("sport/tennis", b"child", 1)
        s.wait_msgs(1)
        time.sleep(0.3)
        expect([m[1] for m in s.msgs] == [b"child"], s.msgs)
        s.close()
        p.close()


def main():
    for profile, cases in (("mqtt", mqtt_cases), ("aws", aws_cases)):
        b = Broker(profile)
        try:
            cases(b)
        finally:
            b.stop()
        if b.proc.returncode != 0:
            RESULTS.append(("moatd exit (%s)" % profile, b.proc.returncode))
            print("FAIL: moatd exited with %d" % b.proc.returncode)
    failed = [r for r in RESULTS if r[1] is not None]
    print("%d passed, %d failed" % (len(RESULTS) - len(failed), len(failed)))
    subprocess.run(["rm", "-rf", TMP])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
