/* x509_diag.c - the chain doctor: builds the chain from the certificates given, takes
 * OpenSSL's verdict, and explains every problem (missing issuer, name / key-id / signature
 * mismatch, dates, CA constraints, wrong key) with the evidence and the fix. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "host/x509/x509_internal.h"

typedef struct {
    const moat_x509_chain_input *in;
    moat_x509_report *r;
    const char *iopt; /* "--signer" */
    const char *aopt; /* "--root" */
    time_t now;
} diag;

/* snprintf whose truncation is intended: messages are cut at the buffer size. */
static void bprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void bprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
}

const char *moat_x509_finding_name(moat_x509_finding_code c)
{
    static const char *const names[] = {"MISSING_INTERMEDIATE",
                                        "MISSING_ROOT",
                                        "ANCHOR_NOT_ROOT",
                                        "ROOT_NOT_TRUSTED",
                                        "NAME_MISMATCH",
                                        "AKI_SKI_MISMATCH",
                                        "BAD_SIGNATURE",
                                        "EXPIRED",
                                        "NOT_YET_VALID",
                                        "NOT_CA",
                                        "NO_KEYCERTSIGN",
                                        "PATHLEN_EXCEEDED",
                                        "LEAF_USAGE",
                                        "KEY_MISMATCH",
                                        "OTHER"};
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "UNKNOWN";
}

/* ---- small facts about certificates --------------------------------------------------- */

static const char *label_of(const moat_x509_labeled *l)
{
    return l->label && l->label[0] ? l->label : "(certificate)";
}

static bool same_cert(X509 *a, X509 *b)
{
    return a == b || (a && b && X509_cmp(a, b) == 0);
}

static bool is_anchor(const diag *d, X509 *c)
{
    for (size_t i = 0; i < d->in->n_anchors; i++)
        if (same_cert(d->in->anchors[i].cert, c))
            return true;
    return false;
}

static bool in_chain(const diag *d, X509 *c)
{
    for (size_t i = 0; i < d->r->chain_len; i++)
        if (same_cert(d->r->chain[i].cert, c))
            return true;
    return false;
}

static bool self_issued(X509 *c)
{
    return X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)) == 0;
}

static bool sig_ok(X509 *child, X509 *parent)
{
    EVP_PKEY *k = X509_get0_pubkey(parent);
    int ok = k && X509_verify(child, k) == 1;
    ERR_clear_error();
    return ok;
}

/* 1: child's AKI equals parent's SKI, -1: both present and different, 0: one is absent */
static int aki_state(X509 *child, X509 *parent)
{
    uint8_t a[64], s[64];
    size_t al, sl;
    if (!moat_x509__aki(child, a, &al) || !moat_x509__ski(parent, s, &sl))
        return 0;
    return al == sl && memcmp(a, s, al) == 0 ? 1 : -1;
}

static void dn(const X509_NAME *n, char *buf, size_t cap)
{
    moat_x509_name_text(n, buf, cap);
}

/* ---- findings ------------------------------------------------------------------------- */

static moat_x509_finding *add(diag *d, moat_x509_finding_code code, int cert, int ossl,
                              const char *brief)
{
    moat_x509_report *r = d->r;
    if (r->n_findings >= MOAT_X509_MAX_FINDINGS)
        return NULL;
    moat_x509_finding *f = &r->findings[r->n_findings++];
    memset(f, 0, sizeof *f);
    f->code = code;
    f->cert = cert;
    f->openssl_error = ossl;
    bprintf(f->brief, sizeof f->brief, "%s", brief);
    return f;
}

#define CAUSE(f, ...) bprintf((f)->cause, sizeof(f)->cause, __VA_ARGS__)
#define FIX(f, ...) bprintf((f)->fix, sizeof(f)->fix, __VA_ARGS__)

/* The certificates given that are not in the chain, as "a.crt 'CN=X', b.crt 'CN=Y'". */
static void unused_given(const diag *d, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int pass = 0; pass < 2; pass++) {
        const moat_x509_labeled *v = pass ? d->in->anchors : d->in->intermediates;
        size_t n = pass ? d->in->n_anchors : d->in->n_intermediates;
        for (size_t i = 0; i < n && o + 8 < cap; i++) {
            if (in_chain(d, v[i].cert))
                continue;
            char cn[160];
            moat_x509_name_cn(X509_get_subject_name(v[i].cert), cn, sizeof cn);
            bprintf(buf + o, cap - o, "%s%s '%s'", o ? ", " : "", label_of(&v[i]), cn);
            o += strlen(buf + o);
        }
    }
}

static void missing_issuer(diag *d, size_t idx)
{
    moat_x509_report *r = d->r;
    X509 *c = r->chain[idx].cert;
    const char *lab = label_of(&r->chain[idx]);
    char iss[256], given[400], extra[480] = "";
    dn(X509_get_issuer_name(c), iss, sizeof iss);
    bprintf(r->missing_issuer, sizeof r->missing_issuer, "%s", iss);
    unused_given(d, given, sizeof given);
    if (given[0])
        bprintf(extra, sizeof extra, "; the other certificates given (%s) did not issue it", given);
    moat_x509_finding *f;
    if (is_anchor(d, c)) {
        f = add(d, MOAT_X509_FIND_ANCHOR_NOT_ROOT, (int)idx, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                "trust anchor is not a root");
        if (!f)
            return;
        char subj[256];
        dn(X509_get_subject_name(c), subj, sizeof subj);
        CAUSE(f,
              "%s ('%s') was given as the trust anchor, but it is not a root: it was issued by "
              "'%s', which was not given (openssl verify -CAfile %s: error 2 at %zu depth lookup: "
              "unable to get issuer certificate)%s",
              lab, subj, iss, lab, idx, extra);
        FIX(f,
            "give it as an intermediate and the root '%s' as the anchor: %s %s %s root.crt "
            "(openssl: -untrusted %s -CAfile root.crt)",
            iss, d->iopt, lab, d->aopt, lab);
    } else if (idx == 0) {
        f = add(d, MOAT_X509_FIND_MISSING_INTERMEDIATE, 0,
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "issuer not given");
        if (!f)
            return;
        CAUSE(f,
              "the signer certificate that issued %s ('%s') was not given, so the chain stops at "
              "the device certificate (openssl verify error 20 at 0 depth lookup: unable to get "
              "local issuer certificate)%s",
              lab, iss, extra);
        FIX(f,
            "pass the certificate whose subject is '%s': %s signer.crt (openssl: -untrusted "
            "signer.crt)",
            iss, d->iopt);
    } else {
        f = add(d, MOAT_X509_FIND_MISSING_ROOT, (int)idx,
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, "issuer not given");
        if (!f)
            return;
        CAUSE(f,
              "the chain stops at %s: its issuer '%s' was not given%s, so nothing the verifier "
              "trusts vouches for it (openssl verify error 20 at %zu depth lookup: unable to get "
              "local issuer certificate)%s",
              lab, iss, d->in->n_anchors ? "" : " and no trust anchor was given at all", idx,
              extra);
        FIX(f,
            "pass the root CA certificate '%s' as the trust anchor: %s root.crt (openssl: "
            "-CAfile root.crt)",
            iss, d->aopt);
    }
}

static void root_not_trusted(diag *d, size_t idx)
{
    moat_x509_report *r = d->r;
    const char *lab = label_of(&r->chain[idx]);
    char subj[256], given[400] = "", extra[480] = "";
    dn(X509_get_subject_name(r->chain[idx].cert), subj, sizeof subj);
    unused_given(d, given, sizeof given);
    if (d->in->n_anchors && given[0])
        bprintf(extra, sizeof extra, "; the trust anchors given are other CAs (%s)", given);
    int err = idx ? X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN : X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT;
    moat_x509_finding *f =
        add(d, MOAT_X509_FIND_ROOT_NOT_TRUSTED, (int)idx, err, "self-signed root not trusted");
    if (!f)
        return;
    CAUSE(f,
          "the chain ends at the self-signed root %s ('%s'), which was not given as a trust "
          "anchor%s (openssl verify error %d: %s)",
          lab, subj, extra, err, X509_verify_cert_error_string(err));
    FIX(f, "if you trust this root, pass it as the anchor: %s %s (openssl: -CAfile %s)", d->aopt,
        lab, lab);
}

/* Index of the first character where a and b differ. */
static size_t first_diff(const char *a, const char *b)
{
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

static void name_mismatch(diag *d, size_t idx, const moat_x509_labeled *p, bool sig, int ossl)
{
    X509 *c = d->r->chain[idx].cert;
    const char *lab = label_of(&d->r->chain[idx]), *plab = label_of(p);
    char iss[256], subj[256], where[160], brief[112], note[200] = "";
    dn(X509_get_issuer_name(c), iss, sizeof iss);
    dn(X509_get_subject_name(p->cert), subj, sizeof subj);
    size_t at = first_diff(iss, subj);
    if (strcmp(iss, subj) == 0)
        bprintf(where, sizeof where,
                "they read the same but their DER encodings differ "
                "(string type or attribute order)");
    else
        bprintf(where, sizeof where, "they differ from character %zu on ('%.8s' vs '%.8s')", at + 1,
                iss + at, subj + at);
    if (strstr(iss, "FFFF"))
        bprintf(note, sizeof note,
                "; 'FFFF' is the signer-ID placeholder of Microchip's "
                "certificate templates, never replaced by the real ID");
    bprintf(brief, sizeof brief, "issuer name differs from %s's subject", plab);
    moat_x509_finding *f = add(d, MOAT_X509_FIND_NAME_MISMATCH, (int)idx, ossl, brief);
    if (!f)
        return;
    CAUSE(f,
          "%s names its issuer '%s' but the subject of %s is '%s': %s%s. Chain building "
          "matches names byte for byte, so %s is not accepted as the issuer although %s "
          "(openssl verify error %d: %s)",
          lab, iss, plab, subj, where, note, plab,
          sig ? "its key verifies the signature" : "its SKI matches the AKI", ossl,
          X509_verify_cert_error_string(ossl));
    if (note[0])
        FIX(f,
            "reissue %s so that its issuer is exactly '%s' (moat cert issue copies it from the "
            "signer); a certificate rebuilt from a chip needs the signer's real ID in its "
            "compressed form (bytes 67-68), not the template's FFFF",
            lab, subj);
    else
        FIX(f,
            "reissue %s so that its issuer is exactly '%s' (moat cert issue copies it from the "
            "signer), or give the signer certificate whose subject is '%s'",
            lab, subj, iss);
}

static void aki_mismatch(diag *d, size_t idx, const moat_x509_labeled *p, bool sig, int ossl)
{
    X509 *c = d->r->chain[idx].cert;
    const char *lab = label_of(&d->r->chain[idx]), *plab = label_of(p);
    uint8_t a[64], s[64];
    size_t al = 0, sl = 0;
    char ah[200], sh[200], brief[112];
    moat_x509__aki(c, a, &al);
    moat_x509__ski(p->cert, s, &sl);
    moat_x509__hex(a, al, true, ah, sizeof ah);
    moat_x509__hex(s, sl, true, sh, sizeof sh);
    bprintf(brief, sizeof brief, "AKI does not match %s's SKI", plab);
    moat_x509_finding *f = add(d, MOAT_X509_FIND_AKI_SKI_MISMATCH, (int)idx, ossl, brief);
    if (!f)
        return;
    CAUSE(f,
          "the authorityKeyIdentifier of %s is %s but the subjectKeyIdentifier of %s (same name "
          "as its issuer) is %s; %s (openssl verify error %d: %s)",
          lab, ah, plab, sh,
          sig ? "the signature does verify with that key, so the AKI extension itself is wrong"
              : "the signature does not verify with that key either: another CA with the same "
                "name issued it",
          ossl, X509_verify_cert_error_string(ossl));
    if (sig)
        FIX(f, "reissue %s with AKI = the signer's SKI %s (moat cert issue sets it)", lab, sh);
    else
        FIX(f, "give the CA certificate whose SKI is %s, or reissue %s from %s", ah, lab, plab);
}

static void bad_signature(diag *d, size_t idx, const moat_x509_labeled *p)
{
    const char *lab = label_of(&d->r->chain[idx]), *plab = label_of(p);
    char subj[256];
    dn(X509_get_subject_name(p->cert), subj, sizeof subj);
    moat_x509_finding *f = add(d, MOAT_X509_FIND_BAD_SIGNATURE, (int)idx,
                               X509_V_ERR_CERT_SIGNATURE_FAILURE, "signature does not verify");
    if (!f)
        return;
    CAUSE(f,
          "the signature of %s does not verify with the public key of its issuer %s ('%s'): the "
          "certificate was altered after signing, or another key with the same name signed it "
          "(openssl verify error 7: certificate signature failure)",
          lab, plab, subj);
    FIX(f,
        "reissue %s from %s; a certificate rebuilt from a chip's compressed form gives this when "
        "its template, dates or serial differ from the ones that were signed",
        lab, plab);
}

/* The issuer of chain[idx] was not found strictly: looks for a near miss among the given
 * certificates, explains it, and returns it (to continue the walk through it) or NULL. */
static const moat_x509_labeled *near_miss(diag *d, size_t idx)
{
    X509 *c = d->r->chain[idx].cert;
    const moat_x509_labeled *best = NULL;
    int best_score = 0;
    bool best_sig = false, best_name = false;
    int best_aki = 0;
    for (int pass = 0; pass < 2; pass++) {
        const moat_x509_labeled *v = pass ? d->in->anchors : d->in->intermediates;
        size_t n = pass ? d->in->n_anchors : d->in->n_intermediates;
        for (size_t i = 0; i < n; i++) {
            if (in_chain(d, v[i].cert))
                continue;
            bool name =
                X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(v[i].cert)) == 0;
            int aki = aki_state(c, v[i].cert);
            bool sig = sig_ok(c, v[i].cert);
            int score = (name ? 2 : 0) + (sig ? 2 : 0) + (aki == 1 ? 1 : 0);
            if (!(name || sig || aki == 1) || score <= best_score)
                continue;
            best = &v[i];
            best_score = score;
            best_sig = sig;
            best_name = name;
            best_aki = aki;
        }
    }
    if (!best)
        return NULL;
    int ossl = is_anchor(d, c) ? X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
                               : X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    if (!best_name)
        name_mismatch(d, idx, best, best_sig, ossl);
    if (best_aki == -1)
        aki_mismatch(d, idx, best, best_sig, ossl);
    if (!best_sig)
        bad_signature(d, idx, best);
    return best;
}

/* Strict issuer: same name, matching key identifiers (when both present), valid signature. */
static const moat_x509_labeled *find_issuer(diag *d, X509 *c)
{
    for (int pass = 0; pass < 2; pass++) {
        const moat_x509_labeled *v = pass ? d->in->anchors : d->in->intermediates;
        size_t n = pass ? d->in->n_anchors : d->in->n_intermediates;
        for (size_t i = 0; i < n; i++) {
            X509 *p = v[i].cert;
            if (!in_chain(d, p) &&
                X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(p)) == 0 &&
                aki_state(c, p) != -1 && sig_ok(c, p))
                return &v[i];
        }
    }
    return NULL;
}

/* Walks from the leaf up, appending issuers to r->chain; explains where it stops. */
static void build_chain(diag *d)
{
    moat_x509_report *r = d->r;
    r->chain[0] = d->in->leaf;
    r->chain_len = 1;
    for (;;) {
        size_t idx = r->chain_len - 1;
        X509 *c = r->chain[idx].cert;
        if (self_issued(c)) {
            if (is_anchor(d, c))
                r->chain_trusted_top = true;
            else
                root_not_trusted(d, idx);
            return;
        }
        const moat_x509_labeled *p = find_issuer(d, c);
        if (!p)
            p = near_miss(d, idx);
        if (!p) {
            missing_issuer(d, idx);
            return;
        }
        if (r->chain_len >= MOAT_X509_MAX_CHAIN)
            return;
        r->chain[r->chain_len++] = *p;
    }
}

/* ---- per-certificate checks ----------------------------------------------------------- */

static void check_dates(diag *d, size_t idx)
{
    X509 *c = d->r->chain[idx].cert;
    const char *lab = label_of(&d->r->chain[idx]);
    char when[48], now[48], brief[112], cn[160];
    time_t t = d->now;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%d %H:%M:%S UTC", &tm);
    moat_x509_name_cn(X509_get_subject_name(c), cn, sizeof cn);
    moat_x509_finding *f;
    if (X509_cmp_time(X509_get0_notAfter(c), &t) < 0) {
        moat_x509_time_text(X509_get0_notAfter(c), when, sizeof when);
        bprintf(brief, sizeof brief, "expired on %s", when);
        if (!(f = add(d, MOAT_X509_FIND_EXPIRED, (int)idx, X509_V_ERR_CERT_HAS_EXPIRED, brief)))
            return;
        CAUSE(f,
              "%s ('%s') expired on %s; it is now %s (openssl verify error 10: certificate "
              "has expired)",
              lab, cn, when, now);
        FIX(f, "%s (or, if the date above is wrong, set the verifying machine's clock)",
            idx ? "renew this CA certificate with the same name and key"
                : "issue a new device certificate: moat cert issue ... --years N (or --years 0 for "
                  "no expiry date)");
    }
    if (X509_cmp_time(X509_get0_notBefore(c), &t) > 0) {
        moat_x509_time_text(X509_get0_notBefore(c), when, sizeof when);
        bprintf(brief, sizeof brief, "not valid before %s", when);
        if (!(f = add(d, MOAT_X509_FIND_NOT_YET_VALID, (int)idx, X509_V_ERR_CERT_NOT_YET_VALID,
                      brief)))
            return;
        CAUSE(f,
              "%s ('%s') is not valid before %s; it is now %s (openssl verify error 9: "
              "certificate is not yet valid)",
              lab, cn, when, now);
        FIX(f, "check the verifier's clock (a device without RTC or SNTP starts in 1970), or "
               "reissue with an earlier --not-before");
    }
}

static void check_ca(diag *d, size_t idx)
{
    X509 *c = d->r->chain[idx].cert;
    const char *lab = label_of(&d->r->chain[idx]), *child = label_of(&d->r->chain[idx - 1]);
    uint32_t flags = X509_get_extension_flags(c);
    moat_x509_finding *f;
    if (!(flags & EXFLAG_CA)) {
        if ((f = add(d, MOAT_X509_FIND_NOT_CA, (int)idx, X509_V_ERR_INVALID_CA,
                     "not a CA (no basicConstraints CA:TRUE)"))) {
            CAUSE(f,
                  "%s issued %s but has no basicConstraints CA:TRUE, so it may not issue "
                  "certificates (openssl verify error %d: invalid CA certificate)",
                  lab, child, X509_V_ERR_INVALID_CA);
            FIX(f, "reissue %s with basicConstraints critical CA:TRUE (moat ca init does)", lab);
        }
    }
    if ((flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(c) & KU_KEY_CERT_SIGN)) {
        if ((f = add(d, MOAT_X509_FIND_NO_KEYCERTSIGN, (int)idx, X509_V_ERR_KEYUSAGE_NO_CERTSIGN,
                     "keyUsage lacks keyCertSign"))) {
            CAUSE(f,
                  "%s has a keyUsage extension without keyCertSign, so its signature on %s "
                  "must not be accepted (openssl verify error %d: invalid CA certificate, then "
                  "error 32: key usage does not include certificate signing)",
                  lab, child, X509_V_ERR_INVALID_CA);
            FIX(f, "reissue %s with keyUsage critical keyCertSign,cRLSign (moat ca init does)",
                lab);
        }
    }
    long pathlen = X509_get_pathlen(c);
    if (idx >= 2 && pathlen >= 0 && (long)idx - 1 > pathlen) {
        char brief[112];
        bprintf(brief, sizeof brief, "pathlen:%ld exceeded", pathlen);
        if ((f = add(d, MOAT_X509_FIND_PATHLEN_EXCEEDED, (int)idx, X509_V_ERR_PATH_LENGTH_EXCEEDED,
                     brief))) {
            CAUSE(f,
                  "%s allows %ld CA certificate(s) below it (pathLenConstraint) but the "
                  "chain has %zu, %s (openssl verify error 25: path length constraint "
                  "exceeded)",
                  lab, pathlen, idx - 1, label_of(&d->r->chain[idx - 1]));
            FIX(f, "issue device certificates directly from the signer: pathlen:0 means it may "
                   "issue end-entity certificates only");
        }
    }
}

static void check_leaf_usage(diag *d)
{
    X509 *c = d->r->chain[0].cert;
    uint32_t flags = X509_get_extension_flags(c);
    bool ku_bad = (flags & EXFLAG_KUSAGE) && !(X509_get_key_usage(c) & KU_DIGITAL_SIGNATURE);
    bool eku_bad = (flags & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(c) & XKU_SSL_CLIENT);
    if (!ku_bad && !eku_bad)
        return;
    moat_x509_finding *f = add(d, MOAT_X509_FIND_LEAF_USAGE, 0, 0, "cannot do TLS client auth");
    if (!f)
        return;
    CAUSE(f,
          "%s has %s%s%s, so a TLS server that checks client certificates (AWS IoT, moatd) "
          "refuses it (openssl verify -purpose sslclient fails)",
          label_of(&d->r->chain[0]), ku_bad ? "a keyUsage without digitalSignature" : "",
          ku_bad && eku_bad ? " and " : "",
          eku_bad ? "an extendedKeyUsage without clientAuth" : "");
    FIX(f, "reissue it with keyUsage digitalSignature and extendedKeyUsage clientAuth (moat cert "
           "issue does)");
}

static void check_key(diag *d)
{
    EVP_PKEY *want = d->in->expected_key, *have = X509_get0_pubkey(d->r->chain[0].cert);
    if (!want || (have && EVP_PKEY_eq(have, want) == 1))
        return;
    uint8_t a[20], b[20];
    char ah[64] = "(not P-256)", bh[64] = "(not P-256)";
    if (have && moat_x509_key_id(have, a, NULL) == MOAT_X509_OK)
        moat_x509__hex(a, 20, true, ah, sizeof ah);
    if (moat_x509_key_id(want, b, NULL) == MOAT_X509_OK)
        moat_x509__hex(b, 20, true, bh, sizeof bh);
    const char *kl = d->in->expected_key_label ? d->in->expected_key_label : "the expected key";
    moat_x509_finding *f =
        add(d, MOAT_X509_FIND_KEY_MISMATCH, 0, 0, "public key is not the chip's");
    if (!f)
        return;
    CAUSE(f,
          "%s certifies the public key with id %s, but %s has id %s: the certificate belongs "
          "to another device, or the key was regenerated after issuing (TLS fails when the "
          "server checks the client's signature)",
          label_of(&d->r->chain[0]), ah, kl, bh);
    FIX(f, "issue a certificate for this key (moat cert issue --se LOCATOR ...) and store it "
           "with the device, or use the device the certificate was made for");
}

/* ---- OpenSSL's verdict ------------------------------------------------------------------ */

static moat_x509_status openssl_verdict(diag *d)
{
    moat_x509_report *r = d->r;
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    moat_x509_status st = MOAT_X509_ERR_CRYPTO;
    if (!store || !untrusted || !ctx)
        goto out;
    for (size_t i = 0; i < d->in->n_anchors; i++)
        if (!X509_STORE_add_cert(store, d->in->anchors[i].cert))
            ERR_clear_error(); /* a duplicate anchor: harmless */
    for (size_t i = 0; i < d->in->n_intermediates; i++)
        if (!sk_X509_push(untrusted, d->in->intermediates[i].cert))
            goto out;
    if (!X509_STORE_CTX_init(ctx, store, d->in->leaf.cert, untrusted))
        goto out;
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), d->now);
    int ok = X509_verify_cert(ctx);
    r->openssl_error = ok == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
    r->openssl_depth = ok == 1 ? 0 : X509_STORE_CTX_get_error_depth(ctx);
    bprintf(r->openssl_text, sizeof r->openssl_text, "%s",
            X509_verify_cert_error_string(r->openssl_error));
    st = MOAT_X509_OK;
out:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
    return st;
}

/* OpenSSL errors the findings above explain (their numbering may differ with the path). */
static bool explained(int err)
{
    static const int known[] = {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                                X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
                                X509_V_ERR_CERT_SIGNATURE_FAILURE,
                                X509_V_ERR_CERT_NOT_YET_VALID,
                                X509_V_ERR_CERT_HAS_EXPIRED,
                                X509_V_ERR_INVALID_CA,
                                X509_V_ERR_KEYUSAGE_NO_CERTSIGN,
                                X509_V_ERR_PATH_LENGTH_EXCEEDED,
                                X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                                X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
                                X509_V_ERR_AKID_SKID_MISMATCH,
                                X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i] == err)
            return true;
    return false;
}

moat_x509_status moat_x509_diagnose_chain(const moat_x509_chain_input *in, moat_x509_report *r)
{
    if (!in || !r || !in->leaf.cert || (in->n_intermediates && !in->intermediates) ||
        (in->n_anchors && !in->anchors))
        return MOAT_X509_ERR_ARGUMENT;
    memset(r, 0, sizeof *r);
    diag d = {in, r, in->intermediate_opt ? in->intermediate_opt : "--signer",
              in->anchor_opt ? in->anchor_opt : "--root", in->now ? in->now : time(NULL)};
    moat_x509_status st = openssl_verdict(&d);
    if (st != MOAT_X509_OK)
        return st;
    build_chain(&d);
    for (size_t i = 0; i < r->chain_len; i++) {
        check_dates(&d, i);
        if (i > 0)
            check_ca(&d, i);
    }
    check_leaf_usage(&d);
    check_key(&d);
    if (r->openssl_error != X509_V_OK && (r->n_findings == 0 || !explained(r->openssl_error))) {
        moat_x509_finding *f =
            add(&d, MOAT_X509_FIND_OTHER, -1, r->openssl_error, "openssl verify fails");
        if (f) {
            CAUSE(f, "openssl verify reports error %d at %d depth lookup: %s", r->openssl_error,
                  r->openssl_depth, r->openssl_text);
            FIX(f, "inspect the certificate at that depth with openssl x509 -text -noout -in FILE");
        }
    }
    r->ok = r->openssl_error == X509_V_OK && r->n_findings == 0;
    return MOAT_X509_OK;
}
