/* test_tls_atecc.c - mutual TLS whose key is slot 0 of an (emulated) ATECC608, against a real
 * `openssl s_server`: the handshake works, and it costs exactly the chip commands we expect
 * (one GenKey for the public key, one Nonce + one Sign for CertificateVerify), with nothing
 * ever read from the chip's data zone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "moat/atecc_locator.h"
#include "moat/posix_tcp.h"
#include "moat/se_atecc.h"
#include "moat/tls.h"
#include "moat_peer.h"

static char dir[64];
static char path_buf[8][256];
static moat_atecc *dev;

static const char *at(const char *name)
{
    static int i;
    i = (i + 1) % 8;
    snprintf(path_buf[i], sizeof path_buf[i], "%s/%s", dir, name);
    return path_buf[i];
}

/* SubjectPublicKeyInfo DER of a P-256 key: a fixed 27-byte prefix, then 04 || X || Y. */
static void write_pubkey_der(const char *path, const uint8_t pub[64])
{
    static const uint8_t prefix[] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                     0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                     0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(prefix, 1, sizeof prefix, f);
    fwrite(pub, 1, 64, f);
    fclose(f);
}

static int group_setup(void **state)
{
    (void)state;
    peer_tmpdir(dir, sizeof dir);
    const char *src = getenv("MOAT_SRC_DIR");
    if (peer_sh("bash %s/tests/lib/pki.sh %s", src ? src : ".", dir) != 0)
        return -1;
    char loc[300], err[256];
    snprintf(loc, sizeof loc, "emu:%s", at("chip.img"));
    if (moat_atecc_open_locator(loc, &dev, err, sizeof err) != MOAT_ATECC_LOC_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    uint8_t pub[64];
    moat_atecc_provision_report rep;
    if (moat_atecc_provision(dev, pub, &rep) != MOAT_ATECC_OK)
        return -1;
    write_pubkey_der(at("chip-pub.der"), pub);
    return peer_sh("cd %s && openssl pkey -pubin -inform DER -in chip-pub.der -out chip-pub.pem "
                   "&& openssl x509 -req -in device.csr -CA device-ca.crt -CAkey device-ca.key "
                   "-CAcreateserial -force_pubkey chip-pub.pem -extfile device.ext "
                   "-out chip.crt 2>/dev/null",
                   dir);
}

static int group_teardown(void **state)
{
    (void)state;
    moat_atecc_close_locator(dev);
    peer_sh("rm -rf %s", dir);
    return 0;
}

static void test_handshake_with_atecc_key_costs_one_pubkey_one_nonce_one_sign(void **state)
{
    (void)state;
    unsigned short port = peer_free_port();
    pid_t srv = peer_start(at("s_server.log"),
                           "exec openssl s_server -accept 127.0.0.1:%u -cert %s -key %s "
                           "-CAfile %s -Verify 2 -verify_return_error -rev",
                           port, at("server.crt"), at("server.key"), at("device-ca.crt"));
    assert_int_equal(peer_wait_port(port), 0);

    moat_se se;
    moat_se_atecc_ctx binding;
    moat_se_init_atecc(&se, &binding, dev, 0);
    memset(&dev->stats, 0, sizeof dev->stats);

    moat_posix_tcp tcp;
    moat_transport lower;
    moat_posix_tcp_init(&tcp);
    assert_int_equal(moat_posix_tcp_connect(&tcp, "127.0.0.1", port, 3000), MOAT_POSIX_TCP_OK);
    moat_posix_tcp_transport(&tcp, &lower);
    moat_tls_config cfg = {.ca_file = at("server-ca.crt"), .cert_file = at("chip.crt"),
                           .key = &se, .server_name = "localhost", .now_ms = moat_posix_now_ms};
    moat_tls *tls;
    assert_int_equal(moat_tls_connect(&tls, &lower, &cfg), MOAT_TLS_OK);

    const moat_tls_info *info = moat_tls_get_info(tls);
    assert_int_equal(info->se_ops.public_key, 0); /* checked before the handshake began */
    assert_int_equal(info->se_ops.sign, 1);
    assert_int_equal(se.counters.public_key, 1);
    assert_int_equal(dev->stats.commands[MOAT_ATECC_KIND_GENKEY], 1); /* public key only */
    assert_int_equal(dev->stats.commands[MOAT_ATECC_KIND_NONCE], 1);
    assert_int_equal(dev->stats.commands[MOAT_ATECC_KIND_SIGN], 1);
    assert_int_equal(dev->stats.commands[MOAT_ATECC_KIND_READ], 0); /* nothing read out */
    assert_int_equal(dev->stats.commands[MOAT_ATECC_KIND_ECDH], 0);
    uint32_t total = 0;
    for (int k = 0; k < MOAT_ATECC_KIND_COUNT; k++)
        total += dev->stats.commands[k];
    assert_int_equal(total, 3);

    moat_tls_free(tls);
    moat_posix_tcp_close(&tcp);
    peer_stop(srv);
}

/* One handshake on `se` against a fresh s_server; returns the chip commands it took. */
static uint32_t handshake_chip_commands(moat_se *se)
{
    unsigned short port = peer_free_port();
    pid_t srv = peer_start(at("s_server2.log"),
                           "exec openssl s_server -accept 127.0.0.1:%u -cert %s -key %s "
                           "-CAfile %s -Verify 2 -verify_return_error -rev",
                           port, at("server.crt"), at("server.key"), at("device-ca.crt"));
    assert_int_equal(peer_wait_port(port), 0);
    memset(&dev->stats, 0, sizeof dev->stats);
    moat_posix_tcp tcp;
    moat_transport lower;
    moat_posix_tcp_init(&tcp);
    assert_int_equal(moat_posix_tcp_connect(&tcp, "127.0.0.1", port, 3000), MOAT_POSIX_TCP_OK);
    moat_posix_tcp_transport(&tcp, &lower);
    moat_tls_config cfg = {.ca_file = at("server-ca.crt"), .cert_file = at("chip.crt"),
                           .key = se, .server_name = "localhost", .now_ms = moat_posix_now_ms};
    moat_tls *tls;
    assert_int_equal(moat_tls_connect(&tls, &lower, &cfg), MOAT_TLS_OK);
    moat_tls_free(tls);
    moat_posix_tcp_close(&tcp);
    peer_stop(srv);
    uint32_t total = 0;
    for (int k = 0; k < MOAT_ATECC_KIND_COUNT; k++)
        total += dev->stats.commands[k];
    return total;
}

static void test_reconnect_on_the_same_key_skips_the_public_key_read(void **state)
{
    (void)state;
    moat_se se;
    moat_se_atecc_ctx binding;
    moat_se_init_atecc(&se, &binding, dev, 0);
    assert_int_equal(handshake_chip_commands(&se), 3); /* GenKey(public) + Nonce + Sign */
    assert_int_equal(handshake_chip_commands(&se), 2); /* Nonce + Sign: ~100 ms saved */
    assert_int_equal(se.counters.public_key, 1);
    assert_int_equal(se.counters.sign, 2);
}

static void test_empty_key_slot_fails_before_the_handshake_with_the_chip_status(void **state)
{
    (void)state;
    moat_se se;
    moat_se_atecc_ctx binding;
    moat_se_init_atecc(&se, &binding, dev, 9); /* slot 9: a data slot, not a private key */
    moat_transport none = {0};
    moat_tls_config cfg = {.ca_file = at("server-ca.crt"), .cert_file = at("chip.crt"),
                           .key = &se, .server_name = "localhost", .now_ms = moat_posix_now_ms};
    moat_tls *tls;
    assert_int_equal(moat_tls_connect(&tls, &none, &cfg), MOAT_TLS_ERR_SE);
    assert_non_null(strstr(moat_tls_explain(tls), "slot 9"));
    moat_tls_free(tls);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake_with_atecc_key_costs_one_pubkey_one_nonce_one_sign),
        cmocka_unit_test(test_reconnect_on_the_same_key_skips_the_public_key_read),
        cmocka_unit_test(test_empty_key_slot_fails_before_the_handshake_with_the_chip_status),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
