/* tls.c - the TLS client session: configuration (trust store, own chain, SE key, SNI, ALPN),
 * the handshake with a deadline, and the session as a moat_transport. Failures are explained
 * by tls_explain.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include "device/tls/mbedtls_compat.h"
#include "device/tls/tls_internal.h"

/* ECDHE-ECDSA first (the device and most IoT brokers use P-256 keys), then ECDHE-RSA for
 * servers with RSA certificates (AWS IoT's default ATS chain). No static-RSA key exchange. */
static const int ciphersuites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
    0,
};

const char *moat_tls_strerror(moat_tls_status s)
{
    switch (s) {
    case MOAT_TLS_OK: return "success";
    case MOAT_TLS_ERR_ARGUMENT: return "invalid TLS configuration argument";
    case MOAT_TLS_ERR_CONFIG: return "a CA file or certificate could not be read";
    case MOAT_TLS_ERR_KEY_MISMATCH: return "the certificate does not belong to the device key";
    case MOAT_TLS_ERR_SERVER_UNTRUSTED: return "the server's certificate is not trusted";
    case MOAT_TLS_ERR_SERVER_EXPIRED: return "the server's certificate is expired or not yet valid";
    case MOAT_TLS_ERR_HOSTNAME: return "the server's certificate is for another host name";
    case MOAT_TLS_ERR_CLIENT_CERT_REJECTED: return "the server rejected our certificate";
    case MOAT_TLS_ERR_NO_SHARED_CIPHER: return "no cipher suite in common with the server";
    case MOAT_TLS_ERR_ALERT: return "the server aborted the handshake with an alert";
    case MOAT_TLS_ERR_SE: return "the secure element failed during the handshake";
    case MOAT_TLS_ERR_TIMEOUT: return "the TLS handshake timed out";
    case MOAT_TLS_ERR_CLOSED: return "the server closed the connection during the handshake";
    case MOAT_TLS_ERR_NOT_TLS: return "the server does not speak TLS on this port";
    case MOAT_TLS_ERR_IO: return "the connection failed during the handshake";
    case MOAT_TLS_ERR_INTERNAL: return "TLS library failure";
    }
    return "unknown TLS status";
}

void moat_tls_explain_set(moat_tls *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->explain, sizeof t->explain, fmt, ap);
    va_end(ap);
}

/* ---- bio: mbedTLS reads and writes through the lower transport ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    moat_tls *t = ctx;
    int32_t n = t->lower.send(t->lower.ctx, buf, len, t->io_timeout_ms);
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if (n < 0) {
        t->lower_failed = true;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    if (t->handshaking)
        t->info.bytes_sent += (uint32_t)n;
    return n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    moat_tls *t = ctx;
    int32_t n = t->lower.recv(t->lower.ctx, buf, len, t->io_timeout_ms);
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n == MOAT_TRANSPORT_CLOSED) {
        t->lower_closed = true;
        return 0; /* EOF for mbedTLS */
    }
    if (n < 0) {
        t->lower_failed = true;
        return MBEDTLS_ERR_NET_RECV_FAILED;
    }
    if (t->handshaking) {
        if (t->info.bytes_received == 0)
            t->first_byte = buf[0];
        t->info.bytes_received += (uint32_t)n;
    }
    return n;
}

/* Records the server chain as mbedTLS walks it (root first, leaf = depth 0), so a failure can
 * show what the server presented. Verification itself is mbedTLS's. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    moat_tls *t = ctx;
    if (depth == 0 && t->skip_hostname)
        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
    if (depth >= 0 && depth < 4) {
        mbedtls_x509_dn_gets(t->info.chain_subject[depth], sizeof t->info.chain_subject[0],
                             &crt->subject);
        mbedtls_x509_dn_gets(t->info.chain_issuer[depth], sizeof t->info.chain_issuer[0],
                             &crt->issuer);
        if ((unsigned)depth + 1 > t->info.chain_len)
            t->info.chain_len = (unsigned)depth + 1;
    }
    return 0;
}

/* ---- configuration ---- */

static moat_tls_status load_trust(moat_tls *t, const moat_tls_config *cfg)
{
    int rc = 0;
    if (cfg->ca_file)
        rc = mbedtls_x509_crt_parse_file(&t->ca, cfg->ca_file);
    else if (cfg->ca_pem)
        rc = mbedtls_x509_crt_parse(&t->ca, (const unsigned char *)cfg->ca_pem,
                                    strlen(cfg->ca_pem) + 1);
    else {
        moat_tls_explain_set(t, "no trust store: the server cannot be authenticated.\n"
                             "  Fix: give --cafile with the broker's root CA (for AWS IoT: "
                             "data/roots/AmazonRootCA1.pem).");
        return MOAT_TLS_ERR_ARGUMENT;
    }
    if (rc < 0 || (rc > 0 && t->ca.version == 0)) {
        char why[96];
        mbedtls_strerror(rc, why, sizeof why);
        moat_tls_explain_set(t, "cannot read the CA file %s: %s (-0x%04x).\n  Fix: give a PEM "
                             "file with one or more root certificates.",
                             cfg->ca_file ? cfg->ca_file : "(in memory)", why, (unsigned)-rc);
        return MOAT_TLS_ERR_CONFIG;
    }
    return MOAT_TLS_OK;
}

static moat_tls_status load_own_chain(moat_tls *t, const moat_tls_config *cfg)
{
    int rc = 0;
    const char *what = cfg->cert_file;
    if (cfg->cert_file)
        rc = mbedtls_x509_crt_parse_file(&t->own, cfg->cert_file);
    else if (cfg->cert_der)
        rc = mbedtls_x509_crt_parse_der(&t->own, cfg->cert_der, cfg->cert_der_len);
    if (rc == 0 && cfg->chain_file) {
        what = cfg->chain_file;
        rc = mbedtls_x509_crt_parse_file(&t->own, cfg->chain_file);
    } else if (rc == 0 && cfg->chain_der) {
        what = "the signer certificate";
        rc = mbedtls_x509_crt_parse_der(&t->own, cfg->chain_der, cfg->chain_der_len);
    }
    if (rc != 0) {
        char why[96];
        mbedtls_strerror(rc, why, sizeof why);
        moat_tls_explain_set(t, "cannot read the client certificate %s: %s (-0x%04x).\n  Fix: "
                             "give the device certificate as PEM (--cert device.crt).",
                             what ? what : "(from the chip)", why, (unsigned)-rc);
        return MOAT_TLS_ERR_CONFIG;
    }
    if (t->own.version == 0) {
        moat_tls_explain_set(t, "a device key was given but no device certificate.\n  Fix: "
                             "give --cert device.crt, or store the certificates in the chip "
                             "(moat cert store).");
        return MOAT_TLS_ERR_ARGUMENT;
    }
    return MOAT_TLS_OK;
}

/* The certificate must carry the element's public key, or the server will reject the
 * CertificateVerify with an opaque decrypt_error; catching it here names the real problem. */
static moat_tls_status bind_key(moat_tls *t, moat_se *key)
{
    uint8_t se_pub[64], cert_pub[64];
    moat_se_status st = moat_se_public_key(key, se_pub);
    if (st != MOAT_SE_OK) {
        moat_tls_explain_set(t, "cannot read the device's public key from the %s key: %s.\n  %s",
                             key->backend, moat_se_strerror(st), key->detail);
        return MOAT_TLS_ERR_SE;
    }
    mbedtls_ecp_keypair *kp = moat_mbedtls_pk_ec(&t->own.pk);
    if (!kp || kp->grp.id != MBEDTLS_ECP_DP_SECP256R1 || moat_mbedtls_ec_public_xy(kp, cert_pub)) {
        moat_tls_explain_set(t, "the device certificate does not hold an EC P-256 public key, "
                             "but the device key is P-256.\n  Fix: issue the certificate for the "
                             "key in the secure element (moat cert issue --se ...).");
        return MOAT_TLS_ERR_KEY_MISMATCH;
    }
    if (memcmp(se_pub, cert_pub, 64) != 0) {
        char subj[128];
        mbedtls_x509_dn_gets(subj, sizeof subj, &t->own.subject);
        moat_tls_explain_set(t, "the device certificate \"%s\" was issued for another key than "
                             "the one in the %s key store (public keys differ: certificate "
                             "%02X%02X%02X%02X..., key %02X%02X%02X%02X...).\n  The server would "
                             "reject the handshake. Fix: use the certificate issued for this "
                             "key (moat cert read --se ... rebuilds it from the chip), or issue "
                             "one: moat cert issue --se ...",
                             subj, key->backend, cert_pub[0], cert_pub[1], cert_pub[2],
                             cert_pub[3], se_pub[0], se_pub[1], se_pub[2], se_pub[3]);
        return MOAT_TLS_ERR_KEY_MISMATCH;
    }
    if (moat_tls_pk_setup_se(&t->pk, key, se_pub) != 0) {
        moat_tls_explain_set(t, "cannot set up the secure-element key in mbedTLS");
        return MOAT_TLS_ERR_INTERNAL;
    }
    return MOAT_TLS_OK;
}

static moat_tls_status configure(moat_tls *t, const moat_tls_config *cfg)
{
    static const char pers[] = "moat-tls";
    if (mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy,
                              (const unsigned char *)pers, sizeof pers - 1) != 0) {
        moat_tls_explain_set(t, "cannot seed the random generator");
        return MOAT_TLS_ERR_INTERNAL;
    }
    moat_tls_status st = load_trust(t, cfg);
    if (st == MOAT_TLS_OK && cfg->key) {
        st = load_own_chain(t, cfg);
        if (st == MOAT_TLS_OK)
            st = bind_key(t, cfg->key);
    }
    if (st != MOAT_TLS_OK)
        return st;
    mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                MBEDTLS_SSL_PRESET_DEFAULT);
    mbedtls_ssl_conf_min_version(&t->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3); /* TLS 1.2 minimum */
    mbedtls_ssl_conf_ciphersuites(&t->conf, ciphersuites);
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_authmode(&t->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&t->conf, &t->ca, NULL);
    mbedtls_ssl_conf_verify(&t->conf, verify_cb, t);
    if (cfg->key && mbedtls_ssl_conf_own_cert(&t->conf, &t->own, &t->pk) != 0) {
        moat_tls_explain_set(t, "mbedTLS refused the device certificate and key");
        return MOAT_TLS_ERR_INTERNAL;
    }
    if (cfg->alpn) {
        size_t n = 0;
        while (cfg->alpn[n] && n + 1 < sizeof t->alpn / sizeof t->alpn[0]) {
            t->alpn[n] = cfg->alpn[n];
            n++;
        }
        t->alpn[n] = NULL;
        if (n)
            mbedtls_ssl_conf_alpn_protocols(&t->conf, t->alpn);
    }
    if (mbedtls_ssl_setup(&t->ssl, &t->conf) != 0) {
        moat_tls_explain_set(t, "mbedTLS could not set up the session (out of memory?)");
        return MOAT_TLS_ERR_INTERNAL;
    }
    /* SNI is always sent: AWS IoT needs it to find certificates registered without a CA. */
    if (cfg->server_name && mbedtls_ssl_set_hostname(&t->ssl, cfg->server_name) != 0) {
        moat_tls_explain_set(t, "invalid server name '%s'", cfg->server_name);
        return MOAT_TLS_ERR_ARGUMENT;
    }
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    return MOAT_TLS_OK;
}

/* A broker that rejects our certificate sends its alert and closes at once; our next write
 * then fails and mbedTLS reports a send error, hiding the alert that explains everything.
 * Before the server's ChangeCipherSpec, alerts are plaintext records 15 03 0x 00 02 LEVEL DESC:
 * read what is still in the socket and pick the alert out. */
static void salvage_alert(moat_tls *t)
{
    uint8_t buf[256];
    size_t n = 0;
    for (int i = 0; i < 3 && n < sizeof buf; i++) {
        int32_t r = t->lower.recv(t->lower.ctx, buf + n, sizeof buf - n, 100);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    for (size_t i = 0; i + 7 <= n;) {
        size_t len = (size_t)buf[i + 3] << 8 | buf[i + 4];
        if (buf[i] == 0x15 && buf[i + 1] == 0x03 && len == 2 && buf[i + 5] == 2) {
            t->info.alert_received = true;
            t->info.alert = buf[i + 6];
            return;
        }
        i += 5 + len;
    }
}

static moat_tls_status handshake(moat_tls *t, const moat_tls_config *cfg)
{
    uint32_t budget = cfg->handshake_timeout_ms ? cfg->handshake_timeout_ms : 10000u;
    uint32_t start = cfg->now_ms ? cfg->now_ms() : 0;
    moat_se_counters before = cfg->key ? cfg->key->counters : (moat_se_counters){0};
    int rc;
    t->handshaking = true;
    for (;;) {
        uint32_t spent = cfg->now_ms ? cfg->now_ms() - start : 0;
        if (spent >= budget) {
            rc = MBEDTLS_ERR_SSL_TIMEOUT;
            break;
        }
        t->io_timeout_ms = budget - spent < 200u ? budget - spent : 200u;
        rc = mbedtls_ssl_handshake(&t->ssl);
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            break;
    }
    t->handshaking = false;
    if (cfg->key) {
        t->info.se_ops.public_key = cfg->key->counters.public_key - before.public_key;
        t->info.se_ops.sign = cfg->key->counters.sign - before.sign;
        t->info.se_ops.ecdh = cfg->key->counters.ecdh - before.ecdh;
        t->info.se_ops.random = cfg->key->counters.random - before.random;
    }
    t->info.mbedtls_error = rc;
    t->info.verify_flags = mbedtls_ssl_get_verify_result(&t->ssl);
    snprintf(t->info.version, sizeof t->info.version, "%s", mbedtls_ssl_get_version(&t->ssl));
    const char *alpn = mbedtls_ssl_get_alpn_protocol(&t->ssl);
    snprintf(t->info.alpn, sizeof t->info.alpn, "%s", alpn ? alpn : "");
    if (rc != 0 && rc != MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && (t->lower_failed || t->lower_closed))
        salvage_alert(t);
    if (rc == 0) {
        snprintf(t->info.ciphersuite, sizeof t->info.ciphersuite, "%s",
                 mbedtls_ssl_get_ciphersuite(&t->ssl));
        return MOAT_TLS_OK;
    }
    return moat_tls_diagnose(t, rc);
}

moat_tls_status moat_tls_connect(moat_tls **out, const moat_transport *lower,
                                 const moat_tls_config *cfg)
{
    if (!out || !lower || !cfg)
        return MOAT_TLS_ERR_ARGUMENT;
    moat_tls *t = calloc(1, sizeof *t);
    *out = t;
    if (!t)
        return MOAT_TLS_ERR_INTERNAL;
    t->lower = *lower;
    t->key = cfg->key;
    mbedtls_ssl_init(&t->ssl);
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    mbedtls_x509_crt_init(&t->own);
    mbedtls_pk_init(&t->pk);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    t->skip_hostname = cfg->skip_hostname_check;
    t->status = configure(t, cfg);
    if (t->status == MOAT_TLS_OK)
        t->status = handshake(t, cfg);
    return t->status;
}

/* ---- the session as a transport ---- */

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    moat_tls *t = ctx;
    t->io_timeout_ms = timeout_ms;
    int rc = mbedtls_ssl_write(&t->ssl, buf, len);
    if (rc >= 0)
        return rc;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
        return 0;
    return t->lower_closed ? MOAT_TRANSPORT_CLOSED : MOAT_TRANSPORT_FAILED;
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    moat_tls *t = ctx;
    t->io_timeout_ms = timeout_ms;
    int rc = mbedtls_ssl_read(&t->ssl, buf, len);
    if (rc > 0)
        return rc;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || t->lower_closed)
        return MOAT_TRANSPORT_CLOSED;
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        t->info.alert_received = true;
        t->info.alert = t->ssl.in_msg[1];
        moat_tls_diagnose(t, rc);
    }
    return MOAT_TRANSPORT_FAILED;
}

moat_transport moat_tls_transport(moat_tls *t)
{
    moat_transport tr = {t, tls_send, tls_recv};
    return tr;
}

const moat_tls_info *moat_tls_get_info(const moat_tls *t)
{
    return t ? &t->info : NULL;
}

const char *moat_tls_explain(const moat_tls *t)
{
    return t ? t->explain : "";
}

void moat_tls_free(moat_tls *t)
{
    if (!t)
        return;
    if (t->status == MOAT_TLS_OK && !t->lower_closed && !t->lower_failed) {
        t->io_timeout_ms = 100;
        mbedtls_ssl_close_notify(&t->ssl);
    }
    mbedtls_ssl_free(&t->ssl);
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    mbedtls_x509_crt_free(&t->own);
    mbedtls_pk_free(&t->pk);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
    free(t);
}
