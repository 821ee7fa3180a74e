/* moat/x509.h - host-side X.509 over OpenSSL 3: the CA hierarchy (root -> signer -> device),
 * Trust&GO-shaped device certificates, AWS IoT verification certificates, PEM files, and the
 * chain doctor that explains in words why a chain does not verify and how to fix it.
 *
 * Host only (CLI, broker, test tooling): it allocates and uses OpenSSL types. The device side
 * uses the compressed-certificate codec (moat/certcodec.h) and mbedTLS instead.
 */
#ifndef MOAT_X509_H
#define MOAT_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

typedef enum {
    MOAT_X509_OK = 0,
    MOAT_X509_ERR_ARGUMENT, /* a parameter is missing or out of range (the detail names it) */
    MOAT_X509_ERR_IO,       /* a file could not be read or written (the detail names it) */
    MOAT_X509_ERR_EXISTS,   /* an output file exists: pass --force to overwrite it */
    MOAT_X509_ERR_PARSE,    /* the input is not PEM of the expected kind */
    MOAT_X509_ERR_KEY_TYPE, /* the key is not an EC P-256 key (ATECC608 and Trust&GO use P-256) */
    MOAT_X509_ERR_CSR_SIGNATURE, /* the CSR's self-signature does not verify: it was altered
                                    or signed by another key; ask the device for a new CSR */
    MOAT_X509_ERR_KEY_MISMATCH,  /* a private key does not belong to its certificate */
    MOAT_X509_ERR_CRYPTO,        /* OpenSSL failed an operation (the detail has its error) */
} moat_x509_status;

/* One line: what the status means and the usual fix. */
const char *moat_x509_strerror(moat_x509_status s);

/* Optional detail for a failure: the file, the field, OpenSSL's reason. Every function that
 * takes a moat_x509_err accepts NULL. */
typedef struct {
    char msg[384];
} moat_x509_err;

/* ---- keys ------------------------------------------------------------------------------ */

/* A new EC P-256 key pair. */
moat_x509_status moat_x509_generate_p256(EVP_PKEY **out, moat_x509_err *e);
/* An EC P-256 public key from the raw uncompressed point X||Y (what an ATECC608 returns). */
moat_x509_status moat_x509_pubkey_from_raw(const uint8_t xy[64], EVP_PKEY **out, moat_x509_err *e);
/* The raw X||Y of an EC P-256 key (public or private). */
moat_x509_status moat_x509_pubkey_to_raw(const EVP_PKEY *key, uint8_t xy[64], moat_x509_err *e);
/* RFC 5280 method 1 key identifier: SHA-1 of the uncompressed point 04||X||Y. */
moat_x509_status moat_x509_key_id(const EVP_PKEY *key, uint8_t id[20], moat_x509_err *e);

/* ---- files ----------------------------------------------------------------------------- */

/* Every certificate in a PEM file (a chain file gives several), in file order. */
moat_x509_status moat_x509_load_certs(const char *path, STACK_OF(X509) * *out, moat_x509_err *e);
/* The first certificate of a PEM file. */
moat_x509_status moat_x509_load_cert(const char *path, X509 **out, moat_x509_err *e);
/* A private key (PEM, unencrypted). */
moat_x509_status moat_x509_load_private_key(const char *path, EVP_PKEY **out, moat_x509_err *e);
/* A CSR; its self-signature is checked (MOAT_X509_ERR_CSR_SIGNATURE if it does not verify). */
moat_x509_status moat_x509_load_csr(const char *path, X509_REQ **out, moat_x509_err *e);
/* A public key from whatever PEM the user has: PUBLIC KEY, CERTIFICATE, CERTIFICATE REQUEST
 * (signature checked) or a private key. `kind` (may be NULL) receives "public key",
 * "certificate", "CSR" or "private key". */
moat_x509_status moat_x509_load_public_key(const char *path, EVP_PKEY **out, const char **kind,
                                           moat_x509_err *e);
/* Writes PEM. Without `force` an existing file is refused (MOAT_X509_ERR_EXISTS). Keys are
 * created with mode 0600 whatever the umask; certificates 0644. */
moat_x509_status moat_x509_write_cert(const char *path, X509 *cert, bool force, moat_x509_err *e);
moat_x509_status moat_x509_write_certs(const char *path, X509 *const *certs, size_t n, bool force,
                                       moat_x509_err *e);
moat_x509_status moat_x509_write_key(const char *path, EVP_PKEY *key, bool force, moat_x509_err *e);
moat_x509_status moat_x509_write_pubkey(const char *path, EVP_PKEY *key, bool force,
                                        moat_x509_err *e);

/* ---- the CA: root -> signer ------------------------------------------------------------ */

typedef struct {
    X509 *root;
    EVP_PKEY *root_key;
    X509 *signer;
    EVP_PKEY *signer_key;
} moat_x509_ca;

typedef struct {
    const char *org;       /* O= of both, and the CN prefix; default "Moat" */
    const char *signer_id; /* 4 upper-case hex digits in the signer CN, as Microchip's
                              "Crypto Authentication Signer <ID>"; default "0001" */
    time_t not_before;     /* 0: now. Truncated to the whole hour (the compressed form keeps
                              hours only) */
    unsigned root_years;   /* default 40 */
    unsigned signer_years; /* default 31, the Trust&GO signer's span */
} moat_x509_ca_opts;

/* Fills the defaults above. */
void moat_x509_ca_opts_init(moat_x509_ca_opts *o);

/* Creates a self-signed root (CA:TRUE, keyUsage keyCertSign+cRLSign+digitalSignature, SKI,
 * AKI = SKI) named "O=<org>, CN=<org> Root CA" and a signer (CA:TRUE pathlen:0, same keyUsage,
 * SKI, AKI = root SKI) named "O=<org>, CN=<org> Signer <id>", both ECDSA P-256 / SHA-256.
 * The caller frees `ca` with moat_x509_ca_free. */
moat_x509_status moat_x509_ca_create(const moat_x509_ca_opts *o, moat_x509_ca *ca,
                                     moat_x509_err *e);
/* Writes DIR/root.crt root.key signer.crt signer.key (keys 0600). Without `force`, refuses
 * before writing anything if any of the four exists. Creates DIR (0700) if missing. */
moat_x509_status moat_x509_ca_save(const moat_x509_ca *ca, const char *dir, bool force,
                                   moat_x509_err *e);
/* Reads the four files back and checks each key matches its certificate. */
moat_x509_status moat_x509_ca_load(const char *dir, moat_x509_ca *ca, moat_x509_err *e);
void moat_x509_ca_free(moat_x509_ca *ca);

/* ---- device certificates --------------------------------------------------------------- */

typedef struct {
    const char *org;       /* O= of the subject; NULL: the issuer's O */
    const char *cn;        /* the subject CN as given; NULL: cn_format applied to sn */
    const char *cn_format; /* "{sn}" is replaced by the 18 upper-case hex digits of sn;
                              default "sn{sn}" (Trust&GO); Microchip's legacy form is
                              "{sn} ATECC" */
    uint8_t sn[9];         /* the chip's serial number (config bytes 0-3, 8-12) */
    bool have_sn;
    time_t not_before;     /* 0: now; truncated to the whole hour */
    unsigned years;        /* validity in whole years; 0: no well-defined expiry, notAfter
                              9999-12-31 23:59:59 (RFC 5280 4.1.2.5) */
    bool key_agreement;    /* keyUsage adds keyAgreement (Trust&GO does); default true */
    bool client_auth;      /* extendedKeyUsage clientAuth; default true */
    const uint8_t *serial; /* explicit certificate serial (1..20 bytes); NULL: derived */
    size_t serial_len;
} moat_x509_device_opts;

void moat_x509_device_opts_init(moat_x509_device_opts *o);

/* Issues a device certificate for `pub`, signed by `issuer`/`issuer_key`, in the Trust&GO
 * template shape: issuer = the signer's subject, notBefore at a whole hour (UTCTime),
 * notAfter = notBefore + N whole years (GeneralizedTime, as Microchip's templates),
 * subject O + CN, basicConstraints critical CA:FALSE, keyUsage critical digitalSignature
 * (+keyAgreement), extendedKeyUsage clientAuth, SKI = SHA-1(04||X||Y), AKI = issuer SKI.
 * The serial number is 16 bytes: see moat_x509_serial_rule(). */
moat_x509_status moat_x509_issue_device(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *pub,
                                        const moat_x509_device_opts *o, X509 **out,
                                        moat_x509_err *e);
/* How moat_x509_issue_device derives serial numbers, in one sentence. */
const char *moat_x509_serial_rule(void);

/* The certificate AWS IoT asks for to prove possession of a CA key: a fresh P-256 key,
 * subject CN = `registration_code`, issued and signed by `ca`/`ca_key`, valid `days`. */
moat_x509_status moat_x509_verification_cert(X509 *ca, EVP_PKEY *ca_key,
                                             const char *registration_code, unsigned days,
                                             X509 **out, moat_x509_err *e);

/* A TLS server certificate (for brokers in tests): CN and one DNS/IP subjectAltName,
 * keyUsage digitalSignature, extendedKeyUsage serverAuth. `san` may be NULL. */
moat_x509_status moat_x509_issue_server(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *pub,
                                        const char *cn, const char *san, unsigned days, X509 **out,
                                        moat_x509_err *e);

/* ---- chain doctor ---------------------------------------------------------------------- */

typedef enum {
    MOAT_X509_FIND_MISSING_INTERMEDIATE, /* the device's issuer was not given (openssl 20) */
    MOAT_X509_FIND_MISSING_ROOT,         /* the chain stops at a CA whose issuer was not
                                            given and no trust anchor covers it (openssl 20) */
    MOAT_X509_FIND_ANCHOR_NOT_ROOT,      /* a trust anchor is not self-signed and its issuer
                                            is missing: the signer given as -CAfile (2) */
    MOAT_X509_FIND_ROOT_NOT_TRUSTED,     /* the chain reaches a self-signed root that is not
                                            among the trust anchors (openssl 19/18) */
    MOAT_X509_FIND_NAME_MISMATCH,        /* issuer DN differs from the issuer's subject DN */
    MOAT_X509_FIND_AKI_SKI_MISMATCH,     /* authorityKeyIdentifier != the issuer's SKI */
    MOAT_X509_FIND_BAD_SIGNATURE,        /* the signature does not verify with the issuer key */
    MOAT_X509_FIND_EXPIRED,              /* now > notAfter (openssl 10) */
    MOAT_X509_FIND_NOT_YET_VALID,        /* now < notBefore (openssl 9) */
    MOAT_X509_FIND_NOT_CA,               /* an issuer without basicConstraints CA:TRUE (79) */
    MOAT_X509_FIND_NO_KEYCERTSIGN,       /* an issuer whose keyUsage lacks keyCertSign (32) */
    MOAT_X509_FIND_PATHLEN_EXCEEDED,     /* more CAs below than pathLenConstraint allows (25) */
    MOAT_X509_FIND_LEAF_USAGE,           /* the device cert cannot do TLS client auth */
    MOAT_X509_FIND_KEY_MISMATCH,         /* the device cert's key is not the expected key */
    MOAT_X509_FIND_OTHER,                /* anything else openssl reports (its text given) */
} moat_x509_finding_code;

/* Stable upper-case name of a finding code, e.g. "MISSING_INTERMEDIATE". */
const char *moat_x509_finding_name(moat_x509_finding_code c);

#define MOAT_X509_MAX_FINDINGS 16
#define MOAT_X509_MAX_CHAIN 10

typedef struct {
    moat_x509_finding_code code;
    int cert;          /* index in report.chain of the certificate concerned; -1: none */
    int openssl_error; /* the X509_V_ERR_* `openssl verify` reports for this cause; 0 none */
    char brief[112];   /* a few words for the tree, e.g. "expired on 2024-01-01 00:00:00 UTC" */
    char cause[768];   /* one line: what is wrong, with the evidence (names, hex, dates) */
    char fix[512];     /* one line: what to do */
} moat_x509_finding;

/* A certificate and what to call it in messages (a file name, "TLS peer cert #1"...). */
typedef struct {
    X509 *cert;
    const char *label;
} moat_x509_labeled;

typedef struct {
    moat_x509_labeled leaf;
    const moat_x509_labeled *intermediates; /* untrusted CAs (--signer, -untrusted) */
    size_t n_intermediates;
    const moat_x509_labeled *anchors; /* trust anchors (--root, -CAfile) */
    size_t n_anchors;
    EVP_PKEY *expected_key;         /* NULL, or the key the leaf must certify (chip slot 0) */
    const char *expected_key_label; /* e.g. "slot 0 of emu:dev.img" */
    time_t now;                     /* 0: the current time */
    const char *intermediate_opt;   /* how the caller supplies intermediates, for the fix
                                       text; NULL: "--signer" */
    const char *anchor_opt;         /* NULL: "--root" */
} moat_x509_chain_input;

typedef struct {
    bool ok;           /* verified by OpenSSL and no finding */
    int openssl_error; /* X509_V_OK or the first error X509_verify_cert reported */
    int openssl_depth;
    char openssl_text[128]; /* X509_verify_cert_error_string of it */
    size_t chain_len;       /* chain[0] = leaf ... chain[len-1] = the top reached */
    moat_x509_labeled chain[MOAT_X509_MAX_CHAIN]; /* borrowed from the input */
    bool chain_trusted_top;                       /* chain[len-1] is one of the anchors */
    char missing_issuer[256]; /* DN of the issuer above the top that was not found, or "" */
    size_t n_findings;
    moat_x509_finding findings[MOAT_X509_MAX_FINDINGS];
} moat_x509_report;

/* Builds the chain from `in`, asks OpenSSL (X509_verify_cert at in->now) for the verdict,
 * then inspects every link and every certificate to explain each problem with evidence and a
 * fix. MOAT_X509_OK means the diagnosis ran (read r->ok for the verdict). */
moat_x509_status moat_x509_diagnose_chain(const moat_x509_chain_input *in, moat_x509_report *r);

/* The chain as a tree, root first, one line per certificate with ✓ or ✗ and the brief of
 * its findings. Returns the length it needed (snprintf semantics). */
size_t moat_x509_report_tree(const moat_x509_report *r, char *buf, size_t cap);

/* The whole report as text: tree, each finding's cause and fix, OpenSSL's verdict. */
size_t moat_x509_report_text(const moat_x509_report *r, char *buf, size_t cap);

/* ---- small helpers shared by the CLI, the broker and the TLS doctor --------------------- */

/* One-line DN, "O=Acme, CN=Acme Root CA" (RFC 2253 order reversed to the usual reading). */
void moat_x509_name_text(const X509_NAME *n, char *buf, size_t cap);
/* The CN of a name, or the whole one-line DN if it has none. */
void moat_x509_name_cn(const X509_NAME *n, char *buf, size_t cap);
/* "2024-01-01 00:00:00 UTC" */
void moat_x509_time_text(const ASN1_TIME *t, char *buf, size_t cap);

#endif
