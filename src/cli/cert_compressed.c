/* cert_compressed.c - `moat cert compress | decompress | store | read`: Microchip-compatible
 * compressed certificates (docs/certificates-compressed.md), in files or in a chip's slots. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "moat/atecc.h"
#include "moat/atecc_locator.h"
#include "moat/certcodec.h"
#include "moat/chip_chain.h"
#include "moat/x509.h"

#define CERT_MAX 4096

/* ---- files ---- */

/* A certificate file, PEM or DER, as its exact DER bytes (no re-encoding). */
static int load_cert(const char *path, uint8_t *der, size_t cap, size_t *len)
{
    uint8_t raw[3 * CERT_MAX];
    size_t n;
    if (cli_read_file("moat cert", path, raw, sizeof raw, &n) != 0)
        return -1;
    if (n > 0 && raw[0] == 0x30) {
        if (n > cap) {
            fprintf(stderr, "moat cert: %s is larger than %zu bytes of DER\n", path, cap);
            return -1;
        }
        memcpy(der, raw, n);
        *len = n;
        return 0;
    }
    BIO *bio = BIO_new_mem_buf(raw, (int)n);
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long dlen = 0;
    int ok = 0;
    while (PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
        ok = !strcmp(name, "CERTIFICATE") && dlen > 0 && (size_t)dlen <= cap;
        if (ok) {
            memcpy(der, data, (size_t)dlen);
            *len = (size_t)dlen;
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        if (ok)
            break;
    }
    BIO_free(bio);
    if (!ok)
        fprintf(stderr, "moat cert: %s holds no certificate (PEM \"CERTIFICATE\" or DER)\n", path);
    return ok ? 0 : -1;
}

/* Writes DER as PEM, byte for byte (no re-encoding through an X509 object). */
static int write_cert_pem(const char *path, const uint8_t *der, size_t len)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "moat cert: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ok = PEM_write(f, "CERTIFICATE", "", der, (long)len) > 0;
    ok = (fclose(f) == 0) && ok;
    if (!ok)
        fprintf(stderr, "moat cert: cannot write %s\n", path);
    return ok ? 0 : -1;
}

/* X||Y of a P-256 key from a PEM public key, certificate, CSR or private key. */
static int load_pubkey(const char *path, uint8_t xy[64])
{
    EVP_PKEY *pk = NULL;
    moat_x509_err e = {""};
    moat_x509_status st = moat_x509_load_public_key(path, &pk, NULL, &e);
    if (st == MOAT_X509_OK)
        st = moat_x509_pubkey_to_raw(pk, xy, &e);
    EVP_PKEY_free(pk);
    if (st == MOAT_X509_ERR_KEY_TYPE) /* the detail names the key type, not the file */
        fprintf(stderr, "moat cert: %s: %s (compressed certificates hold P-256 keys only)\n",
                path, e.msg);
    else if (st != MOAT_X509_OK)
        fprintf(stderr, "moat cert: %s\n", e.msg);
    return st == MOAT_X509_OK ? 0 : -1;
}

/* ---- explaining a refusal with the certificate's own values ---- */

static void print_field(const char *label, const moat_cert_def *def, const uint8_t *der,
                        moat_cert_element e)
{
    const moat_cert_loc *l = &def->el[e];
    fprintf(stderr, "  %s: %.*s\n", label, (int)l->count, (const char *)der + l->offset);
}

static void explain_refusal(const char *cmd, const char *path, const moat_cert_def *def,
                            const uint8_t *der, const moat_cert_extra *extra,
                            const uint8_t comp[72], moat_cert_status st)
{
    fprintf(stderr, "moat cert %s: %s cannot be stored compressed: %s\n", cmd, path,
            moat_cert_explain(st));
    if (st == MOAT_CERT_ERR_ISSUE_MINUTES || st == MOAT_CERT_ERR_ISSUE_YEAR ||
        st == MOAT_CERT_ERR_EXPIRE_MINUTES || st == MOAT_CERT_ERR_EXPIRE_NOT_WHOLE_YEARS ||
        st == MOAT_CERT_ERR_EXPIRE_YEARS) {
        print_field("notBefore", def, der, MOAT_CERT_EL_ISSUE_DATE);
        print_field("notAfter ", def, der, MOAT_CERT_EL_EXPIRE_DATE);
    } else if (st == MOAT_CERT_ERR_SERIAL_NOT_DERIVED) {
        const moat_cert_loc *sn = &def->el[MOAT_CERT_EL_SERIAL];
        uint8_t want[MOAT_CERT_SERIAL_MAX];
        char a[2 * MOAT_CERT_SERIAL_MAX + 1], b[2 * MOAT_CERT_SERIAL_MAX + 1];
        cli_hex(der + sn->offset, sn->count, a);
        fprintf(stderr, "  serial in the certificate: %s\n", a);
        if (moat_cert_serial_derive(def->sn_source, comp,
                                    der + def->el[MOAT_CERT_EL_PUBLIC_KEY].offset, extra->device_sn,
                                    want, sn->count) == MOAT_CERT_OK) {
            cli_hex(want, sn->count, b);
            fprintf(stderr, "  serial the SN source 0x%X derives: %s\n", def->sn_source, b);
        }
    }
}

/* ---- compress ---- */

typedef struct {
    const char *cert, *out, *def_out, *issuer, *sn_source_name, *device_sn_hex, *signer_id_in;
    int template_id, chain_id;
} compress_args;

static const struct {
    const char *name;
    uint8_t value;
} sn_sources[] = {
    {"pubkey-hash", MOAT_CERT_SNSRC_PUB_KEY_HASH},
    {"device-sn-hash", MOAT_CERT_SNSRC_DEVICE_SN_HASH},
    {"device-sn", MOAT_CERT_SNSRC_DEVICE_SN},
    {"signer-id", MOAT_CERT_SNSRC_SIGNER_ID},
    {"pubkey-hash-pos", MOAT_CERT_SNSRC_PUB_KEY_HASH_POS},
    {"device-sn-hash-pos", MOAT_CERT_SNSRC_DEVICE_SN_HASH_POS},
    {"pubkey-hash-raw", MOAT_CERT_SNSRC_PUB_KEY_HASH_RAW},
    {"device-sn-hash-raw", MOAT_CERT_SNSRC_DEVICE_SN_HASH_RAW},
};
#define N_SN_SOURCES (sizeof sn_sources / sizeof sn_sources[0])

static const char *sn_source_name(uint8_t v)
{
    for (size_t i = 0; i < N_SN_SOURCES; i++)
        if (sn_sources[i].value == v)
            return sn_sources[i].name;
    return "stored";
}

/* Compresses with the given SN source, or (sn_source < 0) the first source that reproduces
 * the certificate's serial; the status of the pubkey-hash attempt is kept for the message. */
static moat_cert_status compress_auto(moat_cert_def *def, const uint8_t *der, size_t len,
                                      const moat_cert_extra *extra, int sn_source, uint8_t comp[72])
{
    if (sn_source >= 0) {
        def->sn_source = (uint8_t)sn_source;
        return moat_cert_compress(def, der, len, extra, comp);
    }
    def->sn_source = MOAT_CERT_SNSRC_PUB_KEY_HASH;
    moat_cert_status first = moat_cert_compress(def, der, len, extra, comp);
    if (first != MOAT_CERT_ERR_SERIAL_NOT_DERIVED)
        return first;
    uint8_t other[72];
    for (size_t i = 1; i < N_SN_SOURCES; i++) {
        moat_cert_def d = *def;
        d.sn_source = sn_sources[i].value;
        if (moat_cert_compress(&d, der, len, extra, other) == MOAT_CERT_OK) {
            *def = d;
            memcpy(comp, other, 72);
            return MOAT_CERT_OK;
        }
    }
    return first;
}

/* Rebuilds from (def, comp) and compares with the original: the final guarantee. */
static int check_rebuild(const char *cmd, const moat_cert_def *def, const uint8_t comp[72],
                         const uint8_t *der, size_t len, const moat_cert_extra *extra)
{
    uint8_t out[CERT_MAX];
    size_t n = 0;
    const uint8_t *pub = der + def->el[MOAT_CERT_EL_PUBLIC_KEY].offset;
    moat_cert_status st = moat_cert_rebuild(def, comp, pub, extra, out, sizeof out, &n);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert %s: the rebuild failed: %s\n", cmd, moat_cert_explain(st));
        return -1;
    }
    if (n != len || memcmp(out, der, len) != 0) {
        size_t i = 0;
        while (i < n && i < len && out[i] == der[i])
            i++;
        fprintf(stderr,
                "moat cert %s: the rebuilt certificate differs from the original at "
                "byte %zu; this certificate cannot round-trip\n",
                cmd, i);
        return -1;
    }
    return 0;
}

static int parse_sn_source(const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < N_SN_SOURCES; i++)
        if (!strcmp(name, sn_sources[i].name))
            return sn_sources[i].value;
    return -2;
}

static int parse_signer_id_in(const char *s, moat_cert_signer_id_where *w)
{
    static const char *names[] = {"auto", "none", "issuer", "subject"};
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, names[i])) {
            *w = (moat_cert_signer_id_where)i;
            return 0;
        }
    return s ? -1 : 0;
}

static int compress_usage(FILE *f, int rc)
{
    fprintf(
        f, "usage: moat cert compress --cert X.crt --out X.cz [--def-out X.def] [options]\n"
           "  --cert FILE          certificate (PEM or DER) with a P-256 key, signed with P-256\n"
           "  --out FILE           the 72-byte compressed certificate\n"
           "  --def-out FILE       the certificate definition (default: --out with .def)\n"
           "  --issuer-cert FILE   the issuer's certificate: checks the authorityKeyIdentifier\n"
           "  --sn-source NAME     pubkey-hash (Trust&GO), device-sn-hash, device-sn, signer-id,\n"
           "                       *-pos, *-raw (default: the one that reproduces the serial)\n"
           "  --device-sn HEX      the chip's 9-byte serial (18 hex digits) for device-sn sources\n"
           "  --signer-id-in WHERE auto (CA: subject CN, else issuer CN), issuer, subject, none\n"
           "  --template-id N, --chain-id N   0-15 (default: 1 for a CA certificate, else 2; 0)\n");
    return rc;
}

static int parse_compress(int argc, char **argv, compress_args *a)
{
    static const struct option opts[] = {{"cert", required_argument, 0, 'c'},
                                         {"out", required_argument, 0, 'o'},
                                         {"def-out", required_argument, 0, 'd'},
                                         {"issuer-cert", required_argument, 0, 'i'},
                                         {"sn-source", required_argument, 0, 's'},
                                         {"device-sn", required_argument, 0, 'n'},
                                         {"signer-id-in", required_argument, 0, 'w'},
                                         {"template-id", required_argument, 0, 't'},
                                         {"chain-id", required_argument, 0, 'h'},
                                         {"help", no_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    int c;
    memset(a, 0, sizeof *a);
    a->template_id = a->chain_id = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->cert = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'd':
            a->def_out = optarg;
            break;
        case 'i':
            a->issuer = optarg;
            break;
        case 's':
            a->sn_source_name = optarg;
            break;
        case 'n':
            a->device_sn_hex = optarg;
            break;
        case 'w':
            a->signer_id_in = optarg;
            break;
        case 't':
            a->template_id = atoi(optarg);
            break;
        case 'h':
            a->chain_id = atoi(optarg);
            break;
        case 'H':
            return compress_usage(stdout, 0);
        default:
            return compress_usage(stderr, 2);
        }
    }
    if (!a->cert || !a->out || optind != argc || a->template_id > 15 || a->chain_id > 15)
        return compress_usage(stderr, 2);
    return -1;
}

static void default_def_path(const char *out, char *buf, size_t cap)
{
    size_t n = strlen(out);
    if (n > 3 && !strcmp(out + n - 3, ".cz"))
        snprintf(buf, cap, "%.*s.def", (int)(n - 3), out);
    else
        snprintf(buf, cap, "%s.def", out);
}

int moat_cli_cert_compress(int argc, char **argv)
{
    compress_args a;
    int rc = parse_compress(argc, argv, &a);
    if (rc >= 0)
        return rc; /* 0 after --help, 2 on bad usage */
    uint8_t der[CERT_MAX], issuer[CERT_MAX], issuer_pk[64], dsn[9], comp[72] = {0};
    size_t len, ilen;
    moat_cert_def def;
    moat_cert_extra extra = {NULL, NULL};
    moat_cert_signer_id_where where = MOAT_CERT_SIGNER_ID_AUTO;
    int sn_source = parse_sn_source(a.sn_source_name);
    if (sn_source == -2 || parse_signer_id_in(a.signer_id_in, &where) != 0 ||
        (a.device_sn_hex && cli_parse_hex(a.device_sn_hex, dsn, 9) != 0)) {
        fprintf(stderr, "moat cert compress: bad --sn-source, --signer-id-in or --device-sn\n");
        return compress_usage(stderr, 2);
    }
    if (a.device_sn_hex)
        extra.device_sn = dsn;
    if (load_cert(a.cert, der, sizeof der, &len) != 0)
        return 1;
    if (a.issuer) {
        moat_cert_status ist = MOAT_CERT_ERR_DER;
        if (load_cert(a.issuer, issuer, sizeof issuer, &ilen) != 0 ||
            (ist = moat_cert_der_pubkey(issuer, ilen, issuer_pk)) != MOAT_CERT_OK) {
            fprintf(stderr, "moat cert compress: --issuer-cert %s: %s\n", a.issuer,
                    moat_cert_explain(ist));
            return 1;
        }
        extra.signer_pubkey = issuer_pk;
    }
    moat_cert_status st = moat_cert_def_from_der(der, len, where, &def);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert compress: %s: %s\n", a.cert, moat_cert_explain(st));
        return 1;
    }
    if (a.template_id >= 0)
        def.template_id = (uint8_t)a.template_id;
    if (a.chain_id >= 0)
        def.chain_id = (uint8_t)a.chain_id;
    st = compress_auto(&def, der, len, &extra, sn_source, comp);
    if (st != MOAT_CERT_OK) {
        explain_refusal("compress", a.cert, &def, der, &extra, comp, st);
        return 1;
    }
    if (check_rebuild("compress", &def, comp, der, len, &extra) != 0)
        return 1;
    uint8_t ser[CERT_MAX + MOAT_CERT_DEF_HEADER_SIZE];
    size_t slen;
    char def_path[1024];
    if (!a.def_out)
        default_def_path(a.out, def_path, sizeof def_path);
    st = moat_cert_def_serialize(&def, ser, sizeof ser, &slen);
    if (st != MOAT_CERT_OK || cli_write_file("moat cert", a.out, comp, 72) != 0 ||
        cli_write_file("moat cert", a.def_out ? a.def_out : def_path, ser, slen) != 0)
        return 1;
    printf("%s -> %s (72 bytes: format %u, template %u, chain %u, SN source %s, signer ID "
           "%02X%02X); definition -> %s (%zu bytes)\n",
           a.cert, a.out, comp[70] & 0x0F, def.template_id, def.chain_id,
           sn_source_name(def.sn_source), comp[67], comp[68], a.def_out ? a.def_out : def_path,
           slen);
    return 0;
}

/* ---- decompress ---- */

static int decompress_usage(FILE *f, int rc)
{
    fprintf(
        f, "usage: moat cert decompress --in X.cz --def X.def --pubkey PUB.pem --out X.crt\n"
           "                            [--signer-pubkey S.pem] [--device-sn HEX] [--der]\n"
           "  --pubkey PEM         the subject's public key (PEM key, certificate or private key)\n"
           "  --signer-pubkey PEM  the issuer's key: writes the authorityKeyIdentifier (otherwise\n"
           "                       the template's is kept)\n"
           "  --device-sn HEX      the chip's 9-byte serial, for device-sn serial sources\n"
           "  --der                write DER instead of PEM\n");
    return rc;
}

int moat_cli_cert_decompress(int argc, char **argv)
{
    static const struct option opts[] = {{"in", required_argument, 0, 'i'},
                                         {"def", required_argument, 0, 'd'},
                                         {"pubkey", required_argument, 0, 'p'},
                                         {"signer-pubkey", required_argument, 0, 's'},
                                         {"out", required_argument, 0, 'o'},
                                         {"device-sn", required_argument, 0, 'n'},
                                         {"der", no_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    const char *in = NULL, *defp = NULL, *pub = NULL, *spub = NULL, *out = NULL, *dsn_hex = NULL;
    int c, der_out = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            in = optarg;
            break;
        case 'd':
            defp = optarg;
            break;
        case 'p':
            pub = optarg;
            break;
        case 's':
            spub = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'n':
            dsn_hex = optarg;
            break;
        case 'D':
            der_out = 1;
            break;
        case 'H':
            return decompress_usage(stdout, 0);
        default:
            return decompress_usage(stderr, 2);
        }
    }
    if (!in || !defp || !pub || !out || optind != argc)
        return decompress_usage(stderr, 2);
    uint8_t comp[CERT_MAX], defbuf[CERT_MAX + MOAT_CERT_DEF_HEADER_SIZE], pk[64], spk[64], dsn[9];
    uint8_t cert[CERT_MAX];
    size_t clen, dlen, n;
    moat_cert_def def;
    moat_cert_extra extra = {NULL, NULL};
    if (dsn_hex && cli_parse_hex(dsn_hex, dsn, 9) != 0) {
        fprintf(stderr, "moat cert decompress: --device-sn takes 18 hex digits\n");
        return 2;
    }
    if (dsn_hex)
        extra.device_sn = dsn;
    if (cli_read_file("moat cert", in, comp, sizeof comp, &clen) != 0 ||
        cli_read_file("moat cert", defp, defbuf, sizeof defbuf, &dlen) != 0 ||
        load_pubkey(pub, pk) != 0 ||
        (spub && load_pubkey(spub, spk) != 0))
        return 1;
    if (spub)
        extra.signer_pubkey = spk;
    if (clen != 72) {
        fprintf(stderr, "moat cert decompress: %s is %zu bytes; a compressed certificate is 72\n",
                in, clen);
        return 1;
    }
    moat_cert_status st = moat_cert_def_parse(defbuf, dlen, &def);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert decompress: %s: %s\n", defp, moat_cert_explain(st));
        return 1;
    }
    st = moat_cert_rebuild(&def, comp, pk, &extra, cert, sizeof cert, &n);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert decompress: %s: %s\n", in, moat_cert_explain(st));
        return 1;
    }
    int wrote = der_out ? cli_write_file("moat cert", out, cert, n) : write_cert_pem(out, cert, n);
    if (wrote != 0)
        return 1;
    printf("%s + %s -> %s (%zu bytes DER)\n", in, defp, out, n);
    return 0;
}

/* ---- store / read: the chip ---- */

typedef struct {
    uint8_t der[CERT_MAX];
    size_t len;
    moat_cert_def def;
    uint8_t comp[72];
    uint8_t tmpl[CERT_MAX];
    uint8_t ser[CERT_MAX + MOAT_CERT_DEF_HEADER_SIZE];
    size_t ser_len;
} chip_cert;

static moat_atecc *open_chip(const char *cmd, const char *locator)
{
    char err[256] = "";
    moat_atecc *dev = NULL;
    moat_atecc_loc_status ls = moat_atecc_open_locator(locator, &dev, err, sizeof err);
    if (ls == MOAT_ATECC_LOC_NOT_ATECC)
        fprintf(stderr,
                "moat cert %s: %s is not an ATECC608: compressed certificates live in "
                "an ATECC608's slots (use emu:IMAGE, emu+unix:SOCKET or i2c:...)\n",
                cmd, locator);
    else if (ls != MOAT_ATECC_LOC_OK)
        fprintf(stderr, "moat cert %s: %s\n", cmd, err);
    return ls == MOAT_ATECC_LOC_OK ? dev : NULL;
}

static int chip_fail(const char *cmd, const char *what, moat_atecc_status st)
{
    fprintf(stderr, "moat cert %s: %s: %s\n", cmd, what, moat_atecc_strerror(st));
    return 1;
}

/* Builds the definition, compresses and prepares the blanked serialized definition. */
static int prepare(const char *path, chip_cert *c, const moat_cert_extra *extra, bool blank_aki)
{
    moat_cert_status st = moat_cert_def_from_der(c->der, c->len, MOAT_CERT_SIGNER_ID_AUTO, &c->def);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert store: %s: %s\n", path, moat_cert_explain(st));
        return -1;
    }
    st = compress_auto(&c->def, c->der, c->len, extra, -1, c->comp);
    if (st != MOAT_CERT_OK) {
        explain_refusal("store", path, &c->def, c->der, extra, c->comp, st);
        return -1;
    }
    if (check_rebuild("store", &c->def, c->comp, c->der, c->len, extra) != 0)
        return -1;
    moat_cert_def d = c->def;
    size_t sig = d.el[MOAT_CERT_EL_SIGNATURE].offset;
    memcpy(c->tmpl, c->der, sig);
    d.template_der = c->tmpl;
    d.template_len = sig;
    st = moat_cert_def_blank_dynamic(&d, c->tmpl, sig, blank_aki);
    if (st == MOAT_CERT_OK)
        st = moat_cert_def_serialize(&d, c->ser, sizeof c->ser, &c->ser_len);
    if (st != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert store: %s: %s\n", path, moat_cert_explain(st));
        return -1;
    }
    return 0;
}

/* The chip's stored public-key format: 4 pad bytes before X and before Y (72 bytes). */
static void pad_pubkey(const uint8_t xy[64], uint8_t out[72])
{
    memset(out, 0, 72);
    memcpy(out + 4, xy, 32);
    memcpy(out + 40, xy + 32, 32);
}

static int store_usage(FILE *f, int rc)
{
    fprintf(f,
            "usage: moat cert store --se LOCATOR --device device.crt --signer signer.crt\n"
            "  writes the device and signer compressed certificates (slots 10 and 12), the signer\n"
            "  public key (slot 11) and both certificate definitions (slot 8, then 13; packed).\n"
            "  The device certificate must certify the chip's slot-0 key.\n");
    return rc;
}

static int write_slots(moat_atecc *dev, const chip_cert *dc, const chip_cert *sc,
                       const uint8_t signer_pk[64], const uint8_t *pack, size_t pack_len)
{
    moat_atecc_lock_state locks;
    uint8_t padded[72];
    moat_atecc_status st = moat_atecc_read_locks(dev, &locks);
    if (st != MOAT_ATECC_OK)
        return chip_fail("store", "reading the lock state", st);
    pad_pubkey(signer_pk, padded);
    struct {
        uint8_t slot;
        const uint8_t *data;
        size_t len;
    } w[] = {{MOAT_CHIP_SLOT_DEVICE_CERT, dc->comp, 72},
             {MOAT_CHIP_SLOT_SIGNER_CERT, sc->comp, 72},
             {MOAT_CHIP_SLOT_SIGNER_KEY, padded, 72},
             {MOAT_CHIP_SLOT_DEFS, pack, pack_len < MOAT_CERT_PACK_SLOT8 ? pack_len : MOAT_CERT_PACK_SLOT8},
             {MOAT_CHIP_SLOT_DEFS_MORE, pack + MOAT_CERT_PACK_SLOT8,
              pack_len > MOAT_CERT_PACK_SLOT8 ? pack_len - MOAT_CERT_PACK_SLOT8 : 0}};
    for (size_t i = 0; i < sizeof w / sizeof w[0] && w[i].len > 0; i++) {
        st = moat_atecc_write_slot(dev, w[i].slot, w[i].data, w[i].len, locks.data_locked);
        if (st != MOAT_ATECC_OK) {
            char what[64];
            snprintf(what, sizeof what, "writing slot %u", w[i].slot);
            return chip_fail("store", what, st);
        }
    }
    return 0;
}

static chip_cert dc, sc; /* store's device and signer certificates (large: not on the stack) */

/* Checks the device certificate is for the chip's key, compresses both certificates and
 * packs their definitions. */
static int build_pack(const char *devp, const char *sigp, const char *se,
                      const uint8_t signer_pk[64], const uint8_t chip_pk[64],
                      const uint8_t serial[9], uint8_t pack[MOAT_CERT_PACK_MAX], size_t *pack_len)
{
    uint8_t dev_pk[64];
    if (moat_cert_der_pubkey(dc.der, dc.len, dev_pk) == MOAT_CERT_OK &&
        memcmp(dev_pk, chip_pk, 64) != 0) {
        fprintf(stderr,
                "moat cert store: %s certifies another key than the chip's slot-0 key: "
                "the chip rebuilds the certificate with its own key; issue the "
                "certificate for this chip (moat cert issue --se %s)\n",
                devp, se);
        return -1;
    }
    moat_cert_extra dextra = {signer_pk, serial}, sextra = {NULL, serial};
    if (prepare(devp, &dc, &dextra, true) != 0 || prepare(sigp, &sc, &sextra, false) != 0)
        return -1;
    moat_cert_status cs =
        moat_cert_pack(sc.ser, sc.ser_len, dc.ser, dc.ser_len, pack, MOAT_CERT_PACK_MAX, pack_len);
    if (cs == MOAT_CERT_ERR_BUFFER)
        fprintf(stderr,
                "moat cert store: the two certificate definitions do not fit slots 8 and "
                "13 (%u bytes) even packed: shorten the names or extensions of the "
                "certificates\n",
                MOAT_CERT_PACK_MAX);
    else if (cs != MOAT_CERT_OK)
        fprintf(stderr, "moat cert store: %s\n", moat_cert_explain(cs));
    return cs == MOAT_CERT_OK ? 0 : -1;
}

int moat_cli_cert_store(int argc, char **argv)
{
    static const struct option opts[] = {{"se", required_argument, 0, 's'},
                                         {"device", required_argument, 0, 'd'},
                                         {"signer", required_argument, 0, 'g'},
                                         {"help", no_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    const char *se = NULL, *devp = NULL, *sigp = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            se = optarg;
        else if (c == 'd')
            devp = optarg;
        else if (c == 'g')
            sigp = optarg;
        else if (c == 'H')
            return store_usage(stdout, 0);
        else
            return store_usage(stderr, 2);
    }
    if (!se || !devp || !sigp || optind != argc)
        return store_usage(stderr, 2);
    uint8_t signer_pk[64], chip_pk[64], serial[9], pack[MOAT_CERT_PACK_MAX];
    size_t pack_len;
    if (load_cert(devp, dc.der, sizeof dc.der, &dc.len) != 0 ||
        load_cert(sigp, sc.der, sizeof sc.der, &sc.len) != 0)
        return 1;
    moat_cert_status cs = moat_cert_der_pubkey(sc.der, sc.len, signer_pk);
    if (cs != MOAT_CERT_OK) {
        fprintf(stderr, "moat cert store: %s: %s\n", sigp, moat_cert_explain(cs));
        return 1;
    }
    moat_atecc *dev = open_chip("store", se);
    if (!dev)
        return 1;
    int rc = 1;
    moat_atecc_status st = moat_atecc_get_pubkey(dev, MOAT_CHIP_SLOT_DEVICE_KEY, chip_pk);
    if (st == MOAT_ATECC_OK)
        st = moat_atecc_read_serial(dev, serial);
    if (st != MOAT_ATECC_OK) {
        rc = chip_fail("store", "reading the slot-0 public key and serial", st);
        goto done;
    }
    if (build_pack(devp, sigp, se, signer_pk, chip_pk, serial, pack, &pack_len) != 0)
        goto done;
    if (write_slots(dev, &dc, &sc, signer_pk, pack, pack_len) != 0)
        goto done;
    printf("stored in %s: device certificate -> slot 10, signer certificate -> slot 12, signer "
           "public key -> slot 11, definitions -> slot 8%s (%zu of %u bytes)\n",
           se, pack_len > MOAT_CERT_PACK_SLOT8 ? " and 13" : "", pack_len, MOAT_CERT_PACK_MAX);
    rc = 0;
done:
    moat_atecc_close_locator(dev);
    return rc;
}

/* ---- read ---- */

int moat_cli_cert_read(int argc, char **argv)
{
    static const struct option opts[] = {{"se", required_argument, 0, 's'},
                                         {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'H'},
                                         {0, 0, 0, 0}};
    const char *se = NULL, *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 's')
            se = optarg;
        else if (c == 'o')
            out = optarg;
        else {
            fprintf(c == 'H' ? stdout : stderr,
                    "usage: moat cert read --se LOCATOR --out DIR\n"
                    "  rebuilds DIR/device.crt and DIR/signer.crt from the chip's slots 8, 10-13\n"
                    "  and its slot-0 public key\n");
            return c == 'H' ? 0 : 2;
        }
    }
    if (!se || !out || optind != argc) {
        fprintf(stderr, "usage: moat cert read --se LOCATOR --out DIR\n");
        return 2;
    }
    if (mkdir(out, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "moat cert read: cannot create %s: %s\n", out, strerror(errno));
        return 1;
    }
    static moat_chip_chain_scratch scratch;
    static uint8_t dder[MOAT_CHIP_CERT_MAX], sder[MOAT_CHIP_CERT_MAX];
    size_t dlen, slen;
    moat_atecc *dev = open_chip("read", se);
    if (!dev)
        return 1;
    moat_chip_chain_status cst = moat_chip_chain_read(dev, NULL, &scratch, dder, sizeof dder, &dlen,
                                                      sder, sizeof sder, &slen);
    moat_atecc_close_locator(dev);
    if (cst != MOAT_CHIP_CHAIN_OK) {
        char why[512];
        fprintf(stderr, "moat cert read: %s: %s\n", se,
                moat_chip_chain_explain(cst, &scratch, why, sizeof why));
        return 1;
    }
    char dpath[1024], spath[1024];
    snprintf(dpath, sizeof dpath, "%s/device.crt", out);
    snprintf(spath, sizeof spath, "%s/signer.crt", out);
    if (write_cert_pem(spath, sder, slen) != 0 || write_cert_pem(dpath, dder, dlen) != 0)
        return 1;
    printf("rebuilt from %s: %s, %s\n", se, dpath, spath);
    return 0;
}
