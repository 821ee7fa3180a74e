/* test_mqtt_client_posix_tcp.c - the POSIX TCP transport the client runs on: connect errors
 * as sentences, the transport contract (timeouts return 0, EOF is CLOSED), over loopback. */
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "moat/posix_tcp.h"

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static int listen_any(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_refused_connection_names_the_address_and_the_fix(void **state)
{
    (void)state;
    uint16_t port;
    int l = listen_any(&port);
    close(l); /* now nothing listens there */
    moat_posix_tcp t;
    moat_posix_tcp_init(&t);
    assert_int_equal(moat_posix_tcp_connect(&t, "127.0.0.1", port, 2000),
                     MOAT_POSIX_TCP_ERR_REFUSED);
    char want[64];
    snprintf(want, sizeof want, "nothing listens on 127.0.0.1:%u", (unsigned)port);
    assert_non_null(strstr(t.error, "connection refused"));
    assert_non_null(strstr(t.error, want));
    assert_non_null(strstr(t.error, "is the broker running"));
    assert_int_equal(t.fd, -1);
}

static void test_unknown_host_is_a_resolve_error(void **state)
{
    (void)state;
    moat_posix_tcp t;
    moat_posix_tcp_init(&t);
    assert_int_equal(moat_posix_tcp_connect(&t, "no-such-host.invalid", 1883, 2000),
                     MOAT_POSIX_TCP_ERR_RESOLVE);
    assert_non_null(strstr(t.error, "cannot resolve host 'no-such-host.invalid'"));
}

static void test_missing_host_or_port_is_an_argument_error(void **state)
{
    (void)state;
    moat_posix_tcp t;
    moat_posix_tcp_init(&t);
    assert_int_equal(moat_posix_tcp_connect(&t, "", 1883, 100), MOAT_POSIX_TCP_ERR_ARGUMENT);
    assert_int_equal(moat_posix_tcp_connect(&t, "127.0.0.1", 0, 100),
                     MOAT_POSIX_TCP_ERR_ARGUMENT);
}

static void test_send_recv_timeout_and_close_follow_the_transport_contract(void **state)
{
    (void)state;
    uint16_t port;
    int l = listen_any(&port);
    moat_posix_tcp t;
    moat_posix_tcp_init(&t);
    assert_int_equal(moat_posix_tcp_connect(&t, "localhost", port, 2000), MOAT_POSIX_TCP_OK);
    int peer = accept(l, NULL, NULL);
    assert_true(peer >= 0);
    moat_transport tr;
    moat_posix_tcp_transport(&t, &tr);

    assert_int_equal(tr.send(tr.ctx, (const uint8_t *)"ping", 4, 1000), 4);
    char got[8] = {0};
    assert_int_equal(read(peer, got, sizeof got), 4);
    assert_memory_equal(got, "ping", 4);

    uint8_t buf[16];
    uint32_t t0 = moat_posix_now_ms();
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf, 50), 0); /* nothing: timeout is 0 */
    uint32_t waited = moat_posix_now_ms() - t0;
    assert_true(waited >= 45 && waited < 1000);

    assert_int_equal(write(peer, "pong", 4), 4);
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf, 1000), 4);
    assert_memory_equal(buf, "pong", 4);

    close(peer);
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf, 1000), MOAT_TRANSPORT_CLOSED);
    moat_posix_tcp_close(&t);
    moat_posix_tcp_close(&t); /* twice is harmless */
    close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_connection_names_the_address_and_the_fix),
        cmocka_unit_test(test_unknown_host_is_a_resolve_error),
        cmocka_unit_test(test_missing_host_or_port_is_an_argument_error),
        cmocka_unit_test(test_send_recv_timeout_and_close_follow_the_transport_contract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
