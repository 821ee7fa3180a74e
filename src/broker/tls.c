/* broker/tls.c - OpenSSL 3 server side: the listener context (cert, key, client-certificate
 * verification, ciphers, session cache, ALPN, SNI) and the non-blocking handshake and I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "broker/log.h"
#include "broker/server.h"

static void ssl_err(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "unknown error";
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s '%s': %s", what, path, buf);
    ERR_clear_error();
}

/* Chooses the first of our ALPN protocols the client offers (AWS IoT: x-amzn-mqtt-ca on 443). */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    const moatd_config *cfg = arg;
    for (size_t k = 0; k < cfg->n_alpn; k++) {
        size_t ol = strlen(cfg->alpn[k]);
        for (unsigned int i = 0; i < inlen; i += 1u + in[i]) {
            if (in[i] == ol && i + 1u + ol <= inlen && memcmp(in + i + 1, cfg->alpn[k], ol) == 0) {
                *out = in + i + 1;
                *outlen = in[i];
                return SSL_TLSEXT_ERR_OK;
            }
        }
    }
    return cfg->alpn_required ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_NOACK;
}

/* Records the server name the client asked for; any name is accepted (AWS routes by it). */
static int sni_record(SSL *ssl, int *alert, void *arg)
{
    moatd_conn *c = SSL_get_app_data(ssl);
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (c && name && c->sni == NULL)
        c->sni = strdup(name);
    return SSL_TLSEXT_ERR_OK;
}

static bool load_ctx_files(SSL_CTX *ctx, const moatd_config *cfg, char *err, size_t errlen)
{
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
        ssl_err(err, errlen, "cannot load the server certificate", cfg->cert_file);
        return false;
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1) {
        ssl_err(err, errlen, "cannot load the server key", cfg->key_file);
        return false;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        ssl_err(err, errlen, "the key does not match the certificate", cfg->key_file);
        return false;
    }
    if (cfg->ca_file[0] && SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1) {
        ssl_err(err, errlen, "cannot load the client CA file", cfg->ca_file);
        return false;
    }
    return true;
}

static bool set_ciphers(SSL_CTX *ctx, const moatd_config *cfg, char *err, size_t errlen)
{
    if (cfg->ciphers[0] && SSL_CTX_set_cipher_list(ctx, cfg->ciphers) != 1) {
        ssl_err(err, errlen, "bad ciphers list", cfg->ciphers);
        return false;
    }
    if (cfg->ciphersuites[0] && SSL_CTX_set_ciphersuites(ctx, cfg->ciphersuites) != 1) {
        ssl_err(err, errlen, "bad ciphersuites list", cfg->ciphersuites);
        return false;
    }
    return true;
}

SSL_CTX *moatd_tls_ctx_new(const moatd_config *cfg, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        ssl_err(err, errlen, "cannot create a TLS context", "");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION); /* AWS IoT: TLS 1.2 and 1.3 */
    /* No partial writes: the stage buffer is sent whole or retried whole. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (!load_ctx_files(ctx, cfg, err, errlen) || !set_ciphers(ctx, cfg, err, errlen)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    int verify = SSL_VERIFY_NONE;
    if (cfg->ca_file[0])
        verify = SSL_VERIFY_PEER | (cfg->require_certificate ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    SSL_CTX_set_verify(ctx, verify, NULL);
    /* Session resumption by id from a server-side cache; AWS IoT does not support session
     * tickets, so the aws profile turns them off. */
    static const unsigned char sid_ctx[] = "moatd";
    SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof(sid_ctx) - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 20000);
    if (cfg->profile == MOATD_PROFILE_AWS)
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, (void *)cfg);
    SSL_CTX_set_tlsext_servername_callback(ctx, sni_record);
    return ctx;
}

bool moatd_tls_start(moatd_conn *c)
{
    c->ssl = SSL_new(c->listener->ssl_ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
        return false;
    SSL_set_app_data(c->ssl, c);
    SSL_set_accept_state(c->ssl);
    c->tls = MOATD_TLS_HANDSHAKE;
    return true;
}

static void handshake_failed(moatd_conn *c, int rc)
{
    unsigned long e = ERR_peek_error();
    char buf[200] = "connection closed during the handshake";
    if (e)
        ERR_error_string_n(e, buf, sizeof(buf));
    long vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK)
        snprintf(buf, sizeof(buf), "client certificate rejected: %s",
                 X509_verify_cert_error_string(vr));
    ERR_clear_error();
    c->srv->stats.tls_failures++;
    moatd_log(MOATD_LOG_WARN, "tls", "addr", c->addr, "sni", c->sni, "error", buf, NULL);
    moatd_conn_close(c, buf, false);
}

/* After the handshake: ALPN, verification result, and the auth layer's first look. */
static bool handshake_done(moatd_conn *c)
{
    moatd_server *srv = c->srv;
    const unsigned char *alpn;
    unsigned int alen;
    SSL_get0_alpn_selected(c->ssl, &alpn, &alen);
    if (alen && alen < sizeof(c->alpn)) {
        memcpy(c->alpn, alpn, alen);
        c->alpn[alen] = '\0';
    }
    X509 *peer = SSL_get0_peer_certificate(c->ssl);
    c->peer_verified = peer != NULL && SSL_get_verify_result(c->ssl) == X509_V_OK;
    c->tls = MOATD_TLS_READY;
    srv->stats.tls_handshakes++;
    if (srv->auth.on_tls_verified == NULL)
        return true;
    moatd_conn_info info;
    moatd_conn_info_fill(c, &info);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
    int n = chain ? sk_X509_num(chain) : 0;
    uint8_t *der[16] = {0};
    size_t dlen[16];
    for (int i = 0; i < n && i < 16; i++) {
        int l = i2d_X509(sk_X509_value(chain, i), &der[i]);
        dlen[i] = l > 0 ? (size_t)l : 0;
    }
    info.chain_der = (const uint8_t *const *)der;
    info.chain_der_len = dlen;
    info.chain_count = (size_t)(n < 16 ? n : 16);
    char reason[256] = "";
    bool ok = srv->auth.on_tls_verified(srv->auth.ctx, &info, reason);
    c->auth_data = info.auth_data;
    for (int i = 0; i < 16; i++)
        OPENSSL_free(der[i]);
    if (!ok) {
        srv->stats.denials++;
        moatd_log_deny(NULL, c->addr, "tls", c->sni, reason[0] ? reason : "denied");
        moatd_conn_close(c, reason, false);
    }
    return ok;
}

int moatd_tls_handshake(moatd_conn *c)
{
    ERR_clear_error();
    int rc = SSL_do_handshake(c->ssl);
    if (rc == 1)
        return handshake_done(c) ? 1 : -1;
    int e = SSL_get_error(c->ssl, rc);
    if (e == SSL_ERROR_WANT_READ) {
        moatd_loop_unwatch(c->srv->loop, c->fd, MOATD_WRITABLE);
        return 0;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        moatd_loop_watch(c->srv->loop, c->fd, MOATD_WRITABLE, moatd_conn_on_event, c);
        return 0;
    }
    handshake_failed(c, rc);
    return -1;
}

/* An SSL_read/SSL_write result as the connection layer counts it: bytes moved, 0 when
 * OpenSSL waits for the socket (either direction, as a renegotiation may), -1 on failure. */
static ssize_t io_result(moatd_conn *c, int n)
{
    if (n > 0)
        return n;
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    return -1;
}

ssize_t moatd_tls_read(moatd_conn *c, uint8_t *buf, size_t cap)
{
    ERR_clear_error();
    return io_result(c, SSL_read(c->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap));
}

ssize_t moatd_tls_write(moatd_conn *c, const uint8_t *buf, size_t len)
{
    ERR_clear_error();
    return io_result(c, SSL_write(c->ssl, buf, (int)len));
}
