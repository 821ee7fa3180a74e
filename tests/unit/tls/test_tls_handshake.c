/* test_tls_handshake.c - the mbedTLS transport against a real `openssl s_server` on 127.0.0.1:
 * mutual TLS with file and PKCS#11 (SoftHSM2) keys, and every failure a device meets, each
 * checked for its status and the words of its explanation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "moat/posix_tcp.h"
#include "moat/se.h"
#include "moat/tls.h"
#include "moat_peer.h"

static char dir[64];
static char path_buf[8][256];
static unsigned short shared_port; /* an s_server demanding device-ca client certificates */
static pid_t shared_srv;

/* dir/name in one of a few rotating buffers. */
static const char *at(const char *name)
{
    static int i;
    i = (i + 1) % 8;
    snprintf(path_buf[i], sizeof path_buf[i], "%s/%s", dir, name);
    return path_buf[i];
}

static int group_setup(void **state)
{
    (void)state;
    peer_tmpdir(dir, sizeof dir);
    const char *src = getenv("MOAT_SRC_DIR");
    if (peer_sh("bash %s/tests/lib/pki.sh %s", src ? src : ".", dir) != 0)
        return -1;
    /* A SoftHSM2 token "moat" with P-256 key "devkey" and a certificate for it. */
    char conf[300];
    snprintf(conf, sizeof conf, "%s/softhsm2.conf", dir);
    setenv("SOFTHSM2_CONF", conf, 1);
    return peer_sh("cd %s && mkdir -p tokens && echo 'directories.tokendir = %s/tokens' > "
                   "softhsm2.conf && softhsm2-util --init-token --free --label moat --pin 1234 "
                   "--so-pin 5678 >/dev/null && pkcs11-tool --module "
                   "/usr/lib/softhsm/libsofthsm2.so --token-label moat --login --pin 1234 "
                   "--keypairgen --key-type EC:prime256v1 --label devkey >/dev/null 2>&1 && "
                   "pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label moat "
                   "--read-object --type pubkey --label devkey -o hsm-pub.der >/dev/null 2>&1 && "
                   "openssl pkey -pubin -inform DER -in hsm-pub.der -out hsm-pub.pem && "
                   "openssl x509 -req -in device.csr -CA device-ca.crt -CAkey device-ca.key "
                   "-CAcreateserial -force_pubkey hsm-pub.pem -extfile device.ext -out hsm.crt "
                   "2>/dev/null",
                   dir, dir);
}

static int group_teardown(void **state)
{
    (void)state;
    peer_stop(shared_srv);
    peer_sh("rm -rf %s", dir);
    return 0;
}

/* An s_server for one connection that demands a client certificate from device-ca. */
static pid_t start_server(unsigned short port, const char *extra)
{
    pid_t pid = peer_start(at("s_server.log"),
                           "exec openssl s_server -accept 127.0.0.1:%u -cert %s -key %s "
                           "-CAfile %s -Verify 2 -verify_return_error -rev %s",
                           port, at("server.crt"), at("server.key"), at("device-ca.crt"),
                           extra ? extra : "");
    assert_int_equal(peer_wait_port(port), 0);
    return pid;
}

static int start_shared_server(void)
{
    shared_port = peer_free_port();
    shared_srv = start_server(shared_port, NULL);
    return 0;
}

typedef struct {
    moat_posix_tcp tcp;
    moat_transport lower;
    moat_se *key;
    moat_tls *tls;
    moat_tls_status st;
} session;

static void connect_with(session *s, unsigned short port, const char *ca, const char *cert,
                         const char *key_locator, const char *server_name)
{
    memset(s, 0, sizeof *s);
    char err[256];
    if (key_locator)
        assert_int_equal(moat_se_open(key_locator, 0, &s->key, err, sizeof err), MOAT_SE_OK);
    moat_posix_tcp_init(&s->tcp);
    assert_int_equal(moat_posix_tcp_connect(&s->tcp, "127.0.0.1", port, 3000), MOAT_POSIX_TCP_OK);
    moat_posix_tcp_transport(&s->tcp, &s->lower);
    moat_tls_config cfg = {
        .ca_file = ca,
        .cert_file = cert,
        .key = s->key,
        .server_name = server_name ? server_name : "localhost",
        .handshake_timeout_ms = 5000,
        .now_ms = moat_posix_now_ms,
    };
    s->st = moat_tls_connect(&s->tls, &s->lower, &cfg);
}

/* A handshake with the shared server; the device key is the PEM file DIR/key_pem (NULL: no
 * client certificate at all). */
static void handshake(session *s, const char *ca, const char *cert, const char *key_pem,
                      const char *server_name)
{
    char loc[300];
    if (key_pem)
        snprintf(loc, sizeof loc, "file:%s", at(key_pem));
    connect_with(s, shared_port, at(ca), cert ? at(cert) : NULL, key_pem ? loc : NULL,
                 server_name);
}

static void close_session(session *s)
{
    moat_tls_free(s->tls);
    moat_posix_tcp_close(&s->tcp);
    moat_se_close(s->key);
}

/* Sends a line through the session and expects the s_server -rev answer (reversed). */
static void assert_echo_reversed(session *s)
{
    moat_transport tr = moat_tls_transport(s->tls);
    const char *msg = "hello moat\n";
    assert_int_equal(tr.send(tr.ctx, (const uint8_t *)msg, strlen(msg), 2000), (int)strlen(msg));
    char got[64] = {0};
    size_t n = 0;
    for (int i = 0; i < 50 && n < 11; i++) {
        int32_t r = tr.recv(tr.ctx, (uint8_t *)got + n, sizeof got - 1 - n, 200);
        assert_true(r >= 0);
        n += (size_t)r;
    }
    assert_string_equal(got, "taom olleh\n");
}

static void test_mutual_tls_with_file_key_succeeds_and_carries_data(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", "device.crt", "device.key", NULL);
    assert_int_equal(s.st, MOAT_TLS_OK);
    const moat_tls_info *info = moat_tls_get_info(s.tls);
    assert_string_equal(info->version, "TLSv1.2");
    assert_non_null(strstr(info->ciphersuite, "ECDHE-ECDSA"));
    assert_int_equal(info->se_ops.sign, 1);
    assert_int_equal(info->verify_flags, 0);
    assert_echo_reversed(&s);
    close_session(&s);
}

static void test_mutual_tls_with_pkcs11_key_signs_in_the_token(void **state)
{
    (void)state;
    session s;
    connect_with(&s, shared_port, at("server-ca.crt"), at("hsm.crt"),
                 "pkcs11:/usr/lib/softhsm/libsofthsm2.so?token=moat&object=devkey&pin=1234",
                 NULL);
    assert_int_equal(s.st, MOAT_TLS_OK);
    assert_string_equal(s.key->backend, "pkcs11");
    assert_int_equal(moat_tls_get_info(s.tls)->se_ops.sign, 1);
    assert_echo_reversed(&s);
    close_session(&s);
}

static void test_own_ca_as_server_root_is_explained_as_untrusted(void **state)
{
    (void)state;
    session s;
    handshake(&s, "device-ca.crt", "device.crt", "device.key", NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_SERVER_UNTRUSTED);
    const char *why = moat_tls_explain(s.tls);
    assert_non_null(strstr(why, "not trusted"));
    assert_non_null(strstr(why, "0x2700"));
    assert_non_null(strstr(why, "Moat Test Broker Root")); /* the root the broker needs */
    assert_non_null(strstr(why, "YOUR device certificate"));
    close_session(&s);
}

static void test_server_name_not_in_certificate_is_a_hostname_mismatch(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", "device.crt", "device.key", "broker.example.com");
    assert_int_equal(s.st, MOAT_TLS_ERR_HOSTNAME);
    assert_non_null(strstr(moat_tls_explain(s.tls), "not for the name"));
    close_session(&s);
}

static void test_certificate_for_another_key_is_caught_before_connecting(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", "other.crt", "device.key", NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_KEY_MISMATCH);
    assert_int_equal(moat_tls_get_info(s.tls)->bytes_sent, 0); /* nothing went on the wire */
    assert_non_null(strstr(moat_tls_explain(s.tls), "another key"));
    close_session(&s);
}

static void test_certificate_from_unknown_ca_is_rejected_by_the_broker(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", "rogue.crt", "rogue.key", NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_CLIENT_CERT_REJECTED);
    assert_int_equal(moat_tls_get_info(s.tls)->alert, 48);
    assert_non_null(strstr(moat_tls_explain(s.tls), "unknown_ca"));
    close_session(&s);
}

static void test_expired_client_certificate_is_rejected_with_its_alert(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", "expired.crt", "expired.key", NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_CLIENT_CERT_REJECTED);
    assert_int_equal(moat_tls_get_info(s.tls)->alert, 45);
    assert_non_null(strstr(moat_tls_explain(s.tls), "expired"));
    close_session(&s);
}

static void test_missing_client_certificate_is_explained(void **state)
{
    (void)state;
    session s;
    handshake(&s, "server-ca.crt", NULL, NULL, NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_CLIENT_CERT_REJECTED);
    assert_non_null(strstr(moat_tls_explain(s.tls), "requires a client certificate"));
    close_session(&s);
}

static void test_plain_mqtt_port_is_reported_as_not_tls(void **state)
{
    (void)state;
    unsigned short port = peer_free_port();
    /* A server that answers anything with an MQTT CONNACK, as a plain broker port might. */
    pid_t srv = peer_start(at("plain.log"),
                           "exec python3 -c \"import socket,time\n"
                           "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                           "s.bind(('127.0.0.1', %u)); s.listen(4)\n"
                           "while True:\n"
                           "    c,_=s.accept(); c.recv(1024); c.sendall(bytes([0x20,2,0,5])); time.sleep(0.5); c.close()\"",
                           port);
    assert_int_equal(peer_wait_port(port), 0);
    session s;
    connect_with(&s, port, at("server-ca.crt"), NULL, NULL, NULL);
    assert_int_equal(s.st, MOAT_TLS_ERR_NOT_TLS);
    assert_non_null(strstr(moat_tls_explain(s.tls), "not TLS"));
    close_session(&s);
    peer_stop(srv);
}

static void test_silent_server_times_out_within_the_budget(void **state)
{
    (void)state;
    unsigned short port = peer_free_port();
    pid_t srv = peer_start(at("silent.log"),
                           "exec python3 -c \"import socket,time\n"
                           "s=socket.socket(); s.bind(('127.0.0.1', %u)); s.listen(4)\n"
                           "c,_=s.accept(); time.sleep(30)\"",
                           port);
    assert_int_equal(peer_wait_port(port), 0);
    moat_posix_tcp tcp;
    moat_transport lower;
    moat_posix_tcp_init(&tcp);
    assert_int_equal(moat_posix_tcp_connect(&tcp, "127.0.0.1", port, 3000), MOAT_POSIX_TCP_OK);
    moat_posix_tcp_transport(&tcp, &lower);
    moat_tls_config cfg = {.ca_file = at("server-ca.crt"), .server_name = "localhost",
                           .handshake_timeout_ms = 600, .now_ms = moat_posix_now_ms};
    moat_tls *tls;
    uint32_t t0 = moat_posix_now_ms();
    assert_int_equal(moat_tls_connect(&tls, &lower, &cfg), MOAT_TLS_ERR_TIMEOUT);
    uint32_t spent = moat_posix_now_ms() - t0;
    assert_true(spent >= 550 && spent < 2000);
    moat_tls_free(tls);
    moat_posix_tcp_close(&tcp);
    peer_stop(srv);
}

static void test_alpn_offered_is_the_one_the_server_selects(void **state)
{
    (void)state;
    unsigned short port = peer_free_port();
    pid_t srv = start_server(port, "-alpn x-amzn-mqtt-ca");
    moat_posix_tcp tcp;
    moat_transport lower;
    moat_posix_tcp_init(&tcp);
    assert_int_equal(moat_posix_tcp_connect(&tcp, "127.0.0.1", port, 3000), MOAT_POSIX_TCP_OK);
    moat_posix_tcp_transport(&tcp, &lower);
    moat_se *key;
    char err[256], loc[300];
    snprintf(loc, sizeof loc, "file:%s", at("device.key"));
    assert_int_equal(moat_se_open(loc, 0, &key, err, sizeof err), MOAT_SE_OK);
    static const char *const alpn[] = {"x-amzn-mqtt-ca", NULL};
    moat_tls_config cfg = {.ca_file = at("server-ca.crt"), .cert_file = at("device.crt"),
                           .key = key, .server_name = "localhost", .alpn = alpn,
                           .now_ms = moat_posix_now_ms};
    moat_tls *tls;
    assert_int_equal(moat_tls_connect(&tls, &lower, &cfg), MOAT_TLS_OK);
    assert_string_equal(moat_tls_get_info(tls)->alpn, "x-amzn-mqtt-ca");
    moat_tls_free(tls);
    moat_posix_tcp_close(&tcp);
    moat_se_close(key);
    peer_stop(srv);
}

/* The server aborts (unrecognized_name) unless the ClientHello names "localhost": so a
 * success proves SNI was sent, and a wrong name proves it is the configured one. */
static void test_sni_is_always_sent_with_the_configured_name(void **state)
{
    (void)state;
    unsigned short port = peer_free_port();
    char extra[600];
    snprintf(extra, sizeof extra, "-servername localhost -servername_fatal -cert2 %s -key2 %s",
             at("server.crt"), at("server.key"));
    pid_t srv = start_server(port, extra);
    session s;
    char loc[300];
    snprintf(loc, sizeof loc, "file:%s", at("device.key"));
    connect_with(&s, port, at("server-ca.crt"), at("device.crt"), loc, "localhost");
    assert_int_equal(s.st, MOAT_TLS_OK);
    close_session(&s);
    connect_with(&s, port, at("server-ca.crt"), at("device.crt"), loc, "wrong.example");
    assert_int_not_equal(s.st, MOAT_TLS_OK);
    assert_int_equal(moat_tls_get_info(s.tls)->alert, 112); /* unrecognized_name */
    close_session(&s);
    peer_stop(srv);
}

static int group_setup_all(void **state)
{
    return group_setup(state) != 0 ? -1 : start_shared_server();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mutual_tls_with_file_key_succeeds_and_carries_data),
        cmocka_unit_test(test_mutual_tls_with_pkcs11_key_signs_in_the_token),
        cmocka_unit_test(test_own_ca_as_server_root_is_explained_as_untrusted),
        cmocka_unit_test(test_server_name_not_in_certificate_is_a_hostname_mismatch),
        cmocka_unit_test(test_certificate_for_another_key_is_caught_before_connecting),
        cmocka_unit_test(test_certificate_from_unknown_ca_is_rejected_by_the_broker),
        cmocka_unit_test(test_expired_client_certificate_is_rejected_with_its_alert),
        cmocka_unit_test(test_missing_client_certificate_is_explained),
        cmocka_unit_test(test_plain_mqtt_port_is_reported_as_not_tls),
        cmocka_unit_test(test_silent_server_times_out_within_the_budget),
        cmocka_unit_test(test_alpn_offered_is_the_one_the_server_selects),
        cmocka_unit_test(test_sni_is_always_sent_with_the_configured_name),
    };
    return cmocka_run_group_tests(tests, group_setup_all, group_teardown);
}
