/* doctor_chain.c - `moat doctor chain DEVICE [--signer S] [--root R] [--se LOCATOR]`: builds
 * and verifies the chain, prints it as a tree and explains each failure with its fix. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "moat/x509.h"

#define MAX_CERTS 32

typedef struct {
    moat_x509_labeled items[MAX_CERTS];
    char labels[MAX_CERTS][280];
    size_t n;
} cert_set;

static int chain_usage(FILE *f, int rc)
{
    fprintf(
        f,
        "usage: moat doctor chain DEVICE.crt [--signer SIGNER.crt]... [--root ROOT.crt]...\n"
        "                         [--se LOCATOR [--slot N] | --pubkey PEM] [--at \"YYYY-MM-DD "
        "HH:MM\"]\n"
        "  DEVICE.crt     the device certificate (more certificates in the file are "
        "intermediates)\n"
        "  --signer FILE  intermediate CA certificate(s), untrusted (openssl -untrusted)\n"
        "  --root FILE    trust anchor(s) (openssl -CAfile)\n"
        "  --se LOCATOR   check that the device certificate certifies this key (ATECC608 slot 0\n"
        "                 unless --slot; emu:IMAGE, emu+unix:SOCKET, i2c:..., pkcs11:..., "
        "file:...)\n"
        "  --pubkey PEM   the same check against a PEM public key\n"
        "  --at TIME      verify at this UTC time instead of now\n"
        "exit status: 0 the chain verifies, 1 findings were printed, 2 bad usage or input\n");
    return rc;
}

/* Adds every certificate of `path` to `set`; the first may be diverted to *first. */
static int load_into(const char *path, cert_set *set, X509 **first)
{
    STACK_OF(X509) *sk = NULL;
    moat_x509_err e = {""};
    if (moat_x509_load_certs(path, &sk, &e) != MOAT_X509_OK) {
        fprintf(stderr, "moat doctor chain: %s\n", e.msg);
        return -1;
    }
    int total = sk_X509_num(sk);
    for (int i = 0; i < total; i++) {
        X509 *c = sk_X509_value(sk, i);
        if (i == 0 && first) {
            *first = c;
            continue;
        }
        if (set->n >= MAX_CERTS) {
            X509_free(c);
            continue;
        }
        if (total > 1)
            snprintf(set->labels[set->n], sizeof set->labels[0], "%s#%d", path, i + 1);
        else
            snprintf(set->labels[set->n], sizeof set->labels[0], "%s", path);
        set->items[set->n].cert = c;
        set->items[set->n].label = set->labels[set->n];
        set->n++;
    }
    sk_X509_free(sk);
    return 0;
}

static void free_set(cert_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        X509_free(s->items[i].cert);
}

static int expected_from_se(const char *loc, unsigned slot, EVP_PKEY **out)
{
    uint8_t xy[64];
    if (cli_locator_pubkey("moat doctor chain", loc, slot, xy, NULL, NULL) != 0)
        return -1;
    return moat_x509_pubkey_from_raw(xy, out, NULL) == MOAT_X509_OK ? 0 : -1;
}

static int parse_at(const char *s, time_t *out)
{
    struct tm tm;
    if (cli_parse_utc(s, &tm, out) != 0 || tm.tm_year + 1900 < 1950 || tm.tm_year + 1900 > 9999)
        return -1;
    return 0;
}

typedef struct {
    cert_set inter, anchors;
    X509 *leaf;
    EVP_PKEY *key;
    char key_label[300];
    time_t now;
} chain_args;

static int parse_chain_args(int argc, char **argv, chain_args *a)
{
    static const struct option opts[] = {
        {"signer", required_argument, 0, 's'}, {"root", required_argument, 0, 'r'},
        {"se", required_argument, 0, 'S'},     {"slot", required_argument, 0, 'l'},
        {"pubkey", required_argument, 0, 'p'}, {"at", required_argument, 0, 'a'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *se = NULL, *pubkey = NULL;
    unsigned long slot = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (load_into(optarg, &a->inter, NULL))
                return 2;
            break;
        case 'r':
            if (load_into(optarg, &a->anchors, NULL))
                return 2;
            break;
        case 'S':
            se = optarg;
            break;
        case 'l':
            if (!cli_parse_uint("moat doctor chain", "--slot", optarg, 15, &slot))
                return 2;
            break;
        case 'p':
            pubkey = optarg;
            break;
        case 'a':
            if (parse_at(optarg, &a->now)) {
                fprintf(stderr, "moat doctor chain: --at takes \"YYYY-MM-DD\" or "
                                "\"YYYY-MM-DD HH:MM:SS\" (UTC)\n");
                return 2;
            }
            break;
        case 'h':
            return chain_usage(stdout, 0) - 1;
        default:
            return chain_usage(stderr, 2);
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "moat doctor chain: give exactly one device certificate file\n");
        return chain_usage(stderr, 2);
    }
    if (load_into(argv[optind], &a->inter, &a->leaf))
        return 2;
    if (se) {
        if (expected_from_se(se, (unsigned)slot, &a->key))
            return 2;
        snprintf(a->key_label, sizeof a->key_label, "slot %lu of %s", slot, se);
    } else if (pubkey) {
        moat_x509_err e = {""};
        if (moat_x509_load_public_key(pubkey, &a->key, NULL, &e) != MOAT_X509_OK) {
            fprintf(stderr, "moat doctor chain: %s\n", e.msg);
            return 2;
        }
        snprintf(a->key_label, sizeof a->key_label, "the key in %s", pubkey);
    }
    return 0;
}

int moat_cli_doctor_chain(int argc, char **argv)
{
    static chain_args a; /* large: keep it off the stack */
    memset(&a, 0, sizeof a);
    int rc = parse_chain_args(argc, argv, &a);
    if (rc == 0) {
        moat_x509_chain_input in = {
            .leaf = {a.leaf, argv[argc - 1]},
            .intermediates = a.inter.items,
            .n_intermediates = a.inter.n,
            .anchors = a.anchors.items,
            .n_anchors = a.anchors.n,
            .expected_key = a.key,
            .expected_key_label = a.key_label,
            .now = a.now,
        };
        static moat_x509_report r;
        static char text[32768];
        if (moat_x509_diagnose_chain(&in, &r) != MOAT_X509_OK) {
            fprintf(stderr, "moat doctor chain: the diagnosis failed (out of memory?)\n");
            rc = 2;
        } else {
            moat_x509_report_text(&r, text, sizeof text);
            fputs(text, stdout);
            rc = r.ok ? 0 : 1;
        }
    }
    X509_free(a.leaf);
    EVP_PKEY_free(a.key);
    free_set(&a.inter);
    free_set(&a.anchors);
    return rc < 0 ? 0 : rc;
}
