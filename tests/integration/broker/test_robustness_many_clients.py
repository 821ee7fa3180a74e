# test_robustness_many_clients.py - moatd holds 5,000 concurrent MQTT connections (each
# CONNECTed and answering PINGREQ) while a normal publish/subscribe still works.
import os
import resource
import selectors
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mqtt_raw import PINGREQ, Cases, Moatd, check, connect_pkt, publish_pkt, rss_kb  # noqa: E402

N = 5000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = min(hard, 2 * N + 200) if hard != resource.RLIM_INFINITY else 2 * N + 200
if soft < want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # moatd inherits it
if want < N + 100:
    print("SKIP: the hard fd limit %d is too low for %d connections" % (hard, N))
    sys.exit(0)

broker = Moatd().start()
cases = Cases()
conns = []


def exchange(socks, payload_for, expect_first_byte, timeout):
    """Sends payload_for(i) on every socket, then waits for one packet starting with
    expect_first_byte from each; returns how many answered."""
    sel = selectors.DefaultSelector()
    pending = {}
    for i, s in enumerate(socks):
        s.sendall(payload_for(i))
        sel.register(s, selectors.EVENT_READ, i)
        pending[i] = b""
    answered = 0
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            i = key.data
            data = key.fileobj.recv(64)
            if not data:
                sel.unregister(key.fileobj)
                del pending[i]
                continue
            pending[i] += data
            if len(pending[i]) >= 2:
                if pending[i][0] == expect_first_byte:
                    answered += 1
                sel.unregister(key.fileobj)
                del pending[i]
    sel.close()
    return answered


def test_5000_clients_connect_and_stay_connected():
    rss_before = rss_kb(broker.proc.pid)
    t0 = time.monotonic()
    for i in range(N):
        conns.append(socket.create_connection(("127.0.0.1", broker.port), timeout=10))
    ok = exchange(conns, lambda i: connect_pkt("many-%d" % i), 0x20, 60)
    elapsed = time.monotonic() - t0
    rss_after = rss_kb(broker.proc.pid)
    print("  %d CONNACKs in %.1fs; moatd RSS %d kB -> %d kB (%.1f kB per connection)" %
          (ok, elapsed, rss_before, rss_after, (rss_after - rss_before) / N))
    check(ok == N, "only %d of %d clients got a CONNACK" % (ok, N))
    pongs = exchange(conns, lambda i: PINGREQ, 0xD0, 60)
    check(pongs == N, "only %d of %d clients answered PINGREQ" % (pongs, N))


def test_pub_sub_works_with_5000_clients_connected():
    sub = broker.client("many-sub")
    check(sub.subscribe([("many/+", 1)]) == [1], "SUBACK")
    pub = broker.client("many-pub")
    t0 = time.monotonic()
    pub.send(publish_pkt("many/x", b"still here", qos=1, pid=7))
    topic, payload, qos, _ = sub.read_publish(timeout=5)
    check((topic, payload, qos) == ("many/x", b"still here", 1), "wrong message %r" % topic)
    check(time.monotonic() - t0 < 2, "delivery took %.1fs" % (time.monotonic() - t0))
    sub.close()
    pub.close()


cases.run("5000 clients connect and stay connected", test_5000_clients_connect_and_stay_connected)
cases.run("pub/sub works with 5000 clients connected", test_pub_sub_works_with_5000_clients_connected)
for s in conns:
    s.close()
check_alive = broker.alive()
rc = broker.stop()
if not check_alive or rc != 0:
    cases.failed += 1
    print("FAIL: moatd exited %r" % rc, file=sys.stderr)
cases.done(broker)
