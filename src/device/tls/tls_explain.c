/* tls_explain.c - turns a failed handshake into a named status and an explanation with cause,
 * evidence and fix. The mbedTLS number is kept, in brackets, for the record.
 * The cases are the ones devices meet: the wrong root CA (the famous -0x2700), a server
 * certificate for another name, the broker rejecting our certificate, a plain-MQTT port. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>

#include "device/tls/tls_internal.h"

/* TLS alert descriptions (RFC 5246 7.2, RFC 8446 6.2). */
static const char *alert_name(uint8_t a)
{
    switch (a) {
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
    }
}

/* "CN=a", "CN=b" of every root in the trust store, for the evidence line. */
static void trust_store_subjects(const moat_tls *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    for (const mbedtls_x509_crt *c = &t->ca; c && c->version && n + 4 < cap; c = c->next) {
        char dn[128];
        mbedtls_x509_dn_gets(dn, sizeof dn, &c->subject);
        int w = snprintf(out + n, cap - n, "%s\"%s\"", n ? ", " : "", dn);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
}

/* True if our own certificate was issued by one of the roots we trust for the server: the
 * classic mistake of configuring the device CA as the broker's root. */
static bool trusting_own_ca(const moat_tls *t)
{
    if (!t->own.version)
        return false;
    for (const mbedtls_x509_crt *own = &t->own; own && own->version; own = own->next)
        for (const mbedtls_x509_crt *c = &t->ca; c && c->version; c = c->next)
            if (own->issuer_raw.len == c->subject_raw.len &&
                memcmp(own->issuer_raw.p, c->subject_raw.p, c->subject_raw.len) == 0)
                return true;
    return false;
}

static moat_tls_status explain_untrusted(moat_tls *t, int rc)
{
    char roots[512];
    trust_store_subjects(t, roots, sizeof roots);
    unsigned top = t->info.chain_len ? t->info.chain_len - 1 : 0;
    const char *leaf = t->info.chain_len ? t->info.chain_subject[0] : "?";
    const char *root = t->info.chain_len ? t->info.chain_issuer[top] : "?";
    bool aws = strstr(root, "Amazon") != NULL || strstr(leaf, "amazonaws.com") != NULL;
    char hint[400] = "";
    if (trusting_own_ca(t))
        snprintf(hint, sizeof hint, "\n  The CA file holds the CA that signed YOUR device "
                 "certificate: a device must trust the CA that signed the BROKER's certificate.");
    if (aws)
        snprintf(hint + strlen(hint), sizeof hint - strlen(hint), "\n  A device connecting to "
                 "AWS IoT must trust Amazon Root CA 1 (RSA) or Amazon Root CA 3 (ECC): use "
                 "--cafile data/roots/AmazonRootCA1.pem (bundled with Moat).");
    moat_tls_explain_set(t, "TLS handshake failed: the server's certificate is not trusted "
                         "[mbedTLS -0x%04x, verify flags 0x%02x].\n  The broker presented \"%s\" "
                         "issued by \"%s\"; your CA file holds %s.%s\n  Fix: give --cafile the "
                         "root CA that issued the broker's chain (\"%s\").",
                         (unsigned)-rc, (unsigned)t->info.verify_flags, leaf, root,
                         roots[0] ? roots : "no certificate", hint, root);
    return MOAT_TLS_ERR_SERVER_UNTRUSTED;
}

static moat_tls_status explain_verify(moat_tls *t, int rc)
{
    uint32_t f = t->info.verify_flags;
    if (f & (MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_MISSING |
             MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_OTHER))
        return explain_untrusted(t, rc);
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        moat_tls_explain_set(t, "TLS handshake failed: the server's certificate \"%s\" is not "
                             "for the name we connected to [mbedTLS -0x%04x].\n  Fix: connect "
                             "with the name in the certificate (--sni NAME, or -h NAME), or "
                             "reissue the server certificate with that name in its "
                             "subjectAltName.",
                             t->info.chain_subject[0], (unsigned)-rc);
        return MOAT_TLS_ERR_HOSTNAME;
    }
    if (f & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) {
        moat_tls_explain_set(t, "TLS handshake failed: the server's certificate \"%s\" is %s "
                             "[mbedTLS -0x%04x].\n  Fix: check the device clock first (a device "
                             "without time thinks it is 1970), then the server certificate's "
                             "validity.",
                             t->info.chain_subject[0],
                             (f & MBEDTLS_X509_BADCERT_EXPIRED) ? "expired" : "not yet valid",
                             (unsigned)-rc);
        return MOAT_TLS_ERR_SERVER_EXPIRED;
    }
    return explain_untrusted(t, rc);
}

static moat_tls_status explain_alert(moat_tls *t, int rc)
{
    uint8_t a = t->info.alert;
    const char *name = alert_name(a);
    if (a == 40 && !t->key) {
        moat_tls_explain_set(t, "TLS handshake failed: the broker sent alert %s (%u): it "
                             "requires a client certificate and we have none.\n  Fix: give the "
                             "device certificate and key (--cert device.crt --se LOCATOR).",
                             name, a);
        return MOAT_TLS_ERR_CLIENT_CERT_REJECTED;
    }
    if (a == 40 || a == 71 || a == 70) {
        moat_tls_explain_set(t, "TLS handshake failed: the broker sent alert %s (%u): no cipher "
                             "suite, curve or protocol version in common [mbedTLS -0x%04x].\n  "
                             "Fix: the device offers TLS 1.2 with ECDHE-ECDSA/ECDHE-RSA AES-GCM "
                             "suites on P-256; enable one of them on the broker.",
                             name, a, (unsigned)-rc);
        return MOAT_TLS_ERR_NO_SHARED_CIPHER;
    }
    if ((a >= 42 && a <= 49) || a == 51 || a == 116) {
        const char *why = a == 48 ? "it does not know the CA that issued our certificate: "
                                    "register the signer CA with the broker (AWS: "
                                    "register-ca-certificate) or send the signer certificate in "
                                    "the chain (--cert with device + signer)"
                        : a == 45 ? "our certificate is expired: issue a new one"
                        : a == 51 ? "our signature did not verify: the key used is not the one "
                                    "the certificate was issued for"
                                  : "check that the device certificate was issued by a CA the "
                                    "broker trusts and is valid now";
        moat_tls_explain_set(t, "TLS handshake failed: the broker rejected our certificate with "
                             "alert %s (%u).\n  Cause and fix: %s.", name, a, why);
        return MOAT_TLS_ERR_CLIENT_CERT_REJECTED;
    }
    moat_tls_explain_set(t, "TLS handshake failed: the broker sent fatal alert %s (%u) "
                         "[mbedTLS -0x%04x].", name, a, (unsigned)-rc);
    return MOAT_TLS_ERR_ALERT;
}

moat_tls_status moat_tls_diagnose(moat_tls *t, int rc)
{
    char raw[128];
    mbedtls_strerror(rc, raw, sizeof raw);
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        return explain_verify(t, rc);
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        t->info.alert_received = true;
        t->info.alert = t->ssl.in_msg[1];
        return explain_alert(t, rc);
    }
    if (t->info.alert_received) /* salvaged from the socket after a failed write */
        return explain_alert(t, rc);
    if (rc == MBEDTLS_ERR_SSL_TIMEOUT) {
        moat_tls_explain_set(t, "TLS handshake timed out after %u bytes sent and %u received.\n"
                             "  Fix: check that the port is a TLS port (8883) and that nothing "
                             "between device and broker drops packets.",
                             t->info.bytes_sent, t->info.bytes_received);
        return MOAT_TLS_ERR_TIMEOUT;
    }
    if (rc == MBEDTLS_ERR_PK_HW_ACCEL_FAILED && t->key) {
        moat_tls_explain_set(t, "TLS handshake failed: the secure element could not sign the "
                             "handshake (%s key): %s.\n  %s",
                             t->key->backend,
                             moat_se_strerror((moat_se_status)moat_tls_pk_se_last_status(&t->pk)),
                             t->key->detail);
        return MOAT_TLS_ERR_SE;
    }
    /* TLS records start with content type 20..24; anything else is another protocol. */
    if (t->info.bytes_received > 0 && (t->first_byte < 0x14 || t->first_byte > 0x18)) {
        moat_tls_explain_set(t, "TLS handshake failed: the server answered with something that "
                             "is not TLS (first byte 0x%02x) [mbedTLS -0x%04x: %s].\n  Fix: this "
                             "looks like a plain MQTT port (1883); use the TLS port (8883) or "
                             "drop the TLS options.",
                             t->first_byte, (unsigned)-rc, raw);
        return MOAT_TLS_ERR_NOT_TLS;
    }
    /* Nothing came back at all: a plain MQTT broker drops a ClientHello (0x16 parses as a
     * malformed CONNECT) exactly like this. */
    if (t->info.bytes_received == 0 && (t->lower_closed || t->lower_failed)) {
        moat_tls_explain_set(t, "TLS handshake failed: the server closed the connection right "
                             "after our ClientHello without answering [mbedTLS -0x%04x].\n  "
                             "Cause: most often a plain MQTT port (1883) reached with TLS "
                             "options; otherwise a TLS server that refuses the SNI or ALPN "
                             "offered. Fix: use the TLS port (8883), or drop the TLS options "
                             "for a plain port.",
                             (unsigned)-rc);
        return MOAT_TLS_ERR_CLOSED;
    }
    if (t->lower_closed || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
        moat_tls_explain_set(t, "TLS handshake failed: the broker closed the connection without "
                             "an alert after %u bytes.\n  Cause: brokers do this when they "
                             "refuse the client certificate or the SNI/ALPN offered, or when "
                             "the port does not speak TLS. Fix: check the broker's log; run "
                             "`moat doctor endpoint HOST:PORT` for a step-by-step check.",
                             t->info.bytes_received);
        return MOAT_TLS_ERR_CLOSED;
    }
    if (t->lower_failed) {
        moat_tls_explain_set(t, "TLS handshake failed: the connection broke [mbedTLS -0x%04x: "
                             "%s].", (unsigned)-rc, raw);
        return MOAT_TLS_ERR_IO;
    }
    if (rc == MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN || rc == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) {
        moat_tls_explain_set(t, "TLS handshake failed: no cipher suite in common with the "
                             "server [mbedTLS -0x%04x].", (unsigned)-rc);
        return MOAT_TLS_ERR_NO_SHARED_CIPHER;
    }
    moat_tls_explain_set(t, "TLS handshake failed [mbedTLS -0x%04x: %s].", (unsigned)-rc, raw);
    return MOAT_TLS_ERR_INTERNAL;
}
