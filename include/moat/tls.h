/* moat/tls.h - mutual TLS as a moat_transport over another moat_transport (mbedTLS).
 *
 * The device's private key is reached only through a moat_se (ATECC608, PKCS#11, or a PEM file
 * for development): mbedTLS is given a pk context whose sign operation calls the element.
 * Every handshake failure becomes a named status and an explanation with cause, evidence and
 * fix (moat_tls_explain), e.g. the `-0x2700` a device meets when it trusts its own CA instead
 * of the broker's root.
 */
#ifndef MOAT_TLS_H
#define MOAT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/se.h"
#include "moat/transport.h"

typedef enum {
    MOAT_TLS_OK = 0,
    MOAT_TLS_ERR_ARGUMENT,         /* NULL pointer or missing required setting */
    MOAT_TLS_ERR_CONFIG,           /* a CA file or certificate could not be read or parsed */
    MOAT_TLS_ERR_KEY_MISMATCH,     /* the certificate's public key is not the secure element's
                                      key: caught before connecting */
    MOAT_TLS_ERR_SERVER_UNTRUSTED, /* the server's chain does not lead to a configured root
                                      (mbedTLS -0x2700 with "not trusted") */
    MOAT_TLS_ERR_SERVER_EXPIRED,   /* the server's certificate is expired or not yet valid */
    MOAT_TLS_ERR_HOSTNAME,         /* the server's certificate is not for the name asked */
    MOAT_TLS_ERR_CLIENT_CERT_REJECTED, /* the server rejected our certificate with an alert
                                      (unknown CA, bad/expired certificate, ...) */
    MOAT_TLS_ERR_NO_SHARED_CIPHER, /* no cipher suite / curve / signature algorithm in common */
    MOAT_TLS_ERR_ALERT,            /* another fatal alert from the server */
    MOAT_TLS_ERR_SE,               /* the secure element failed during the handshake */
    MOAT_TLS_ERR_TIMEOUT,          /* the handshake did not finish in time */
    MOAT_TLS_ERR_CLOSED,           /* the server closed the connection during the handshake */
    MOAT_TLS_ERR_NOT_TLS,          /* the server does not speak TLS on this port */
    MOAT_TLS_ERR_IO,               /* the underlying transport failed */
    MOAT_TLS_ERR_INTERNAL,         /* mbedTLS failed for another reason (code in the text) */
} moat_tls_status;

typedef struct {
    const char *ca_file;          /* PEM file with the root(s) that sign the server */
    const char *ca_pem;           /* or the roots in memory (NUL-terminated PEM) */
    const char *cert_file;        /* PEM: device certificate, optionally followed by the
                                     signer certificate(s) to send */
    const char *chain_file;       /* optional: more certificates to send after it */
    const uint8_t *cert_der;      /* or the device certificate as DER (e.g. rebuilt from the
                                     chip's compressed slots) ... */
    size_t cert_der_len;
    const uint8_t *chain_der;     /* ... and its signer certificate as DER */
    size_t chain_der_len;
    moat_se *key;                 /* the device key; NULL = no client certificate */
    const char *server_name;      /* name sent as SNI and checked in the server certificate */
    const char *const *alpn;      /* NULL-terminated protocol list, e.g. "x-amzn-mqtt-ca" */
    bool skip_hostname_check;     /* check the chain but not the name (test setups only) */
    uint32_t handshake_timeout_ms;/* 0 = 10 s */
    uint32_t (*now_ms)(void);     /* monotonic clock for the timeout */
} moat_tls_config;

/* What the handshake showed; valid after moat_tls_connect, success or not. */
typedef struct {
    char version[16];             /* "TLSv1.2" */
    char ciphersuite[64];
    char alpn[32];                /* the protocol the server chose, "" if none */
    unsigned chain_len;           /* server certificates seen */
    char chain_subject[4][128];   /* [0] = server's leaf */
    char chain_issuer[4][128];
    uint32_t verify_flags;        /* mbedTLS verification flags, 0 = trusted */
    uint8_t alert;                /* fatal alert received (description code), 0 = none */
    bool alert_received;
    moat_se_counters se_ops;      /* secure-element operations during the handshake */
    uint32_t bytes_sent;          /* handshake bytes on the wire */
    uint32_t bytes_received;
    int mbedtls_error;            /* the raw mbedTLS result, for the record */
} moat_tls_info;

typedef struct moat_tls moat_tls;

/* One line per status; the full story of a failure is moat_tls_explain(). */
const char *moat_tls_strerror(moat_tls_status s);

/* Creates a TLS session over `lower` (kept; must outlive the session), checks that the
 * certificate matches the key, and runs the handshake. On success *out is the session. On
 * failure *out is still set (so info and explanation can be read) and must be freed with
 * moat_tls_free. */
moat_tls_status moat_tls_connect(moat_tls **out, const moat_transport *lower,
                                 const moat_tls_config *cfg);

/* The session as a transport for the MQTT client. */
moat_transport moat_tls_transport(moat_tls *t);

/* What the handshake showed. */
const moat_tls_info *moat_tls_get_info(const moat_tls *t);

/* The last failure: cause, evidence, and fix, several lines. "" if none. */
const char *moat_tls_explain(const moat_tls *t);

/* Sends close_notify (best effort) and frees the session. NULL is ignored. */
void moat_tls_free(moat_tls *t);

/* Amazon Root CA 1 (RSA) and 3 (ECC) as PEM: the roots AWS IoT's ATS endpoints chain to. */
extern const char moat_tls_amazon_roots_pem[];

#endif
