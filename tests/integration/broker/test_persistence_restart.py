# test_persistence_restart.py - what moatd acknowledged survives kill -9: QoS 1 messages
# PUBACKed for an offline persistent session are delivered after a restart, subscriptions and
# retained messages (set and cleared) come back, and a SIGTERM restart keeps them too; the
# $SYS topics are retained in memory only, never written to the database.
import os
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqtt_raw import Cases, Moatd, check, publish_pkt  # noqa: E402

cases = Cases()
# a queue large enough that nothing is dropped while the test floods an offline session
broker = Moatd("--max-queued-messages", "50000")


def restart(kill9=True):
    if kill9:
        broker.kill9()
    else:
        check(broker.stop() == 0, "moatd did not exit 0 on SIGTERM")
    broker.start()


def drain(c, timeout=3.0):
    """Every PUBLISH until `timeout` passes without one: list of (topic, payload, retain)."""
    got = []
    while True:
        try:
            topic, payload, _, retain = c.read_publish(timeout=timeout)
        except TimeoutError:
            return got
        got.append((topic, payload, retain))


def send_quietly(client, data):
    try:
        client.send(data)
    except OSError:
        pass  # the broker was killed mid-send


def publish_acked(client_id, topic, payload, pid):
    """Publishes at QoS 1 from a new connection and waits for the PUBACK."""
    pub = broker.client(client_id)
    pub.send(publish_pkt(topic, payload, qos=1, pid=pid))
    first, _ = pub.read_packet(timeout=5)
    check(first >> 4 == 4, "no PUBACK")
    pub.close()


def resume_offline_sub():
    """Reconnects the persistent session 'offline-sub', which must be present: what it gets."""
    sub = broker.client()
    check(sub.connect("offline-sub", clean=False) == 1, "session not present")
    got = drain(sub)
    sub.close()
    return got


def test_acked_qos1_messages_survive_kill9_during_publishing():
    broker.start()
    sub = broker.client()
    check(sub.connect("offline-sub", clean=False) == 0, "fresh session reported present")
    check(sub.subscribe([("persist/#", 1)]) == [1], "SUBACK")
    sub.close()  # now offline: messages are queued in its persistent session
    pub = broker.client("publisher")
    # 20,000 QoS 1 messages pipelined; kill -9 as soon as 2,000 PUBACKs are back, while the
    # broker is still reading, storing and acknowledging the rest
    total, kill_at = 20000, 2000
    data = b"".join(publish_pkt("persist/m", b"msg-%05d" % i, qos=1, pid=i % 65535 + 1)
                    for i in range(total))
    sender = threading.Thread(target=send_quietly, args=(pub, data), daemon=True)
    sender.start()
    acked = set()
    while len(acked) < kill_at:
        first, body = pub.read_packet(timeout=10)
        if first >> 4 == 4:
            acked.add(int.from_bytes(body[:2], "big") - 1)
    broker.kill9()  # no clean shutdown, no final commit
    sender.join(5)
    pub.close()
    broker.start()
    sub = broker.client()
    check(sub.connect("offline-sub", clean=False) == 1, "session not present after restart")
    got = {int(p[4:]) for t, p, _ in drain(sub, timeout=5) if t == "persist/m"}
    missing = sorted(acked - got)
    print("  sent %d, acked %d before kill -9, delivered after restart %d, acked but lost %d"
          % (total, len(acked), len(got), len(missing)))
    check(not missing, "PUBACKed messages lost: %s" % missing[:10])
    check(len(got) < total, "the kill came after everything was stored: not a mid-stream kill")
    sub.close()


def test_subscription_survives_kill9_and_gets_new_messages():
    # the session stored above is offline again; its subscription must route new messages
    restart(kill9=True)
    publish_acked("publisher-2", "persist/after", b"after-restart", 1)
    restart(kill9=True)
    got = resume_offline_sub()
    check(("persist/after", b"after-restart", False) in got, "got %r" % got[:5])


def test_retained_set_and_clear_survive_kill9():
    pub = broker.client("retainer")
    pub.send(publish_pkt("keep/a", b"kept", qos=1, pid=1, retain=True))
    pub.send(publish_pkt("keep/b", b"to-clear", qos=1, pid=2, retain=True))
    pub.send(publish_pkt("keep/b", b"", qos=1, pid=3, retain=True))  # clears keep/b
    pub.send(publish_pkt("keep/c", b"old", qos=1, pid=4, retain=True))
    pub.send(publish_pkt("keep/c", b"new", qos=1, pid=5, retain=True))
    acks = 0
    while acks < 5:
        first, _ = pub.read_packet(timeout=5)
        acks += first >> 4 == 4
    pub.close()
    restart(kill9=True)
    sub = broker.client("retain-reader")
    sub.subscribe([("keep/#", 1)])
    got = sorted(drain(sub, timeout=2))
    check(got == [("keep/a", b"kept", True), ("keep/c", b"new", True)],
          "retained after restart: %r" % got)
    sub.close()


def test_sys_topics_are_retained_in_memory_but_never_stored():
    sub = broker.client("sys-reader")
    sub.subscribe([("$SYS/broker/uptime", 0)])
    got = drain(sub, timeout=1)
    sub.close()
    check(any(t == "$SYS/broker/uptime" and retain for t, _, retain in got),
          "no retained $SYS/broker/uptime: %r" % got)
    check(broker.stop() == 0, "moatd did not exit 0 on SIGTERM")
    db = sqlite3.connect(os.path.join(broker.data_dir, "moatd.db"))
    try:
        topics = [r[0] for r in db.execute("SELECT topic FROM retained")]
    finally:
        db.close()
    broker.start()
    check("keep/a" in topics, "the retained keep/a is not in the database: %r" % topics)
    stored_sys = [t for t in topics if t.startswith("$SYS/")]
    check(stored_sys == [], "$SYS topics were persisted: %r" % stored_sys)


def test_sigterm_restart_keeps_the_session_and_its_queue():
    publish_acked("publisher-3", "persist/term", b"before-sigterm", 9)
    restart(kill9=False)
    got = resume_offline_sub()
    check(("persist/term", b"before-sigterm", False) in got, "got %r" % got[:5])


def test_clean_session_connect_erases_the_stored_session():
    sub = broker.client()
    sub.connect("offline-sub", clean=True)
    sub.close()
    restart(kill9=True)
    pub = broker.client("publisher-4")
    pub.send(publish_pkt("persist/x", b"nobody", qos=1, pid=1))
    pub.read_packet(timeout=5)
    pub.close()
    sub = broker.client()
    check(sub.connect("offline-sub", clean=False) == 0, "an erased session came back")
    check(drain(sub, timeout=1) == [], "messages delivered to an erased session")
    sub.close()


cases.run("acked QoS 1 messages survive kill -9 during publishing",
          test_acked_qos1_messages_survive_kill9_during_publishing)
cases.run("a subscription survives kill -9 and gets new messages",
          test_subscription_survives_kill9_and_gets_new_messages)
cases.run("retained set and clear survive kill -9", test_retained_set_and_clear_survive_kill9)
cases.run("$SYS topics are retained in memory but never stored",
          test_sys_topics_are_retained_in_memory_but_never_stored)
cases.run("a SIGTERM restart keeps the session and its queue",
          test_sigterm_restart_keeps_the_session_and_its_queue)
cases.run("a clean-session CONNECT erases the stored session",
          test_clean_session_connect_erases_the_stored_session)
if broker.alive() and broker.stop() != 0:
    cases.failed += 1
    print("FAIL: moatd did not exit 0 on SIGTERM", file=sys.stderr)
cases.done(broker)
