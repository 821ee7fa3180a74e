/* x509_io.c - keys (P-256 generation, raw X||Y conversion, key identifiers) and PEM files:
 * loading certificates, keys and CSRs, and writing them with safe modes and --force rules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "host/x509/x509_internal.h"

static moat_x509_status check_p256(const EVP_PKEY *key, moat_x509_err *e)
{
    char group[64] = "";
    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                        NULL) ||
        strcmp(group, "prime256v1") != 0)
        return moat_x509__fail(
            e, MOAT_X509_ERR_KEY_TYPE, 0, "the key is %s%s%s, not EC P-256 (prime256v1)",
            key ? EVP_PKEY_get0_type_name(key) : "missing", group[0] ? " " : "", group);
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_generate_p256(EVP_PKEY **out, moat_x509_err *e)
{
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return *out ? MOAT_X509_OK
                : moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "P-256 key generation failed");
}

moat_x509_status moat_x509_pubkey_from_raw(const uint8_t xy[64], EVP_PKEY **out, moat_x509_err *e)
{
    uint8_t point[65];
    point[0] = 0x04; /* uncompressed point, SEC 1 2.3.3 */
    memcpy(point + 1, xy, 64);
    *out = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY_CTX *check = NULL;
    moat_x509_status st = MOAT_X509_ERR_CRYPTO;
    if (bld && ctx &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) > 0) {
        check = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
        st = check && EVP_PKEY_public_check(check) > 0 ? MOAT_X509_OK : MOAT_X509_ERR_KEY_TYPE;
    }
    EVP_PKEY_CTX_free(check);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    if (st != MOAT_X509_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
        return moat_x509__fail(e, st, 1, "the 64 bytes are not a point on the P-256 curve");
    }
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_pubkey_to_raw(const EVP_PKEY *key, uint8_t xy[64], moat_x509_err *e)
{
    moat_x509_status st = check_p256(key, e);
    if (st != MOAT_X509_OK)
        return st;
    uint8_t point[80];
    size_t len = 0;
    if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                         sizeof point, &len) ||
        len != 65 || point[0] != 0x04)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "cannot export the public point");
    memcpy(xy, point + 1, 64);
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_key_id(const EVP_PKEY *key, uint8_t id[20], moat_x509_err *e)
{
    uint8_t point[65];
    moat_x509_status st = moat_x509_pubkey_to_raw(key, point + 1, e);
    if (st != MOAT_X509_OK)
        return st;
    point[0] = 0x04;
    unsigned int len = 0;
    if (!EVP_Digest(point, sizeof point, id, &len, EVP_sha1(), NULL) || len != 20)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "SHA-1 failed");
    return MOAT_X509_OK;
}

/* ---- reading -------------------------------------------------------------------------- */

static BIO *open_read(const char *path, moat_x509_err *e)
{
    BIO *b = BIO_new_file(path, "rb");
    if (!b)
        moat_x509__fail(e, MOAT_X509_ERR_IO, 0, "cannot read %s: %s", path, strerror(errno));
    return b;
}

moat_x509_status moat_x509_load_certs(const char *path, STACK_OF(X509) * *out, moat_x509_err *e)
{
    *out = NULL;
    BIO *b = open_read(path, e);
    if (!b)
        return MOAT_X509_ERR_IO;
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *c;
    while (sk && (c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(sk, c))
            X509_free(c);
    }
    if (sk && sk_X509_num(sk) == 0) { /* not PEM: perhaps one DER certificate */
        BIO_reset(b);
        c = d2i_X509_bio(b, NULL);
        if (c && !sk_X509_push(sk, c))
            X509_free(c);
    }
    BIO_free(b);
    if (!sk || sk_X509_num(sk) == 0) {
        sk_X509_free(sk);
        return moat_x509__fail(e, MOAT_X509_ERR_PARSE, 0,
                               "%s holds no certificate (expected PEM "
                               "\"-----BEGIN CERTIFICATE-----\" or DER)",
                               path);
    }
    ERR_clear_error(); /* the loop ends on a "no start line" error: expected */
    *out = sk;
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_load_cert(const char *path, X509 **out, moat_x509_err *e)
{
    STACK_OF(X509) * sk;
    moat_x509_status st = moat_x509_load_certs(path, &sk, e);
    *out = NULL;
    if (st != MOAT_X509_OK)
        return st;
    *out = sk_X509_shift(sk);
    sk_X509_pop_free(sk, X509_free);
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_load_private_key(const char *path, EVP_PKEY **out, moat_x509_err *e)
{
    BIO *b = open_read(path, e);
    *out = NULL;
    if (!b)
        return MOAT_X509_ERR_IO;
    *out = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!*out)
        return moat_x509__fail(e, MOAT_X509_ERR_PARSE, 1, "%s holds no unencrypted PEM private key",
                               path);
    return check_p256(*out, e);
}

static moat_x509_status verify_csr(X509_REQ *req, const char *path, moat_x509_err *e)
{
    EVP_PKEY *pub = X509_REQ_get0_pubkey(req);
    if (!pub || X509_REQ_verify(req, pub) != 1)
        return moat_x509__fail(e, MOAT_X509_ERR_CSR_SIGNATURE, 0,
                               "%s: the CSR's signature does not verify with the public key it "
                               "carries (altered, or signed by another key); create the CSR again "
                               "on the device",
                               path);
    return check_p256(pub, e);
}

moat_x509_status moat_x509_load_csr(const char *path, X509_REQ **out, moat_x509_err *e)
{
    BIO *b = open_read(path, e);
    *out = NULL;
    if (!b)
        return MOAT_X509_ERR_IO;
    *out = PEM_read_bio_X509_REQ(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!*out)
        return moat_x509__fail(e, MOAT_X509_ERR_PARSE, 0,
                               "%s holds no PEM CSR (\"-----BEGIN CERTIFICATE REQUEST-----\")",
                               path);
    moat_x509_status st = verify_csr(*out, path, e);
    if (st != MOAT_X509_OK) {
        X509_REQ_free(*out);
        *out = NULL;
    }
    return st;
}

/* Decodes one PEM block of a known label into a public key. */
static moat_x509_status pem_block_pubkey(const char *name, const unsigned char *der, long len,
                                         const char *path, EVP_PKEY **out, const char **kind,
                                         moat_x509_err *e)
{
    const unsigned char *p = der;
    if (!strcmp(name, "PUBLIC KEY")) {
        *kind = "public key";
        *out = d2i_PUBKEY(NULL, &p, len);
    } else if (!strcmp(name, "CERTIFICATE")) {
        *kind = "certificate";
        X509 *c = d2i_X509(NULL, &p, len);
        *out = c ? X509_get_pubkey(c) : NULL;
        X509_free(c);
    } else if (!strcmp(name, "CERTIFICATE REQUEST") || !strcmp(name, "NEW CERTIFICATE REQUEST")) {
        *kind = "CSR";
        X509_REQ *r = d2i_X509_REQ(NULL, &p, len);
        moat_x509_status st = r ? verify_csr(r, path, e) : MOAT_X509_ERR_PARSE;
        *out = st == MOAT_X509_OK ? X509_REQ_get_pubkey(r) : NULL;
        X509_REQ_free(r);
        if (st == MOAT_X509_ERR_CSR_SIGNATURE)
            return st;
    } else if (!strcmp(name, "PRIVATE KEY") || !strcmp(name, "EC PRIVATE KEY")) {
        *kind = "private key";
        *out = d2i_AutoPrivateKey(NULL, &p, len);
    } else {
        return moat_x509__fail(e, MOAT_X509_ERR_PARSE, 0,
                               "%s holds a \"%s\" PEM block; expected a PUBLIC KEY, CERTIFICATE, "
                               "CERTIFICATE REQUEST or PRIVATE KEY",
                               path, name);
    }
    if (!*out)
        return moat_x509__fail(e, MOAT_X509_ERR_PARSE, 1, "%s: the %s does not decode", path,
                               *kind);
    return check_p256(*out, e);
}

moat_x509_status moat_x509_load_public_key(const char *path, EVP_PKEY **out, const char **kind,
                                           moat_x509_err *e)
{
    const char *k = "";
    *out = NULL;
    BIO *b = open_read(path, e);
    if (!b)
        return MOAT_X509_ERR_IO;
    char *name = NULL, *header = NULL;
    unsigned char *der = NULL;
    long len = 0;
    moat_x509_status st;
    int got;
    /* `openssl ecparam -genkey` without -noout writes an EC PARAMETERS block before the key */
    while ((got = PEM_read_bio(b, &name, &header, &der, &len)) == 1 &&
           !strcmp(name, "EC PARAMETERS")) {
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
        name = header = NULL;
        der = NULL;
    }
    if (got != 1)
        st = moat_x509__fail(e, MOAT_X509_ERR_PARSE, 0,
                             "%s is not PEM (no \"-----BEGIN ...-----\" line)", path);
    else
        st = pem_block_pubkey(name, der, len, path, out, &k, e);
    if (st != MOAT_X509_OK) {
        EVP_PKEY_free(*out);
        *out = NULL;
    }
    if (kind)
        *kind = k;
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    BIO_free(b);
    return st;
}

/* ---- writing -------------------------------------------------------------------------- */

static FILE *open_write(const char *path, mode_t mode, bool force, moat_x509_err *e,
                        moat_x509_status *st)
{
    int fd = open(path, O_WRONLY | O_CREAT | (force ? O_TRUNC : O_EXCL) | O_CLOEXEC, mode);
    if (fd < 0) {
        *st = errno == EEXIST ? MOAT_X509_ERR_EXISTS : MOAT_X509_ERR_IO;
        moat_x509__fail(e, *st, 0,
                        errno == EEXIST ? "%s exists; pass --force to overwrite it"
                                        : "cannot write %s: %s",
                        path, strerror(errno));
        return NULL;
    }
    /* an existing file overwritten with --force keeps its old mode unless we set it; the
     * umask may also have widened nothing but narrowed the certificate mode */
    if (fchmod(fd, mode) != 0) {
        *st = moat_x509__fail(e, MOAT_X509_ERR_IO, 0, "cannot chmod %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        *st = moat_x509__fail(e, MOAT_X509_ERR_IO, 0, "cannot write %s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

static moat_x509_status close_written(FILE *f, int ok, const char *path, moat_x509_err *e)
{
    if (fclose(f) != 0)
        ok = 0;
    return ok ? MOAT_X509_OK : moat_x509__fail(e, MOAT_X509_ERR_IO, 1, "writing %s failed", path);
}

moat_x509_status moat_x509_write_certs(const char *path, X509 *const *certs, size_t n, bool force,
                                       moat_x509_err *e)
{
    moat_x509_status st = MOAT_X509_OK;
    FILE *f = open_write(path, 0644, force, e, &st);
    if (!f)
        return st;
    int ok = 1;
    for (size_t i = 0; i < n && ok; i++)
        ok = PEM_write_X509(f, certs[i]);
    return close_written(f, ok, path, e);
}

moat_x509_status moat_x509_write_cert(const char *path, X509 *cert, bool force, moat_x509_err *e)
{
    return moat_x509_write_certs(path, &cert, 1, force, e);
}

moat_x509_status moat_x509_write_key(const char *path, EVP_PKEY *key, bool force, moat_x509_err *e)
{
    moat_x509_status st = MOAT_X509_OK;
    FILE *f = open_write(path, 0600, force, e, &st);
    if (!f)
        return st;
    return close_written(f, PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), path, e);
}

moat_x509_status moat_x509_write_pubkey(const char *path, EVP_PKEY *key, bool force,
                                        moat_x509_err *e)
{
    moat_x509_status st = MOAT_X509_OK;
    FILE *f = open_write(path, 0644, force, e, &st);
    if (!f)
        return st;
    return close_written(f, PEM_write_PUBKEY(f, key), path, e);
}
