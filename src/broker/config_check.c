/* broker/config_check.c - `moatd --check-config`: opens the TLS files with OpenSSL, checks the
 * key matches the certificate and the cipher strings parse, probes data_dir, prints a summary;
 * and moatd_config_dump(), the effective settings as a config file.
 */
#include "broker/config.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void ssl_reason(char *buf, size_t cap)
{
    unsigned long e = ERR_peek_last_error();
    if (e)
        ERR_error_string_n(e, buf, cap);
    else
        snprintf(buf, cap, "no details");
    ERR_clear_error();
}

static int count_pem_certs(const char *path, char *subject, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int n = 0;
    X509 *x;
    while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
        if (n == 0 && subject)
            X509_NAME_oneline(X509_get_subject_name(x), subject, (int)cap);
        n++;
        X509_free(x);
    }
    ERR_clear_error();
    fclose(f);
    return n;
}

static moatd_config_status check_readable(const char *what, const char *path, char *err,
                                          size_t errlen)
{
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s '%s' cannot be read: %s", what, path, strerror(errno));
        return MOATD_CONFIG_ERR_TLS;
    }
    return MOATD_CONFIG_OK;
}

static moatd_config_status check_cert_key(SSL_CTX *ctx, const moatd_config *c, FILE *out,
                                          char *err, size_t errlen)
{
    char why[256], subject[256] = "?";
    if (check_readable("certificate", c->cert_file, err, errlen) ||
        check_readable("key", c->key_file, err, errlen))
        return MOATD_CONFIG_ERR_TLS;
    if (SSL_CTX_use_certificate_chain_file(ctx, c->cert_file) != 1) {
        ssl_reason(why, sizeof why);
        snprintf(err, errlen, "certificate '%s' is not a PEM certificate chain (%s)",
                 c->cert_file, why);
        return MOATD_CONFIG_ERR_TLS;
    }
    FILE *kf = fopen(c->key_file, "r");
    EVP_PKEY *pkey = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf)
        fclose(kf);
    if (!pkey) {
        ssl_reason(why, sizeof why);
        snprintf(err, errlen, "key '%s' is not a PEM private key (%s)", c->key_file, why);
        return MOATD_CONFIG_ERR_TLS;
    }
    int match = X509_check_private_key(SSL_CTX_get0_certificate(ctx), pkey);
    EVP_PKEY_free(pkey);
    if (match != 1) {
        ERR_clear_error();
        snprintf(err, errlen,
                 "key '%s' does not match certificate '%s': give the key the certificate was "
                 "issued for",
                 c->key_file, c->cert_file);
        return MOATD_CONFIG_ERR_TLS;
    }
    X509 *leaf = SSL_CTX_get0_certificate(ctx);
    if (leaf) {
        X509_NAME_oneline(X509_get_subject_name(leaf), subject, sizeof subject);
        bool expired = X509_cmp_current_time(X509_get0_notAfter(leaf)) < 0;
        fprintf(out, "  certificate: %s (%s)%s\n", c->cert_file, subject,
                expired ? "  WARNING: expired" : "");
    }
    fprintf(out, "  key:         %s (matches the certificate)\n", c->key_file);
    return MOATD_CONFIG_OK;
}

static moatd_config_status check_cafile(SSL_CTX *ctx, const moatd_config *c, FILE *out,
                                        char *err, size_t errlen)
{
    char why[256], subject[256] = "?";
    if (check_readable("cafile", c->ca_file, err, errlen))
        return MOATD_CONFIG_ERR_TLS;
    if (SSL_CTX_load_verify_locations(ctx, c->ca_file, NULL) != 1) {
        ssl_reason(why, sizeof why);
        snprintf(err, errlen, "cafile '%s' holds no PEM certificate (%s)", c->ca_file, why);
        return MOATD_CONFIG_ERR_TLS;
    }
    int n = count_pem_certs(c->ca_file, subject, sizeof subject);
    if (n <= 0) {
        snprintf(err, errlen, "cafile '%s' holds no PEM certificate", c->ca_file);
        return MOATD_CONFIG_ERR_TLS;
    }
    fprintf(out, "  cafile:      %s (%d CA certificate%s, first %s)\n", c->ca_file, n,
            n == 1 ? "" : "s", subject);
    return MOATD_CONFIG_OK;
}

static moatd_config_status check_ciphers(SSL_CTX *ctx, const moatd_config *c, char *err,
                                         size_t errlen)
{
    if (c->ciphers[0] && SSL_CTX_set_cipher_list(ctx, c->ciphers) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "'ciphers' matches no cipher OpenSSL knows: '%s'", c->ciphers);
        return MOATD_CONFIG_ERR_VALUE;
    }
    if (c->ciphersuites[0] && SSL_CTX_set_ciphersuites(ctx, c->ciphersuites) != 1) {
        ERR_clear_error();
        snprintf(err, errlen, "'ciphersuites' is not a valid TLS 1.3 suite list: '%s'",
                 c->ciphersuites);
        return MOATD_CONFIG_ERR_VALUE;
    }
    return MOATD_CONFIG_OK;
}

static moatd_config_status check_tls(const moatd_config *c, FILE *out, char *err,
                                     size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) {
        snprintf(err, errlen, "OpenSSL cannot create a TLS context");
        return MOATD_CONFIG_ERR_TLS;
    }
    moatd_config_status s = MOATD_CONFIG_OK;
    if (c->cert_file[0])
        s = check_cert_key(ctx, c, out, err, errlen);
    if (s == MOATD_CONFIG_OK && c->ca_file[0])
        s = check_cafile(ctx, c, out, err, errlen);
    if (s == MOATD_CONFIG_OK)
        s = check_ciphers(ctx, c, err, errlen);
    SSL_CTX_free(ctx);
    return s;
}

/* data_dir must exist as a writable directory, or be creatable (its nearest existing parent
 * writable); an existing database must be one this moatd can read. */
static moatd_config_status check_data_dir(const moatd_config *c, FILE *out, char *err,
                                          size_t errlen)
{
    char dir[MOATD_PATH_MAX];
    struct stat sb;
    snprintf(dir, sizeof dir, "%s", c->data_dir);
    bool exists = stat(dir, &sb) == 0;
    if (exists && !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "data_dir '%s' exists and is not a directory", c->data_dir);
        return MOATD_CONFIG_ERR_VALUE;
    }
    while (!exists) {
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            snprintf(dir, sizeof dir, "%s", slash == dir ? "/" : ".");
        else
            *slash = '\0';
        exists = stat(dir, &sb) == 0;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(err, errlen, "data_dir '%s': '%s' is not writable by this user", c->data_dir,
                 dir);
        return MOATD_CONFIG_ERR_VALUE;
    }
    int version = 0;
    bool in_use = false;
    if (moatd_store_probe(c->data_dir, &version, &in_use, err, errlen) != MOATD_STORE_OK)
        return MOATD_CONFIG_ERR_VALUE;
    fprintf(out, "  data_dir:    %s (%s)\n", c->data_dir,
            in_use ? "database in use by a running moatd"
            : version ? "database schema ok"
                      : "no database yet: created at start");
    return MOATD_CONFIG_OK;
}

moatd_config_status moatd_config_check(const moatd_config *c, FILE *out, char *err,
                                       size_t errlen)
{
    fprintf(out, "moatd configuration%s%s\n", c->config_file[0] ? " from " : "",
            c->config_file);
    fprintf(out, "  profile:     %s\n", moatd_profile_name(c->profile));
    for (size_t i = 0; i < c->n_listeners; i++) {
        const moatd_listener *l = &c->listeners[i];
        bool v6 = strchr(l->host, ':') != NULL;
        fprintf(out, "  listener:    %s%s%s:%u %s\n", v6 ? "[" : "", l->host, v6 ? "]" : "",
                l->port,
                !l->tls ? "(TCP)"
                : c->require_certificate ? "(TLS, client certificate required)"
                                         : "(TLS)");
    }
    moatd_config_status s = check_tls(c, out, err, errlen);
    if (s == MOATD_CONFIG_OK)
        s = check_data_dir(c, out, err, errlen);
    if (s != MOATD_CONFIG_OK)
        return s;
    fprintf(out, "  limits:      max_packet %zu, max_inflight %u, max_queued_messages %u, "
                 "max_outgoing_bytes %zu, keepalive %u..%u s\n",
            c->max_packet, c->max_inflight, c->max_queued_messages, c->max_outgoing_bytes,
            c->keepalive_min, c->keepalive_max);
    fprintf(out, "  log:         %s, level %s, to %s\n",
            c->log_format == MOATD_LOG_JSON ? "json" : "text",
            moatd_log_level_name(c->log_level), c->log_file[0] ? c->log_file : "stderr");
    fprintf(out, "configuration OK\n");
    return MOATD_CONFIG_OK;
}

void moatd_config_dump(const moatd_config *c, FILE *out)
{
    fprintf(out, "profile %s\n", moatd_profile_name(c->profile));
    for (size_t i = 0; i < c->n_listeners; i++) {
        const moatd_listener *l = &c->listeners[i];
        bool v6 = strchr(l->host, ':') != NULL;
        fprintf(out, "%s %s%s%s:%u\n", l->tls ? "tls_listen" : "listen", v6 ? "[" : "",
                l->host, v6 ? "]" : "", l->port);
    }
    fprintf(out, "cert %s\nkey %s\ncafile %s\nrequire_certificate %s\n", c->cert_file,
            c->key_file, c->ca_file, c->require_certificate ? "yes" : "no");
    fprintf(out, "ciphers %s\nciphersuites %s\nalpn ", c->ciphers, c->ciphersuites);
    for (size_t i = 0; i < c->n_alpn; i++)
        fprintf(out, "%s%s", i ? "," : "", c->alpn[i]);
    fprintf(out, "\nalpn_required %s\n", c->alpn_required ? "yes" : "no");
    fprintf(out, "data_dir %s\nsqlite_synchronous %s\n", c->data_dir,
            c->sqlite_synchronous == MOATD_STORE_SYNC_FULL ? "full" : "normal");
    fprintf(out,
            "max_packet %zu\nmax_inflight %u\nmax_queued_messages %u\nmax_outgoing_bytes %zu\n"
            "max_connections %u\nclient_id_max %u\nkeepalive_min %u\nkeepalive_max %u\n"
            "connect_timeout %u\nsession_expiry %u\n",
            c->max_packet, c->max_inflight, c->max_queued_messages, c->max_outgoing_bytes,
            c->max_connections, c->client_id_max, c->keepalive_min, c->keepalive_max,
            c->connect_timeout, c->session_expiry);
    fprintf(out, "log_format %s\nlog_level %s\nlog_file %s\nsys_interval %u\n",
            c->log_format == MOATD_LOG_JSON ? "json" : "text",
            moatd_log_level_name(c->log_level), c->log_file, c->sys_interval);
}
