/* cert_issue.c - `moat cert issue`: device certificates from the signer CA, for a key read
 * from a chip (--se), a PEM public key, or a CSR; one at a time or a batch from a list. */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "moat/x509.h"

typedef struct {
    const char *ca_dir, *se, *pubkey, *csr, *out, *batch, *out_dir;
    unsigned slot;
    bool force;
    moat_x509_device_opts dev;
    bool sn_given;
} issue_args;

static int issue_usage(FILE *f, int rc)
{
    fprintf(
        f,
        "usage: moat cert issue --ca DIR (--se LOCATOR [--slot N] | --pubkey PEM | --csr CSR)\n"
        "                       --out FILE [options]\n"
        "       moat cert issue --ca DIR --batch LIST --out-dir DIR [options]\n"
        "  --se LOCATOR     the key of a secure element: emu:IMAGE, emu+unix:SOCKET,\n"
        "                   i2c:/dev/i2c-N[@0x35] (slot 0 unless --slot), pkcs11:..., "
        "file:KEY.pem\n"
        "  --pubkey PEM     a PUBLIC KEY (or certificate / private key) PEM\n"
        "  --csr CSR        a CSR; its signature is checked\n"
        "  --sn HEX         the chip's 9-byte serial number (18 hex digits); read from the chip\n"
        "                   with an ATECC608 --se\n"
        "  --cn NAME        the subject CN as given (default: --cn-format applied to the serial,\n"
        "                   or a CSR's own CN)\n"
        "  --cn-format FMT  default \"sn{sn}\" (Trust&GO); \"{sn} ATECC\" is Microchip's legacy "
        "form\n"
        "  --org ORG        subject O (default: the signer's O)\n"
        "  --not-before \"YYYY-MM-DD[ HH]\"  UTC, whole hours (default: now, truncated)\n"
        "  --years N        validity in whole years, 0-127; 0 = no expiry (9999-12-31 23:59:59);\n"
        "                   default 28 as Trust&GO\n"
        "  --no-key-agreement, --no-client-auth   leave keyAgreement / clientAuth out\n"
        "  --batch LIST     one input per line: PATH [SN_HEX | CN=NAME] (PATH relative to LIST;\n"
        "                   '#' starts a comment); each PATH a public key, certificate or CSR;\n"
        "                   writes OUT_DIR/<CN>.crt\n"
        "  --force          overwrite existing output files\n");
    return rc;
}

/* Whole hours only, years 2000-2127: what the compressed certificate can hold. */
static int parse_not_before(const char *s, time_t *out)
{
    struct tm tm;
    if (cli_parse_utc(s, &tm, out) != 0 || tm.tm_year + 1900 < 2000 ||
        tm.tm_year + 1900 > 2127 || tm.tm_min != 0 || tm.tm_sec != 0)
        return -1;
    return 0;
}

/* Public key (and, for an ATECC608 without --sn, the chip serial) from a secure element. */
static int key_from_se(issue_args *a, moat_x509_device_opts *o, EVP_PKEY **pub)
{
    uint8_t xy[64];
    if (cli_locator_pubkey("moat cert issue", a->se, a->slot, xy, a->sn_given ? NULL : o->sn,
                           &o->have_sn) != 0)
        return 1;
    moat_x509_err e = {""};
    if (moat_x509_pubkey_from_raw(xy, pub, &e) != MOAT_X509_OK) {
        fprintf(stderr, "moat cert issue: %s slot %u: %s\n", a->se, a->slot, e.msg);
        return 1;
    }
    return 0;
}

/* A CSR's own CN, used when neither --cn nor --sn names the device. */
static void csr_cn(const char *path, char *cn, size_t cap)
{
    X509_REQ *r = NULL;
    cn[0] = 0;
    if (moat_x509_load_csr(path, &r, NULL) != MOAT_X509_OK)
        return;
    const X509_NAME *n = X509_REQ_get_subject_name(r);
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    const ASN1_STRING *s = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)) : NULL;
    if (s)
        snprintf(cn, cap, "%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
    X509_REQ_free(r);
}

/* Issues one certificate for `pub` into `out`, printing a summary line. */
static int issue_one(const moat_x509_ca *ca, EVP_PKEY *pub, const moat_x509_device_opts *o,
                     const char *out, bool force)
{
    X509 *cert = NULL;
    moat_x509_err e = {""};
    moat_x509_status st = moat_x509_issue_device(ca->signer, ca->signer_key, pub, o, &cert, &e);
    if (st == MOAT_X509_OK)
        st = moat_x509_write_cert(out, cert, force, &e);
    if (st != MOAT_X509_OK) {
        fprintf(stderr, "moat cert issue: %s: %s\n", out,
                e.msg[0] ? e.msg : moat_x509_strerror(st));
        X509_free(cert);
        return 1;
    }
    char subj[256], iss[256], nb[48], na[48];
    moat_x509_name_text(X509_get_subject_name(cert), subj, sizeof subj);
    moat_x509_name_text(X509_get_issuer_name(cert), iss, sizeof iss);
    moat_x509_time_text(X509_get0_notBefore(cert), nb, sizeof nb);
    moat_x509_time_text(X509_get0_notAfter(cert), na, sizeof na);
    printf("%s: %s\n  issued by %s, valid %s to %s\n", out, subj, iss, nb, na);
    X509_free(cert);
    return 0;
}

static int issue_single(issue_args *a, const moat_x509_ca *ca)
{
    EVP_PKEY *pub = NULL;
    moat_x509_device_opts o = a->dev;
    char cn[80];
    moat_x509_err e = {""};
    if (a->se) {
        if (key_from_se(a, &o, &pub))
            return 1;
    } else {
        const char *path = a->pubkey ? a->pubkey : a->csr;
        moat_x509_status st;
        if (a->csr) {
            X509_REQ *r = NULL;
            st = moat_x509_load_csr(path, &r, &e);
            if (st == MOAT_X509_OK)
                pub = X509_REQ_get_pubkey(r);
            X509_REQ_free(r);
        } else {
            st = moat_x509_load_public_key(path, &pub, NULL, &e);
        }
        if (st != MOAT_X509_OK) {
            fprintf(stderr, "moat cert issue: %s\n", e.msg[0] ? e.msg : moat_x509_strerror(st));
            return 1;
        }
        if (a->csr && !o.cn && !o.have_sn) {
            csr_cn(a->csr, cn, sizeof cn);
            if (cn[0])
                o.cn = cn;
        }
    }
    int rc = issue_one(ca, pub, &o, a->out, a->force);
    EVP_PKEY_free(pub);
    return rc;
}

/* One batch line "PATH [SN_HEX | CN=NAME]": issues OUT_DIR/<CN>.crt. */
static int issue_batch_line(issue_args *a, const moat_x509_ca *ca, const char *base, char *line,
                            unsigned lineno)
{
    char *path = strtok(line, " \t"), *name = strtok(NULL, " \t");
    char full[4096], cn[80] = "", out[4200];
    moat_x509_device_opts o = a->dev;
    if (name && !strncmp(name, "CN=", 3)) {
        snprintf(cn, sizeof cn, "%s", name + 3);
        o.cn = cn;
    } else if (name) {
        if (cli_parse_hex(name, o.sn, 9)) {
            fprintf(stderr,
                    "moat cert issue: %s:%u: \"%s\" is neither 18 hex digits (a chip "
                    "serial) nor CN=NAME\n",
                    a->batch, lineno, name);
            return 1;
        }
        o.have_sn = true;
    }
    snprintf(full, sizeof full, "%s%s%s", path[0] == '/' ? "" : base, path[0] == '/' ? "" : "/",
             path);
    EVP_PKEY *pub = NULL;
    const char *kind = "";
    moat_x509_err e = {""};
    if (moat_x509_load_public_key(full, &pub, &kind, &e) != MOAT_X509_OK) {
        fprintf(stderr, "moat cert issue: %s:%u: %s\n", a->batch, lineno, e.msg);
        return 1;
    }
    if (!o.cn && !o.have_sn && !strcmp(kind, "CSR")) {
        csr_cn(full, cn, sizeof cn);
        o.cn = cn[0] ? cn : NULL;
    }
    char name_buf[80] = "";
    if (o.cn) {
        snprintf(name_buf, sizeof name_buf, "%s", o.cn);
    } else if (o.have_sn) {
        cli_hex(o.sn, 9, name_buf);
    }
    if (!name_buf[0]) {
        fprintf(stderr,
                "moat cert issue: %s:%u: %s has no name: add the chip serial (18 hex "
                "digits) or CN=NAME after the path\n",
                a->batch, lineno, path);
        EVP_PKEY_free(pub);
        return 1;
    }
    for (char *p = name_buf; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    snprintf(out, sizeof out, "%s/%s.crt", a->out_dir, name_buf);
    int rc = issue_one(ca, pub, &o, out, a->force);
    EVP_PKEY_free(pub);
    return rc;
}

static int issue_batch(issue_args *a, const moat_x509_ca *ca)
{
    FILE *f = fopen(a->batch, "r");
    if (!f) {
        fprintf(stderr, "moat cert issue: cannot read the batch list %s\n", a->batch);
        return 1;
    }
    if (mkdir(a->out_dir, 0755) != 0 && access(a->out_dir, W_OK) != 0) {
        fprintf(stderr, "moat cert issue: cannot create or write %s\n", a->out_dir);
        fclose(f);
        return 1;
    }
    char copy[4096], line[4096];
    snprintf(copy, sizeof copy, "%s", a->batch);
    const char *base = dirname(copy);
    unsigned lineno = 0, ok = 0, failed = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        line[strcspn(line, "\r\n")] = 0;
        if (strspn(line, " \t") == strlen(line))
            continue;
        if (issue_batch_line(a, ca, base, line, lineno))
            failed++;
        else
            ok++;
    }
    fclose(f);
    printf("batch: %u issued, %u failed\n", ok, failed);
    return failed || !ok ? 1 : 0;
}

static int parse_args(int argc, char **argv, issue_args *a)
{
    static const struct option opts[] = {{"ca", required_argument, 0, 'c'},
                                         {"se", required_argument, 0, 'S'},
                                         {"slot", required_argument, 0, 'l'},
                                         {"pubkey", required_argument, 0, 'p'},
                                         {"csr", required_argument, 0, 'r'},
                                         {"out", required_argument, 0, 'o'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"out-dir", required_argument, 0, 'D'},
                                         {"sn", required_argument, 0, 'n'},
                                         {"cn", required_argument, 0, 'C'},
                                         {"cn-format", required_argument, 0, 'F'},
                                         {"org", required_argument, 0, 'O'},
                                         {"not-before", required_argument, 0, 'B'},
                                         {"years", required_argument, 0, 'y'},
                                         {"no-key-agreement", no_argument, 0, 'K'},
                                         {"no-client-auth", no_argument, 0, 'A'},
                                         {"force", no_argument, 0, 'f'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    unsigned long num;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            a->ca_dir = optarg;
            break;
        case 'S':
            a->se = optarg;
            break;
        case 'l':
            if (!cli_parse_uint("moat cert issue", "--slot", optarg, 15, &num))
                return 2;
            a->slot = (unsigned)num;
            break;
        case 'p':
            a->pubkey = optarg;
            break;
        case 'r':
            a->csr = optarg;
            break;
        case 'o':
            a->out = optarg;
            break;
        case 'b':
            a->batch = optarg;
            break;
        case 'D':
            a->out_dir = optarg;
            break;
        case 'n':
            if (cli_parse_hex(optarg, a->dev.sn, 9)) {
                fprintf(stderr, "moat cert issue: --sn takes the 9-byte chip serial as 18 hex "
                                "digits (e.g. 0123030405060708EE)\n");
                return 2;
            }
            a->dev.have_sn = a->sn_given = true;
            break;
        case 'C':
            a->dev.cn = optarg;
            break;
        case 'F':
            a->dev.cn_format = optarg;
            break;
        case 'O':
            a->dev.org = optarg;
            break;
        case 'B':
            if (parse_not_before(optarg, &a->dev.not_before)) {
                fprintf(stderr, "moat cert issue: --not-before takes \"YYYY-MM-DD\" or "
                                "\"YYYY-MM-DD HH\" (UTC, whole hours, years 2000-2127)\n");
                return 2;
            }
            break;
        case 'y':
            if (!cli_parse_uint("moat cert issue", "--years", optarg, 127, &num)) {
                fprintf(stderr, "  (whole years; 0 = no expiry; 127 is the most a compressed "
                                "certificate can express)\n");
                return 2;
            }
            a->dev.years = (unsigned)num;
            break;
        case 'K':
            a->dev.key_agreement = false;
            break;
        case 'A':
            a->dev.client_auth = false;
            break;
        case 'f':
            a->force = true;
            break;
        case 'h':
            return issue_usage(stdout, 0) - 1;
        default:
            return issue_usage(stderr, 2);
        }
    }
    int inputs = !!a->se + !!a->pubkey + !!a->csr + !!a->batch;
    if (!a->ca_dir || inputs != 1 || optind < argc || (a->batch && !a->out_dir) ||
        (!a->batch && !a->out)) {
        fprintf(stderr,
                "moat cert issue: give --ca DIR, exactly one of --se/--pubkey/--csr/--batch, "
                "and --out FILE (--out-dir DIR with --batch)\n");
        return issue_usage(stderr, 2);
    }
    return 0;
}

int moat_cli_cert_issue(int argc, char **argv)
{
    issue_args a;
    memset(&a, 0, sizeof a);
    moat_x509_device_opts_init(&a.dev);
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    moat_x509_ca ca;
    moat_x509_err e = {""};
    if (moat_x509_ca_load(a.ca_dir, &ca, &e) != MOAT_X509_OK) {
        fprintf(stderr, "moat cert issue: %s (create a CA with: moat ca init --out DIR)\n", e.msg);
        return 1;
    }
    rc = a.batch ? issue_batch(&a, &ca) : issue_single(&a, &ca);
    moat_x509_ca_free(&ca);
    return rc;
}
