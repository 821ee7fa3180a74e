/* x509_internal.h - helpers shared by the files of moat_x509 (not part of the public API).
 * Error detail formatting and small OpenSSL conveniences. */
#ifndef MOAT_X509_INTERNAL_H
#define MOAT_X509_INTERNAL_H

#include <stdarg.h>

#include "moat/x509.h"

/* Writes the detail (printf format) into e (if not NULL), appends OpenSSL's queued error when
 * `with_ssl` is set, clears the OpenSSL error queue, and returns `s`. */
moat_x509_status moat_x509__fail(moat_x509_err *e, moat_x509_status s, int with_ssl,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds an extension given in openssl config syntax ("critical,CA:TRUE,pathlen:0") with the
 * issuer/subject context set, so subjectKeyIdentifier=hash and authorityKeyIdentifier work. */
moat_x509_status moat_x509__add_ext(X509 *cert, X509 *issuer, int nid, const char *value,
                                    moat_x509_err *e);

/* notBefore = t truncated to the whole hour (UTCTime while possible), notAfter = same
 * month/day/hour `years` later as GeneralizedTime, or 9999-12-31 23:59:59 when years = 0. */
moat_x509_status moat_x509__set_validity(X509 *cert, time_t not_before, unsigned years,
                                         bool after_generalized, moat_x509_err *e);

/* t truncated to the whole hour; moved back to Feb 28 when it is Feb 29 and Feb 29 does not
 * exist `years` later (the compressed form needs notAfter = the same date N years on). */
time_t moat_x509__whole_hour(time_t t, unsigned years);

/* Subject "O=<org>, CN=<cn>" (org may be NULL). */
X509_NAME *moat_x509__name(const char *org, const char *cn);

/* 16 random bytes as a positive serial (top bit cleared, second set: never shortened). */
moat_x509_status moat_x509__random_serial(X509 *cert, moat_x509_err *e);

/* hex text of bytes, upper case, separated by ':' when `colon` */
void moat_x509__hex(const uint8_t *b, size_t n, bool colon, char *out, size_t cap);

/* The key identifiers of a certificate (false when absent). */
bool moat_x509__ski(X509 *c, uint8_t *out, size_t *len);
bool moat_x509__aki(X509 *c, uint8_t *out, size_t *len);

#endif
