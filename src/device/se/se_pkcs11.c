/* se_pkcs11.c - the PKCS#11 backend: a P-256 key in any token (HSM, TPM via tpm2-pkcs11,
 * SoftHSM2 in the tests), reached through the module's function list. The private key never
 * leaves the token: signing is C_Sign with CKM_ECDSA over our digest. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

#include "device/se/se_backends.h"

typedef struct {
    void *lib;
    CK_FUNCTION_LIST_PTR f;
    CK_SESSION_HANDLE session;
    CK_OBJECT_HANDLE priv;
    uint8_t pub[64];
    bool initialized_here;
    char *detail; /* the moat_se.detail buffer, for failures after open */
    size_t detail_cap;
} p11_key;

/* Names of the return values a user is likely to meet; others print as hex. */
static const char *ckr_name(CK_RV rv)
{
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_USER_NOT_LOGGED_IN: return "CKR_USER_NOT_LOGGED_IN";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_KEY_HANDLE_INVALID: return "CKR_KEY_HANDLE_INVALID";
    case CKR_MECHANISM_INVALID: return "CKR_MECHANISM_INVALID";
    case CKR_KEY_TYPE_INCONSISTENT: return "CKR_KEY_TYPE_INCONSISTENT";
    case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
    case CKR_DEVICE_ERROR: return "CKR_DEVICE_ERROR";
    case CKR_FUNCTION_FAILED: return "CKR_FUNCTION_FAILED";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_ATTRIBUTE_SENSITIVE: return "CKR_ATTRIBUTE_SENSITIVE";
    default: return NULL;
    }
}

static void say_rv(char *err, size_t cap, const char *what, CK_RV rv)
{
    const char *n = ckr_name(rv);
    if (n)
        snprintf(err, cap, "PKCS#11 %s failed: %s", what, n);
    else
        snprintf(err, cap, "PKCS#11 %s failed: CKR 0x%lx", what, (unsigned long)rv);
}

/* Percent-decodes the value of `key` in an RFC 7512-style query "a=b&c=d" into out. */
static bool query_get(const char *query, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, klen) != 0 || p[klen] != '=')
            continue;
        const char *v = p + klen + 1;
        size_t n = 0;
        while (*v && *v != '&' && n + 1 < cap) {
            if (*v == '%' && v[1] && v[2]) {
                char hex[3] = {v[1], v[2], 0};
                out[n++] = (char)strtol(hex, NULL, 16);
                v += 3;
            } else {
                out[n++] = *v++;
            }
        }
        out[n] = 0;
        return true;
    }
    return false;
}

/* Token labels are 32 bytes, blank-padded, not NUL-terminated. */
static bool label_equals(const unsigned char label[32], const char *want)
{
    size_t n = strlen(want);
    if (n > 32 || memcmp(label, want, n) != 0)
        return false;
    for (size_t i = n; i < 32; i++)
        if (label[i] != ' ')
            return false;
    return true;
}

static CK_RV find_object(p11_key *k, CK_OBJECT_CLASS cls, const char *label, CK_OBJECT_HANDLE *h)
{
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof cls},
        {CKA_LABEL, (void *)label, strlen(label)},
    };
    CK_ULONG found = 0;
    CK_RV rv = k->f->C_FindObjectsInit(k->session, tmpl, 2);
    if (rv != CKR_OK)
        return rv;
    rv = k->f->C_FindObjects(k->session, h, 1, &found);
    k->f->C_FindObjectsFinal(k->session);
    if (rv == CKR_OK && found == 0)
        return CKR_KEY_HANDLE_INVALID;
    return rv;
}

/* P-256's OID inside CKA_EC_PARAMS: 06 08 2A 86 48 CE 3D 03 01 07. */
static const uint8_t p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* Reads the public point of the key pair: CKA_EC_POINT is DER OCTET STRING(04||X||Y). */
static moat_se_status load_public(p11_key *k, const char *label, char *err, size_t cap)
{
    CK_OBJECT_HANDLE pubh;
    CK_RV rv = find_object(k, CKO_PUBLIC_KEY, label, &pubh);
    if (rv != CKR_OK) {
        snprintf(err, cap, "the token has a private key '%s' but no public key object with that "
                 "label, so the certificate cannot be checked against it. Fix: import or "
                 "generate the key pair with both objects (pkcs11-tool --keypairgen)", label);
        return MOAT_SE_ERR_NO_KEY;
    }
    uint8_t params[32], point[80];
    CK_ATTRIBUTE a[] = {{CKA_EC_PARAMS, params, sizeof params}, {CKA_EC_POINT, point, sizeof point}};
    rv = k->f->C_GetAttributeValue(k->session, pubh, a, 2);
    if (rv != CKR_OK) {
        say_rv(err, cap, "C_GetAttributeValue(CKA_EC_POINT)", rv);
        return MOAT_SE_ERR_KEY_TYPE;
    }
    if (a[0].ulValueLen != sizeof p256_oid || memcmp(params, p256_oid, sizeof p256_oid) != 0) {
        snprintf(err, cap, "key '%s' is not on curve P-256 (prime256v1), the only one supported",
                 label);
        return MOAT_SE_ERR_KEY_TYPE;
    }
    const uint8_t *p = point;
    size_t n = a[1].ulValueLen;
    if (n == 67 && p[0] == 0x04 && p[1] == 65) { /* OCTET STRING wrapper */
        p += 2;
        n -= 2;
    }
    if (n != 65 || p[0] != 0x04) {
        snprintf(err, cap, "key '%s': unexpected CKA_EC_POINT encoding (%zu bytes)", label, n);
        return MOAT_SE_ERR_KEY_TYPE;
    }
    memcpy(k->pub, p + 1, 64);
    return MOAT_SE_OK;
}

static moat_se_status p11_public_key(void *ctx, uint8_t pub[64])
{
    memcpy(pub, ((p11_key *)ctx)->pub, 64);
    return MOAT_SE_OK;
}

static moat_se_status p11_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
    p11_key *k = ctx;
    CK_MECHANISM mech = {CKM_ECDSA, NULL, 0};
    CK_ULONG len = 64;
    CK_RV rv = k->f->C_SignInit(k->session, &mech, k->priv);
    if (rv == CKR_OK)
        rv = k->f->C_Sign(k->session, (CK_BYTE_PTR)digest, 32, sig, &len);
    if (rv == CKR_OK && len != 64)
        rv = CKR_FUNCTION_FAILED;
    if (rv != CKR_OK) {
        say_rv(k->detail, k->detail_cap, "C_Sign(CKM_ECDSA)", rv);
        return MOAT_SE_ERR_DEVICE;
    }
    return MOAT_SE_OK;
}

static moat_se_status p11_ecdh(void *ctx, const uint8_t peer[64], uint8_t secret[32])
{
    p11_key *k = ctx;
    uint8_t point[65];
    point[0] = 0x04;
    memcpy(point + 1, peer, 64);
    CK_ECDH1_DERIVE_PARAMS params = {CKD_NULL, 0, NULL, sizeof point, point};
    CK_MECHANISM mech = {CKM_ECDH1_DERIVE, &params, sizeof params};
    CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
    CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
    CK_ULONG vlen = 32;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof cls},         {CKA_KEY_TYPE, &kt, sizeof kt},
        {CKA_VALUE_LEN, &vlen, sizeof vlen},   {CKA_SENSITIVE, &no, sizeof no},
        {CKA_EXTRACTABLE, &yes, sizeof yes},   {CKA_TOKEN, &no, sizeof no},
    };
    CK_OBJECT_HANDLE sk;
    CK_RV rv = k->f->C_DeriveKey(k->session, &mech, k->priv, tmpl, 6, &sk);
    if (rv == CKR_OK) {
        CK_ATTRIBUTE v = {CKA_VALUE, secret, 32};
        rv = k->f->C_GetAttributeValue(k->session, sk, &v, 1);
        k->f->C_DestroyObject(k->session, sk);
    }
    if (rv != CKR_OK) {
        say_rv(k->detail, k->detail_cap, "C_DeriveKey(CKM_ECDH1_DERIVE)", rv);
        return MOAT_SE_ERR_DEVICE;
    }
    return MOAT_SE_OK;
}

static moat_se_status p11_random(void *ctx, uint8_t *out, size_t len)
{
    p11_key *k = ctx;
    CK_RV rv = k->f->C_GenerateRandom(k->session, out, len);
    if (rv != CKR_OK) {
        say_rv(k->detail, k->detail_cap, "C_GenerateRandom", rv);
        return MOAT_SE_ERR_DEVICE;
    }
    return MOAT_SE_OK;
}

static void p11_close(void *ctx)
{
    p11_key *k = ctx;
    if (k->f) {
        if (k->session != CK_INVALID_HANDLE) {
            k->f->C_Logout(k->session);
            k->f->C_CloseSession(k->session);
        }
        if (k->initialized_here)
            k->f->C_Finalize(NULL);
    }
    if (k->lib)
        dlclose(k->lib);
    free(k);
}

static const moat_se_ops p11_ops = {p11_public_key, p11_sign, p11_ecdh, p11_random, p11_close};

static moat_se_status open_session(p11_key *k, const char *token, const char *pin, char *err,
                                   size_t cap)
{
    CK_SLOT_ID slots[32];
    CK_ULONG n = 32;
    CK_RV rv = k->f->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK) {
        say_rv(err, cap, "C_GetSlotList", rv);
        return MOAT_SE_ERR_OPEN;
    }
    for (CK_ULONG i = 0; i < n; i++) {
        CK_TOKEN_INFO ti;
        if (k->f->C_GetTokenInfo(slots[i], &ti) != CKR_OK || !label_equals(ti.label, token))
            continue;
        rv = k->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
                                 &k->session);
        if (rv != CKR_OK) {
            say_rv(err, cap, "C_OpenSession", rv);
            return MOAT_SE_ERR_OPEN;
        }
        rv = k->f->C_Login(k->session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
        if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
            say_rv(err, cap, "C_Login", rv);
            return MOAT_SE_ERR_LOGIN;
        }
        return MOAT_SE_OK;
    }
    snprintf(err, cap, "no PKCS#11 token labelled '%s' in the module (%lu tokens present). "
             "Fix: check token= (softhsm2-util --show-slots lists them)", token, (unsigned long)n);
    return MOAT_SE_ERR_OPEN;
}

static moat_se_status p11_setup(p11_key *k, const char *module, const char *query, char *err,
                                size_t cap)
{
    char token[64], object[64], pin[64];
    if (!query_get(query, "token", token, sizeof token) ||
        !query_get(query, "object", object, sizeof object)) {
        snprintf(err, cap, "a pkcs11: locator needs token= and object=, e.g. "
                 "pkcs11:/usr/lib/softhsm/libsofthsm2.so?token=t&object=k&pin=1234");
        return MOAT_SE_ERR_LOCATOR;
    }
    if (!query_get(query, "pin", pin, sizeof pin) && !query_get(query, "pin-value", pin, sizeof pin))
        pin[0] = 0;
    k->lib = dlopen(module, RTLD_NOW | RTLD_LOCAL);
    if (!k->lib) {
        snprintf(err, cap, "cannot load the PKCS#11 module %s: %s", module, dlerror());
        return MOAT_SE_ERR_OPEN;
    }
    CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
    *(void **)&get_list = dlsym(k->lib, "C_GetFunctionList");
    if (!get_list || get_list(&k->f) != CKR_OK) {
        snprintf(err, cap, "%s is not a PKCS#11 module (no C_GetFunctionList)", module);
        return MOAT_SE_ERR_OPEN;
    }
    CK_RV rv = k->f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
        say_rv(err, cap, "C_Initialize", rv);
        return MOAT_SE_ERR_OPEN;
    }
    k->initialized_here = (rv == CKR_OK);
    moat_se_status st = open_session(k, token, pin, err, cap);
    if (st != MOAT_SE_OK)
        return st;
    if (find_object(k, CKO_PRIVATE_KEY, object, &k->priv) != CKR_OK) {
        snprintf(err, cap, "token '%s' has no private key labelled '%s'. Fix: check object= "
                 "(pkcs11-tool --module %s --login --list-objects)", token, object, module);
        return MOAT_SE_ERR_NO_KEY;
    }
    return load_public(k, object, err, cap);
}

moat_se_status moat_se_pkcs11_open(const char *module, const char *query, moat_se **out,
                                   char *err, size_t err_cap)
{
    moat_se *se = calloc(1, sizeof *se);
    p11_key *k = calloc(1, sizeof *k);
    if (!se || !k) {
        free(se);
        free(k);
        snprintf(err, err_cap, "out of memory");
        return MOAT_SE_ERR_OPEN;
    }
    k->session = CK_INVALID_HANDLE;
    moat_se_status st = p11_setup(k, module, query ? query : "", err, err_cap);
    if (st != MOAT_SE_OK) {
        p11_close(k);
        free(se);
        return st;
    }
    k->detail = se->detail;
    k->detail_cap = sizeof se->detail;
    se->ops = &p11_ops;
    se->ctx = k;
    se->backend = "pkcs11";
    *out = se;
    return MOAT_SE_OK;
}
