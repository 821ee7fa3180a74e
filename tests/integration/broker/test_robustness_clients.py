# test_robustness_clients.py - moatd under hostile or broken clients: malformed packets close
# only the offending connection, a CONNECT sent one byte per second blocks nobody and is cut by
# connect_timeout, a subscriber that never reads cannot stall others or grow the broker's memory.
import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqtt_raw import (Cases, Moatd, check, connect_pkt, mstr, packet, publish_pkt,  # noqa: E402
                      rss_kb, subscribe_pkt)

SANITIZED = os.environ.get("MOAT_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")

broker = Moatd("--connect-timeout", "3", "--sys-interval", "1").start()
cases = Cases()


def watcher():
    """A connected subscriber on robust/#: the 'other client' that must not be disturbed."""
    w = broker.client("watcher")
    check(w.subscribe([("robust/#", 0)]) == [0], "watcher SUBACK")
    return w


def assert_still_delivers(w, tag):
    p = broker.client("pub-" + tag)
    p.send(publish_pkt("robust/" + tag, tag.encode()))
    p.ping()
    topic, payload, _, _ = w.read_publish(timeout=5)
    check((topic, payload) == ("robust/" + tag, tag.encode()),
          "watcher got %r instead of the %s message" % ((topic, payload), tag))
    p.close()


MALFORMED = {
    "reserved packet type 0": bytes([0x00, 0x00]),
    "reserved packet type 15": bytes([0xF0, 0x00]),
    "remaining length of 5 bytes": bytes([0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
    "CONNECT with protocol name MQTX": packet(0x10, mstr("MQTX") + bytes([4, 2, 0, 60]) +
                                              mstr("x")),
    "CONNECT with reserved flag set": packet(0x10, mstr("MQTT") + bytes([4, 3, 0, 60]) +
                                             mstr("x")),
    "CONNECT truncated client id": packet(0x10, mstr("MQTT") + bytes([4, 2, 0, 60, 0, 50]) +
                                          b"abc"),
    "PUBLISH before CONNECT": publish_pkt("robust/x", b"x"),
    "garbage bytes": os.urandom(64).replace(b"\x10", b"\x11") + b"\x00" * 8,
    "second CONNECT": connect_pkt("twice") + connect_pkt("twice"),
    "PUBLISH QoS 3": connect_pkt("q3") + packet(0x36, mstr("robust/x") + b"\x00\x01x"),
    "SUBSCRIBE with QoS 3": connect_pkt("s3") + subscribe_pkt(1, [("robust/#", 3)]),
    "SUBSCRIBE with bad flags": connect_pkt("sf") + packet(0x80, b"\x00\x01" + mstr("a") +
                                                          b"\x00"),
    "PUBLISH topic with wildcard": connect_pkt("wc") + publish_pkt("robust/#", b"x"),
    "PUBLISH topic with invalid UTF-8": connect_pkt("u8") + packet(0x30, b"\x00\x02\xc3\x28x"),
    "packet larger than max_packet": connect_pkt("big") + bytes([0x30, 0xFF, 0xFF, 0xFF, 0x7F]),
}


def test_malformed_packets_close_only_the_offender():
    w = watcher()
    for name, data in MALFORMED.items():
        c = broker.client()
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        check(c.closed_by_peer(5), "connection stayed open after: " + name)
        c.close()
    check(broker.alive(), "moatd died")
    assert_still_delivers(w, "after-malformed")
    w.close()


def test_slow_connect_blocks_nobody_and_is_cut_by_connect_timeout():
    w = watcher()
    slow = broker.client()
    data = connect_pkt("slowloris")
    state = {"sent": 0, "closed_at": None}
    start = time.monotonic()

    def dribble():
        try:
            for b in data:
                slow.send(bytes([b]))
                state["sent"] += 1
                time.sleep(1.0)
        except OSError:
            state["closed_at"] = time.monotonic() - start

    t = threading.Thread(target=dribble, daemon=True)
    t.start()
    time.sleep(1.5)
    t0 = time.monotonic()
    assert_still_delivers(w, "during-slow-connect")
    check(time.monotonic() - t0 < 2.0, "a normal client waited for the slow CONNECT")
    # connect_timeout is 3 s: the broker must close the dribbling socket well before the
    # ~20 s the whole CONNECT would take
    check(slow.closed_by_peer(8), "the slow CONNECT was not cut by connect_timeout")
    elapsed = time.monotonic() - start
    check(elapsed < 9, "cut after %.1fs, connect_timeout is 3s" % elapsed)
    check(state["sent"] < len(data), "the whole CONNECT went through")
    slow.close()
    w.close()


def test_a_subscriber_that_never_reads_disturbs_nobody_and_memory_stays_bounded():
    n_msgs, size = 60000, 2048  # 120 MB sent to the stuck subscriber
    stuck = broker.client("stuck", rcvbuf=4096)
    check(stuck.subscribe([("flood/#", 0)]) == [0], "stuck SUBACK")
    good = broker.client("good")
    check(good.subscribe([("flood/#", 0)]) == [0], "good SUBACK")
    pub = broker.client("flooder")
    rss_before = rss_kb(broker.proc.pid)
    received = {"n": 0}

    def reader():
        try:
            while received["n"] < n_msgs:
                good.read_publish(timeout=20)
                received["n"] += 1
        except (OSError, TimeoutError):
            pass

    t = threading.Thread(target=reader)
    t.start()
    batch = b"".join(publish_pkt("flood/data", b"x" * size) for _ in range(100))
    peak = rss_before
    for i in range(n_msgs // 100):
        pub.send(batch)
        # pace the flood to what the reading subscriber takes (its backlog stays far below
        # max_outgoing_bytes); the stuck one falls behind without limit
        deadline = time.monotonic() + 20
        while received["n"] < (i + 1) * 100 - 200 and time.monotonic() < deadline:
            time.sleep(0.001)
        if i % 20 == 19:
            peak = max(peak, rss_kb(broker.proc.pid))
    pub.ping(timeout=20)
    t.join(30)
    peak = max(peak, rss_kb(broker.proc.pid))
    growth_mb = (peak - rss_before) / 1024
    print("  good subscriber got %d/%d, moatd RSS %d kB -> peak %d kB (+%.1f MB)" %
          (received["n"], n_msgs, rss_before, peak, growth_mb))
    check(received["n"] == n_msgs, "the reading subscriber got %d of %d" %
          (received["n"], n_msgs))
    limit = 64 if SANITIZED else 40
    check(growth_mb < limit, "moatd grew by %.1f MB for a stuck subscriber (limit %d MB)" %
          (growth_mb, limit))
    check(broker.alive(), "moatd died")
    for c in (stuck, good, pub):
        c.close()


def test_sys_topics_report_connections_and_dropped_messages():
    s = broker.client("sys-reader")
    s.subscribe([("$SYS/broker/#", 0)])
    seen = {}
    # the first values are the retained ones of an earlier interval (sys_interval is 1 s):
    # keep the latest value of each topic over 2.5 s
    deadline = time.monotonic() + 2.5
    while time.monotonic() < deadline:
        try:
            topic, payload, _, _ = s.read_publish(timeout=deadline - time.monotonic())
        except TimeoutError:
            break
        seen[topic] = payload.decode()
    print("  " + ", ".join("%s=%s" % (k[12:], v) for k, v in sorted(seen.items())))
    for t in ("clients/connected", "messages/received", "messages/sent", "bytes/received",
              "memory/rss", "messages/dropped"):
        check("$SYS/broker/" + t in seen, "no $SYS/broker/%s in %s" % (t, sorted(seen)))
    check(int(seen["$SYS/broker/clients/connected"]) >= 1, "clients/connected is 0")
    check(int(seen["$SYS/broker/memory/rss"]) > 1000000, "memory/rss implausible")
    n = {k[12:]: int(v) for k, v in seen.items() if v.isdigit()}
    check(n["messages/received"] >= 60000, "messages/received too low")
    check(n["messages/sent"] >= 60000, "messages/sent too low")
    check(n["bytes/received"] >= 60000 * 2048, "bytes/received too low")
    check(n["connections/total"] >= 20, "connections/total too low")
    check(n["messages/dropped"] >= 1000, "the stuck subscriber's drops are not counted")
    s.close()


cases.run("malformed packets close only the offender", test_malformed_packets_close_only_the_offender)
cases.run("slow CONNECT blocks nobody and is cut by connect_timeout",
          test_slow_connect_blocks_nobody_and_is_cut_by_connect_timeout)
cases.run("a subscriber that never reads disturbs nobody, memory bounded",
          test_a_subscriber_that_never_reads_disturbs_nobody_and_memory_stays_bounded)
cases.run("$SYS topics report connections and messages",
          test_sys_topics_report_connections_and_dropped_messages)
rc = broker.stop()
if rc != 0:
    cases.failed += 1
    print("FAIL: moatd exited %r after SIGTERM" % rc, file=sys.stderr)
cases.done(broker)
