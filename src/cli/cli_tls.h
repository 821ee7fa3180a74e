/* cli/cli_tls.h - the TLS options every network command shares (--cafile --cert --key --se
 * --slot --alpn --sni) and opening a TLS session over a connected transport with them. */
#ifndef MOAT_CLI_TLS_H
#define MOAT_CLI_TLS_H

#include <stdbool.h>

#include "moat/se.h"
#include "moat/tls.h"

typedef struct {
    const char *cafile;  /* PEM roots for the server; "aws" = the bundled Amazon roots */
    const char *cert;    /* device certificate PEM (may hold the signer after it) */
    const char *key;     /* PEM private key (development): same as --se file:KEY */
    const char *se;      /* key locator (moat/se.h) */
    unsigned slot;       /* ATECC608 key slot */
    const char *alpn;    /* one protocol, e.g. x-amzn-mqtt-ca */
    const char *sni;     /* server name; default: the host connected to */
} cli_tls_opts;

typedef struct {
    moat_se *key;
    moat_tls *tls;
    moat_transport transport;
    const char *alpn_list[2];
} cli_tls;

/* True when any option asks for TLS. */
bool cli_tls_wanted(const cli_tls_opts *o);

/* Opens the key (if any) and runs the handshake with `host` over `lower`. On failure prints
 * "PROG: <explanation>" to stderr (unless quiet) and returns the status; *t is then still
 * valid for inspection and must be closed with cli_tls_close. */
moat_tls_status cli_tls_open(const char *prog, const cli_tls_opts *o, const char *host,
                             const moat_transport *lower, cli_tls *t, bool quiet);

/* Frees the session and the key. */
void cli_tls_close(cli_tls *t);

#endif
