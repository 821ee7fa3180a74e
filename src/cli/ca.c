/* ca.c - `moat ca`: creates the root and signer CAs (init) and the certificate AWS IoT asks
 * for to prove possession of a CA key (verification-cert). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "moat/x509.h"

static int ca_usage(FILE *f, int rc)
{
    fprintf(f, "usage: moat ca init --out DIR [--org ORG] [--signer-id HHHH] [--root-years N]\n"
               "                    [--signer-years N] [--force]\n"
               "         writes DIR/root.crt root.key signer.crt signer.key (keys mode 0600)\n"
               "       moat ca verification-cert --ca DIR --registration-code CODE --out FILE\n"
               "                    [--by signer|root] [--days N] [--force]\n"
               "         the certificate AWS IoT asks for when registering a CA\n"
               "         (aws iot get-registration-code gives CODE)\n");
    return rc;
}

/* A numeric option into an unsigned field (cli_parse_uint prints the usage error). */
static int parse_uint(const char *val, const char *opt, unsigned long max, unsigned *out)
{
    unsigned long v;
    if (!cli_parse_uint("moat ca", opt, val, max, &v))
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int ca_init(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                         {"org", required_argument, 0, 'g'},
                                         {"signer-id", required_argument, 0, 'i'},
                                         {"root-years", required_argument, 0, 'r'},
                                         {"signer-years", required_argument, 0, 's'},
                                         {"force", no_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    moat_x509_ca_opts o;
    moat_x509_ca_opts_init(&o);
    const char *out = NULL;
    bool force = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out = optarg;
            break;
        case 'g':
            o.org = optarg;
            break;
        case 'i':
            o.signer_id = optarg;
            break;
        case 'r':
            if (parse_uint(optarg, "--root-years", 100, &o.root_years))
                return 2;
            break;
        case 's':
            if (parse_uint(optarg, "--signer-years", 127, &o.signer_years))
                return 2;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            return ca_usage(stdout, 0);
        default:
            return ca_usage(stderr, 2);
        }
    }
    if (!out || optind < argc) {
        fprintf(stderr, "moat ca init: %s\n",
                out ? "unexpected argument" : "--out DIR is required");
        return ca_usage(stderr, 2);
    }
    moat_x509_ca ca;
    moat_x509_err e = {""};
    moat_x509_status st = moat_x509_ca_create(&o, &ca, &e);
    if (st == MOAT_X509_OK) {
        st = moat_x509_ca_save(&ca, out, force, &e);
        if (st == MOAT_X509_OK) {
            char r[256], s[256];
            moat_x509_name_text(X509_get_subject_name(ca.root), r, sizeof r);
            moat_x509_name_text(X509_get_subject_name(ca.signer), s, sizeof s);
            printf("root CA   %s/root.crt    %s\nsigner CA %s/signer.crt  %s\n"
                   "keys      %s/root.key, %s/signer.key (mode 0600; keep them secret)\n",
                   out, r, out, s, out, out);
        }
        moat_x509_ca_free(&ca);
    }
    if (st != MOAT_X509_OK) {
        fprintf(stderr, "moat ca init: %s\n", e.msg[0] ? e.msg : moat_x509_strerror(st));
        return 1;
    }
    return 0;
}

static int ca_verification(int argc, char **argv)
{
    static const struct option opts[] = {
        {"ca", required_argument, 0, 'c'},   {"registration-code", required_argument, 0, 'r'},
        {"out", required_argument, 0, 'o'},  {"by", required_argument, 0, 'b'},
        {"days", required_argument, 0, 'd'}, {"force", no_argument, 0, 'f'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *dir = NULL, *code = NULL, *out = NULL, *by = "signer";
    unsigned days = 365;
    bool force = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            dir = optarg;
            break;
        case 'r':
            code = optarg;
            break;
        case 'o':
            out = optarg;
            break;
        case 'b':
            by = optarg;
            break;
        case 'd':
            if (parse_uint(optarg, "--days", 36500, &days))
                return 2;
            break;
        case 'f':
            force = true;
            break;
        case 'h':
            return ca_usage(stdout, 0);
        default:
            return ca_usage(stderr, 2);
        }
    }
    if (!dir || !code || !out || optind < argc) {
        fprintf(stderr, "moat ca verification-cert: --ca DIR, --registration-code CODE and "
                        "--out FILE are required\n");
        return 2;
    }
    if (strcmp(by, "signer") != 0 && strcmp(by, "root") != 0) {
        fprintf(stderr,
                "moat ca verification-cert: --by is 'signer' (the CA that signs "
                "devices, the one AWS IoT must know) or 'root', not \"%s\"\n",
                by);
        return 2;
    }
    moat_x509_ca ca;
    moat_x509_err e = {""};
    X509 *v = NULL;
    bool root = !strcmp(by, "root");
    moat_x509_status st = moat_x509_ca_load(dir, &ca, &e);
    if (st == MOAT_X509_OK) {
        st = moat_x509_verification_cert(root ? ca.root : ca.signer,
                                         root ? ca.root_key : ca.signer_key, code, days, &v, &e);
        if (st == MOAT_X509_OK)
            st = moat_x509_write_cert(out, v, force, &e);
        if (st == MOAT_X509_OK)
            printf("%s: CN=%s, signed by the %s CA (%s/%s.crt)\nregister with: aws iot "
                   "register-ca-certificate --ca-certificate file://%s/%s.crt "
                   "--verification-cert file://%s\n",
                   out, code, by, dir, by, dir, by, out);
        X509_free(v);
        moat_x509_ca_free(&ca);
    }
    if (st != MOAT_X509_OK) {
        fprintf(stderr, "moat ca verification-cert: %s\n",
                e.msg[0] ? e.msg : moat_x509_strerror(st));
        return 1;
    }
    return 0;
}

int moat_cli_ca(int argc, char **argv)
{
    static const cli_command subs[] = {
        {"init", ca_init, "create the root and signer CAs (keys mode 0600)"},
        {"verification-cert", ca_verification,
         "the certificate AWS IoT asks for when registering a CA"},
    };
    return cli_dispatch("moat ca", "usage: moat ca SUBCOMMAND ...  (moat ca SUBCOMMAND --help)",
                        subs, sizeof subs / sizeof subs[0], argc, argv);
}
