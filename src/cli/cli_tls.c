/* cli_tls.c - TLS for the CLI: turns the shared options into a moat_tls_config, opens the key
 * by locator, runs the handshake, and prints the explanation of a failure. */
#include "cli/cli_tls.h"

#include <stdio.h>
#include <string.h>

#include "moat/chip_chain.h"
#include "moat/posix_tcp.h"
#include "moat/se_atecc.h"

bool cli_tls_wanted(const cli_tls_opts *o)
{
    return o->cafile || o->cert || o->key || o->se || o->alpn || o->sni;
}

/* --se wins; --key FILE is the development shortcut for --se file:FILE. */
static moat_tls_status open_key(const char *prog, const cli_tls_opts *o, cli_tls *t, bool quiet)
{
    char loc[1024], err[512];
    if (o->se)
        snprintf(loc, sizeof loc, "%s", o->se);
    else if (o->key)
        snprintf(loc, sizeof loc, "file:%s", o->key);
    else
        return MOAT_TLS_OK;
    moat_se_status st = moat_se_open(loc, o->slot, &t->key, err, sizeof err);
    if (st != MOAT_SE_OK) {
        if (!quiet)
            fprintf(stderr, "%s: cannot open the device key: %s\n", prog, err);
        return MOAT_TLS_ERR_SE;
    }
    return MOAT_TLS_OK;
}

/* Without --cert, an ATECC608 key brings its own chain: rebuilt from the compressed slots, as
 * a device does at connect time. */
static moat_tls_status chain_from_chip(const char *prog, cli_tls *t, moat_tls_config *cfg,
                                       bool quiet)
{
    moat_atecc *dev = moat_se_atecc_device(t->key);
    if (!dev)
        return MOAT_TLS_OK;
    static moat_chip_chain_scratch scratch;
    static uint8_t device[MOAT_CHIP_CERT_MAX], signer[MOAT_CHIP_CERT_MAX];
    size_t dlen, slen;
    /* The key handle reads (and caches) the public key of the chosen slot once: the TLS
     * layer's certificate check then costs no second GenKey. */
    uint8_t pub[64];
    moat_se_status kst = moat_se_public_key(t->key, pub);
    if (kst != MOAT_SE_OK) {
        if (!quiet)
            fprintf(stderr, "%s: cannot read the device public key: %s. %s\n", prog,
                    moat_se_strerror(kst), t->key->detail);
        return MOAT_TLS_ERR_SE;
    }
    moat_chip_chain_status st = moat_chip_chain_read(dev, pub, &scratch, device, sizeof device,
                                                     &dlen, signer, sizeof signer, &slen);
    if (st != MOAT_CHIP_CHAIN_OK) {
        char why[512];
        if (!quiet)
            fprintf(stderr, "%s: no --cert, and %s\n", prog,
                    moat_chip_chain_explain(st, &scratch, why, sizeof why));
        return MOAT_TLS_ERR_CONFIG;
    }
    cfg->cert_der = device;
    cfg->cert_der_len = dlen;
    cfg->chain_der = signer;
    cfg->chain_der_len = slen;
    return MOAT_TLS_OK;
}

moat_tls_status cli_tls_open(const char *prog, const cli_tls_opts *o, const char *host,
                             const moat_transport *lower, cli_tls *t, bool quiet)
{
    memset(t, 0, sizeof *t);
    if ((o->cert && !o->key && !o->se) || (o->key && !o->cert)) {
        if (!quiet)
            fprintf(stderr, "%s: a client certificate needs both --cert and a key (--se LOCATOR "
                    "or --key FILE); an ATECC608 key (--se emu:|emu+unix:|i2c:) may omit "
                    "--cert when its certificates are stored in the chip\n", prog);
        return MOAT_TLS_ERR_ARGUMENT;
    }
    moat_tls_status st = open_key(prog, o, t, quiet);
    if (st != MOAT_TLS_OK)
        return st;
    moat_tls_config cfg = {
        .cert_file = o->cert,
        .key = t->key,
        .server_name = o->sni ? o->sni : host,
        .now_ms = moat_posix_now_ms,
    };
    if (t->key && !o->cert) {
        st = chain_from_chip(prog, t, &cfg, quiet);
        if (st != MOAT_TLS_OK)
            return st;
        if (!cfg.cert_der) {
            if (!quiet)
                fprintf(stderr, "%s: the %s key needs --cert: only an ATECC608 holds its own "
                        "certificates\n", prog, t->key->backend);
            return MOAT_TLS_ERR_ARGUMENT;
        }
    }
    if (o->cafile && (!strcmp(o->cafile, "aws") || !strcmp(o->cafile, "amazon")))
        cfg.ca_pem = moat_tls_amazon_roots_pem;
    else
        cfg.ca_file = o->cafile;
    if (o->alpn) {
        t->alpn_list[0] = o->alpn;
        t->alpn_list[1] = NULL;
        cfg.alpn = t->alpn_list;
    }
    st = moat_tls_connect(&t->tls, lower, &cfg);
    if (st != MOAT_TLS_OK) {
        if (!quiet)
            fprintf(stderr, "%s: %s\n", prog, moat_tls_explain(t->tls));
        return st;
    }
    t->transport = moat_tls_transport(t->tls);
    return MOAT_TLS_OK;
}

void cli_tls_close(cli_tls *t)
{
    moat_tls_free(t->tls);
    moat_se_close(t->key);
    t->tls = NULL;
    t->key = NULL;
}
