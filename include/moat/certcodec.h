/* moat/certcodec.h - Microchip-compatible compressed certificates (atcacert format), P-256.
 *
 * The 72-byte compressed certificate, its date and serial-number encodings, certificate
 * definitions (a template DER plus the locations of the per-device fields), a DER walker that
 * builds a definition from a real certificate, and the exact DER rebuild. No allocation and no
 * OpenSSL: every buffer is the caller's. Format description: docs/certificates-compressed.md.
 */
#ifndef MOAT_CERTCODEC_H
#define MOAT_CERTCODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/config.h"

typedef enum {
    MOAT_CERT_OK = 0,
    MOAT_CERT_ERR_ARG,            /* a required pointer is NULL or a size is out of range */
    MOAT_CERT_ERR_BUFFER,         /* the caller's output buffer is too small */
    MOAT_CERT_ERR_DER,            /* the certificate is not well-formed DER X.509 */
    MOAT_CERT_ERR_KEY_NOT_P256,   /* the subject key is not an uncompressed P-256 point */
    MOAT_CERT_ERR_SIG_NOT_P256,   /* the signature is not ECDSA with 32-byte R and S */
    MOAT_CERT_ERR_SIG_NOT_DER,    /* the signature INTEGERs are not minimal DER */
    MOAT_CERT_ERR_DATE_SYNTAX,    /* a validity date is not UTCTime/GeneralizedTime "...Z" */
    MOAT_CERT_ERR_ISSUE_MINUTES,  /* notBefore has minutes or seconds (only hours are kept) */
    MOAT_CERT_ERR_ISSUE_YEAR,     /* notBefore is before 2000 or after 2127 */
    MOAT_CERT_ERR_EXPIRE_MINUTES, /* notAfter has minutes or seconds (and is no max date) */
    MOAT_CERT_ERR_EXPIRE_NOT_WHOLE_YEARS, /* notAfter is not notBefore + whole years */
    MOAT_CERT_ERR_EXPIRE_YEARS,           /* validity longer than 127 years (or 31 in format 0) */
    MOAT_CERT_ERR_DATE_INVALID,         /* compressed date fields out of range (month 0, hour 24) */
    MOAT_CERT_ERR_DATE_UNREPRESENTABLE, /* the date does not fit the definition's date format */
    MOAT_CERT_ERR_SIGNER_ID,            /* the signer ID text is not 4 uppercase hex characters */
    MOAT_CERT_ERR_SERIAL_NOT_DERIVED,   /* the serial is not the one the SN source derives */
    MOAT_CERT_ERR_SERIAL_SIZE,          /* the serial size does not suit the SN source */
    MOAT_CERT_ERR_SN_SOURCE,            /* stored serial sources are not supported */
    MOAT_CERT_ERR_NEED_DEVICE_SN,       /* the SN source needs the chip's 9-byte serial number */
    MOAT_CERT_ERR_SKI_NOT_SHA1,         /* subjectKeyIdentifier is not SHA-1(04 || X || Y) */
    MOAT_CERT_ERR_AKI_NOT_SHA1,         /* authorityKeyIdentifier is not SHA-1 of the issuer key */
    MOAT_CERT_ERR_FORMAT_VERSION,       /* compressed format version above 2 */
    MOAT_CERT_ERR_WRONG_DEF,            /* template ID / chain ID / SN source differ from the def */
    MOAT_CERT_ERR_DEF_PARSE,            /* a serialized definition is malformed */
    MOAT_CERT_ERR_DEF_RANGE,            /* a definition location lies outside its template */
    MOAT_CERT_ERR_LENGTH_FIXUP,         /* the new signature size changes a DER length's size */
    MOAT_CERT_ERR_PACK,                 /* the packed definitions (chip slots 8, 13) are corrupt */
    MOAT_CERT_ERR_TEMPLATE_MISMATCH,    /* a byte outside the per-device fields differs */
    MOAT_CERT_STATUS_COUNT
} moat_cert_status;

/* Short name of a status, e.g. "notBefore has minutes or seconds". */
const char *moat_cert_strerror(moat_cert_status s);
/* One line with the cause and the fix. With MOAT_CONFIG_EXPLAIN 0, the short name. */
const char *moat_cert_explain(moat_cert_status s);

/* ---- sizes and enumerations ---- */
#define MOAT_CERT_COMP_SIZE 72u     /* a compressed P-256 certificate */
#define MOAT_CERT_PUBKEY_SIZE 64u   /* X || Y, big-endian, the chip's command format */
#define MOAT_CERT_SIG_SIZE 64u      /* R || S, big-endian */
#define MOAT_CERT_KEY_ID_SIZE 20u   /* SHA-1 key identifier */
#define MOAT_CERT_DEVICE_SN_SIZE 9u /* the chip serial number (config bytes 0-3, 8-12) */
#define MOAT_CERT_SIG_DER_MAX 75u   /* BIT STRING holding the largest P-256 ECDSA-Sig-Value */
#define MOAT_CERT_SERIAL_MAX 32u

/* Date formats, numbered as atcacert's atcacert_date_format_t. */
enum {
    MOAT_CERT_DATEFMT_ISO8601 = 0,  /* "YYYY-MM-DDThh:mm:ssZ", 20 characters */
    MOAT_CERT_DATEFMT_UTC = 1,      /* RFC 5280 UTCTime "YYMMDDhhmmssZ", 13 characters */
    MOAT_CERT_DATEFMT_POSIX_BE = 2, /* seconds since 1970, uint32 big-endian */
    MOAT_CERT_DATEFMT_POSIX_LE = 3, /* seconds since 1970, uint32 little-endian */
    MOAT_CERT_DATEFMT_GEN = 4,      /* RFC 5280 GeneralizedTime "YYYYMMDDhhmmssZ", 15 chars */
};

/* Serial-number sources (compressed byte 70 bits 7:4), numbered as atcacert_cert_sn_src_t. */
enum {
    MOAT_CERT_SNSRC_STORED = 0x0,             /* stored on the device: not supported here */
    MOAT_CERT_SNSRC_STORED_DYNAMIC = 0x7,     /* stored, variable size: not supported here */
    MOAT_CERT_SNSRC_DEVICE_SN = 0x8,          /* 0x40 || 9-byte chip serial (10 bytes) */
    MOAT_CERT_SNSRC_SIGNER_ID = 0x9,          /* 0x40 || signer ID (3 bytes) */
    MOAT_CERT_SNSRC_PUB_KEY_HASH = 0xA,       /* SHA-256(pubkey || dates), top bits 01 (TNG) */
    MOAT_CERT_SNSRC_DEVICE_SN_HASH = 0xB,     /* SHA-256(chip serial || dates), top bits 01 */
    MOAT_CERT_SNSRC_PUB_KEY_HASH_POS = 0xC,   /* as 0xA, only the top bit cleared */
    MOAT_CERT_SNSRC_DEVICE_SN_HASH_POS = 0xD, /* as 0xB, only the top bit cleared */
    MOAT_CERT_SNSRC_PUB_KEY_HASH_RAW = 0xE,   /* as 0xA, no bit changed */
    MOAT_CERT_SNSRC_DEVICE_SN_HASH_RAW = 0xF, /* as 0xB, no bit changed */
};

/* Standard certificate elements, in atcacert's std_cert_elements order. */
typedef enum {
    MOAT_CERT_EL_PUBLIC_KEY = 0, /* 64 bytes X||Y, just after 03 42 00 04 */
    MOAT_CERT_EL_SIGNATURE,      /* the signatureValue BIT STRING tag; count 64 */
    MOAT_CERT_EL_ISSUE_DATE,     /* notBefore characters (13 or 15) */
    MOAT_CERT_EL_EXPIRE_DATE,    /* notAfter characters */
    MOAT_CERT_EL_SIGNER_ID,      /* 4 ASCII hex characters in a CN; count 0 = none */
    MOAT_CERT_EL_SERIAL,         /* the serialNumber INTEGER content */
    MOAT_CERT_EL_AKI,            /* 20-byte authority key ID; count 0 = none */
    MOAT_CERT_EL_SKI,            /* 20-byte subject key ID; count 0 = none */
    MOAT_CERT_EL_COUNT
} moat_cert_element;

/* ---- dates ---- */
typedef struct {
    uint16_t year;
    uint8_t month, day, hour, min, sec;
} moat_cert_date;

/* Parses a date in format `fmt` (UTC, GEN, ISO8601 or POSIX) from `len` bytes. */
moat_cert_status moat_cert_date_parse(uint8_t fmt, const uint8_t *text, size_t len,
                                      moat_cert_date *out);
/* Writes `d` in format `fmt` into out (cap bytes); *len receives the size written.
 * Fails with DATE_UNREPRESENTABLE when the year does not fit the format (UTCTime: 1950-2049). */
moat_cert_status moat_cert_date_format(uint8_t fmt, const moat_cert_date *d, uint8_t *out,
                                       size_t cap, size_t *len);
/* Size of a date in format `fmt` (13, 15, 20, 4), 0 for an unknown format. */
size_t moat_cert_date_size(uint8_t fmt);
/* The "no expiry" date of a format: 9999-12-31 23:59:59 (GEN, ISO), 2049-12-31 23:59:59
 * (UTC), 2106-02-07 06:28:15 (POSIX). */
void moat_cert_date_max(uint8_t fmt, moat_cert_date *out);
/* Compares two dates: <0, 0, >0. */
int moat_cert_date_cmp(const moat_cert_date *a, const moat_cert_date *b);

/* ---- the 72-byte compressed certificate ---- */
typedef struct {
    uint8_t signature[MOAT_CERT_SIG_SIZE]; /* R || S */
    moat_cert_date issue;                  /* minutes and seconds must be 0 */
    uint8_t expire_years;                  /* 0 = no expiry (the format's max date) */
    uint16_t signer_id;                    /* bytes 67-68, big-endian */
    uint8_t template_id, chain_id;         /* 4 bits each (byte 69) */
    uint8_t sn_source, format_version;     /* 4 bits each (byte 70) */
    uint8_t reserved;                      /* byte 71 bits 3:0 (kept as found) */
} moat_cert_comp;

/* The smallest format version that holds an issue year and expire_years: 0 (2000-2031,
 * 0-31 years), otherwise 1 (2000-2127, 0-127 years). */
uint8_t moat_cert_comp_format_for(uint16_t issue_year, uint8_t expire_years);
/* Encodes `c` into 72 bytes. Refuses minutes/seconds, years outside the format's range and
 * field values wider than their bits. */
moat_cert_status moat_cert_comp_encode(const moat_cert_comp *c, uint8_t out[MOAT_CERT_COMP_SIZE]);
/* Decodes 72 bytes. Refuses format versions above 2 and impossible dates (month 0...). */
moat_cert_status moat_cert_comp_decode(const uint8_t in[MOAT_CERT_COMP_SIZE], moat_cert_comp *c);
/* The expiry a compressed certificate stands for, written in format `expire_fmt`: issue +
 * expire_years (same month, day and hour), or the format's max date when expire_years is 0. */
moat_cert_status moat_cert_comp_expire(const moat_cert_comp *c, uint8_t expire_fmt,
                                       moat_cert_date *out);

/* ---- serial numbers and key identifiers ---- */
/* Derives the serial for `sn_source` from the compressed bytes (dates, signer ID) and the
 * public key (hash sources) or the chip serial (device-SN sources; may be NULL otherwise).
 * `sn_size` bytes are written to sn; hash sources allow 1-32, DEVICE_SN 10, SIGNER_ID 3. */
moat_cert_status moat_cert_serial_derive(uint8_t sn_source, const uint8_t comp[MOAT_CERT_COMP_SIZE],
                                         const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                                         const uint8_t device_sn[MOAT_CERT_DEVICE_SN_SIZE],
                                         uint8_t *sn, size_t sn_size);
/* key_id = SHA-1(0x04 || X || Y): RFC 5280 section 4.2.1.2 method (1), as atcacert does. */
void moat_cert_key_id(const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                      uint8_t key_id[MOAT_CERT_KEY_ID_SIZE]);

/* ---- certificate definitions ---- */
typedef struct {
    uint16_t offset;
    uint16_t count;
} moat_cert_loc;

typedef struct {
    uint8_t template_id, chain_id; /* 0-15, must match compressed byte 69 */
    uint8_t sn_source;             /* MOAT_CERT_SNSRC_* */
    uint8_t issue_fmt, expire_fmt; /* MOAT_CERT_DATEFMT_UTC or _GEN in an X.509 template */
    uint8_t expire_years;          /* the template's validity (informational) */
    moat_cert_loc tbs;             /* the TBSCertificate SEQUENCE, header included */
    moat_cert_loc el[MOAT_CERT_EL_COUNT];
    const uint8_t *template_der; /* caller-owned; bytes from the signature on are unused */
    size_t template_len;
} moat_cert_def;

/* Where the walker looks for the 4-hex-character signer ID. */
typedef enum {
    MOAT_CERT_SIGNER_ID_AUTO = 0, /* CA certificate: its subject CN; otherwise the issuer CN */
    MOAT_CERT_SIGNER_ID_NONE,
    MOAT_CERT_SIGNER_ID_ISSUER,
    MOAT_CERT_SIGNER_ID_SUBJECT,
} moat_cert_signer_id_where;

/* Builds a definition from a real certificate: walks the DER for the serial, dates, public
 * key, key identifiers, signature and (per `where`) a CN ending in 4 uppercase hex
 * characters. The template is `der` itself (not copied: keep it alive). Sets template_id
 * (1 for a CA certificate, 2 otherwise), chain_id 0, sn_source PUB_KEY_HASH; the caller may
 * change them. Refuses a key that is not P-256 and a signature that is not P-256 ECDSA. */
moat_cert_status moat_cert_def_from_der(const uint8_t *der, size_t der_len,
                                        moat_cert_signer_id_where where, moat_cert_def *def);
/* Checks every location of `def` against its template (the same checks the parser makes). */
moat_cert_status moat_cert_def_check(const moat_cert_def *def);

/* ---- compress and rebuild ---- */
/* Inputs to serial derivation and the AKI that are not in the 72 bytes. */
typedef struct {
    const uint8_t *signer_pubkey; /* 64 bytes or NULL: sets/checks the AKI */
    const uint8_t *device_sn;     /* 9 bytes or NULL: for the device-SN serial sources */
} moat_cert_extra;

/* Compresses certificate `der` (which `def` describes, e.g. from moat_cert_def_from_der) into
 * 72 bytes. Refuses, with the exact status, what a rebuild could not reproduce: minutes or
 * seconds, a validity that is not whole years, a serial not derived as def->sn_source says,
 * an SKI (or, with extra->signer_pubkey, an AKI) that is not the SHA-1 key ID, a signer ID that
 * is not uppercase hex, non-minimal signature INTEGERs, and any byte outside the per-device fields
 * that differs from the definition's template (TEMPLATE_MISMATCH). On SERIAL_NOT_DERIVED,
 * SKI_NOT_SHA1 and AKI_NOT_SHA1, comp already holds the encoded bytes (to show the expected
 * serial). */
moat_cert_status moat_cert_compress(const moat_cert_def *def, const uint8_t *der, size_t der_len,
                                    const moat_cert_extra *extra,
                                    uint8_t comp[MOAT_CERT_COMP_SIZE]);
/* Encodes R||S as the signatureValue BIT STRING (03 len 00 30 len 02 .. 02 ..), minimal
 * INTEGERs; returns the size (at most MOAT_CERT_SIG_DER_MAX). */
size_t moat_cert_sig_to_der(const uint8_t sig[MOAT_CERT_SIG_SIZE],
                            uint8_t out[MOAT_CERT_SIG_DER_MAX]);

/* Largest certificate a rebuild from `def` can produce. */
size_t moat_cert_rebuild_max(const moat_cert_def *def);
/* Rebuilds the exact DER from the definition's template, 72 compressed bytes and the subject
 * public key (plus extra: signer key for the AKI, chip serial for device-SN sources). The
 * signature is re-encoded as minimal DER INTEGERs and the outer length fixed up, as atcacert
 * does. out holds cap bytes (moat_cert_rebuild_max is enough); *out_len gets the size. */
moat_cert_status moat_cert_rebuild(const moat_cert_def *def,
                                   const uint8_t comp[MOAT_CERT_COMP_SIZE],
                                   const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                                   const moat_cert_extra *extra, uint8_t *out, size_t cap,
                                   size_t *out_len);
/* The 64-byte public key at the definition's location in `der` (e.g. a signer certificate). */
moat_cert_status moat_cert_der_pubkey(const uint8_t *der, size_t der_len,
                                      uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE]);

/* ---- definition serialization (docs/certificates-compressed.md, "Definition files") ---- */
#define MOAT_CERT_DEF_HEADER_SIZE 48u

/* Size of the serialized form of `def`. */
size_t moat_cert_def_serialized_size(const moat_cert_def *def);
/* Serializes `def` (header + template up to the signature) into out. */
moat_cert_status moat_cert_def_serialize(const moat_cert_def *def, uint8_t *out, size_t cap,
                                         size_t *out_len);
/* Parses a serialized definition; def->template_der points into `in` (keep it alive). Every
 * location is checked against the template. */
moat_cert_status moat_cert_def_parse(const uint8_t *in, size_t len, moat_cert_def *def);

/* ---- the pair of definitions kept in the chip (slot 8, overflowing into slot 13) ---- */
#define MOAT_CERT_PACK_SLOT8 416u /* ATECC608 slot 8 */
#define MOAT_CERT_PACK_MAX 488u   /* slot 8 + slot 13 (72 bytes) */

/* Packs two serialized definitions (signer, device) into one LZ-compressed blob for the chip.
 * Bytes the rebuild overwrites (keys, dates, serial, SKI) should be zeroed by the caller
 * first (moat_cert_def_blank_dynamic) so they compress away. */
moat_cert_status moat_cert_pack(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                                uint8_t *out, size_t cap, size_t *out_len);
/* Unpacks a blob into work (cap bytes); *a / *b point into work with their lengths. */
moat_cert_status moat_cert_unpack(const uint8_t *in, size_t len, uint8_t *work, size_t cap,
                                  const uint8_t **a, size_t *a_len, const uint8_t **b,
                                  size_t *b_len);
/* Zeroes, in a writable copy of a template, the fields every rebuild rewrites (public key,
 * dates, serial, SKI, signer ID) and, with blank_aki, the AKI: only when every rebuild will
 * be given the signer key (a device certificate whose signer key is in the chip). */
moat_cert_status moat_cert_def_blank_dynamic(const moat_cert_def *def, uint8_t *tmpl, size_t len,
                                             bool blank_aki);

#endif
