/* cert_status.c - names and explanations (cause and fix) of the compressed-certificate
 * codec's statuses. */
#include "moat/certcodec.h"

/* The long texts cost flash: a MOAT_CONFIG_EXPLAIN 0 build leaves them out. */
#if MOAT_CONFIG_EXPLAIN
#define E(text) text
#else
#define E(text) 0
#endif

typedef struct {
    const char *name;
    const char *explain;
} status_text;

static const status_text texts[MOAT_CERT_STATUS_COUNT] = {
    [MOAT_CERT_OK] = {"ok", E("ok")},
    [MOAT_CERT_ERR_ARG] = {"invalid argument",
                           E("invalid argument: a required input is missing or out of range")},
    [MOAT_CERT_ERR_BUFFER] =
        {"buffer too small",
         E("buffer too small: give a larger output buffer (moat_cert_rebuild_max tells the size)")},
    [MOAT_CERT_ERR_DER] =
        {"malformed certificate DER",
         E("the certificate is not well-formed DER X.509: convert PEM to DER and check it with "
           "`openssl x509 -noout -text`")},
    [MOAT_CERT_ERR_KEY_NOT_P256] =
        {"public key is not P-256",
         E("the subject key is not an uncompressed P-256 (prime256v1) point: compressed "
           "certificates hold only P-256 keys; issue the certificate for an ATECC608 key")},
    [MOAT_CERT_ERR_SIG_NOT_P256] =
        {"signature is not P-256 ECDSA",
         E("the signature is not ECDSA with R and S of at most 32 bytes: the issuer must sign "
           "with a P-256 key (ecdsa-with-SHA256)")},
    [MOAT_CERT_ERR_SIG_NOT_DER] =
        {"signature INTEGERs are not minimal DER",
         E("the signature's R or S INTEGER has a redundant leading zero or is negative: the "
           "rebuild writes minimal DER, so re-sign the certificate with a conforming signer")},
    [MOAT_CERT_ERR_DATE_SYNTAX] =
        {"validity date is not UTCTime/GeneralizedTime",
         E("a validity date is not \"YYMMDDhhmmssZ\" (UTCTime) or \"YYYYMMDDhhmmssZ\" "
           "(GeneralizedTime): fractional seconds and local times cannot be compressed")},
    [MOAT_CERT_ERR_ISSUE_MINUTES] =
        {"notBefore has minutes or seconds",
         E("notBefore has minutes or seconds: the compressed format keeps the issue date to the "
           "hour only; reissue with notBefore on a whole hour (e.g. 2024-05-01 10:00:00)")},
    [MOAT_CERT_ERR_ISSUE_YEAR] =
        {"notBefore year outside 2000-2127",
         E("notBefore is before 2000 or after 2127: the compressed format counts years from 2000 "
           "(7 bits); reissue with a notBefore in 2000-2127")},
    [MOAT_CERT_ERR_EXPIRE_MINUTES] =
        {"notAfter has minutes or seconds",
         E("notAfter has minutes or seconds and is not the no-expiry date: reissue with notAfter "
           "= notBefore + whole years, or 99991231235959Z for no expiry")},
    [MOAT_CERT_ERR_EXPIRE_NOT_WHOLE_YEARS] =
        {"validity is not a whole number of years",
         E("notAfter is not notBefore plus whole years (same month, day and hour): the compressed "
           "format stores only a year count; reissue with such a notAfter, or the no-expiry date")},
    [MOAT_CERT_ERR_EXPIRE_YEARS] =
        {"validity longer than 127 years",
         E("the validity is longer than 127 years (31 in format 0): use the no-expiry date "
           "99991231235959Z instead")},
    [MOAT_CERT_ERR_DATE_INVALID] =
        {"compressed date is impossible",
         E("the compressed date has an impossible field (month 0 or above 12, day 0, hour above "
           "23): the 72 bytes are corrupt or not a compressed certificate")},
    [MOAT_CERT_ERR_DATE_UNREPRESENTABLE] =
        {"date does not fit the template's date format",
         E("the date does not fit the template's date format (UTCTime holds 1950-2049): use a "
           "template whose notAfter is a GeneralizedTime")},
    [MOAT_CERT_ERR_SIGNER_ID] =
        {"signer ID is not 4 uppercase hex characters",
         E("the signer ID in the CN is not 4 uppercase hex characters: end the signer CN with the "
           "ID (e.g. \"Moat Signer 0A1F\") or choose no signer ID")},
    [MOAT_CERT_ERR_SERIAL_NOT_DERIVED] =
        {"serial number is not derived as the definition says",
         E("the certificate serial is not the one its SN source derives (for pubkey-hash: "
           "SHA-256(public key || encoded dates), top bits 01): a rebuild would produce another "
           "serial; issue the certificate with the derived serial (moat cert issue does)")},
    [MOAT_CERT_ERR_SERIAL_SIZE] =
        {"serial size does not suit the SN source",
         E("the serial number size does not suit the SN source (hash: 1-32 bytes, device-sn: 10, "
           "signer-id: 3)")},
    [MOAT_CERT_ERR_SN_SOURCE] =
        {"stored serial numbers are not supported",
         E("the SN source is a stored serial: only derived serials (pubkey-hash, device-sn-hash, "
           "device-sn, signer-id) can be rebuilt from the 72 bytes")},
    [MOAT_CERT_ERR_NEED_DEVICE_SN] =
        {"the chip serial number is needed",
         E("the SN source derives the serial from the chip's 9-byte serial number: supply it "
           "(--device-sn HEX, or read it from the chip)")},
    [MOAT_CERT_ERR_SKI_NOT_SHA1] =
        {"subjectKeyIdentifier is not SHA-1 of the key",
         E("the subjectKeyIdentifier is not SHA-1(04 || X || Y) of the subject key (RFC 5280 "
           "method 1), which the rebuild writes: reissue with subjectKeyIdentifier=hash")},
    [MOAT_CERT_ERR_AKI_NOT_SHA1] =
        {"authorityKeyIdentifier is not SHA-1 of the issuer key",
         E("the authorityKeyIdentifier is not SHA-1 of the issuer's public key: reissue with "
           "authorityKeyIdentifier=keyid from an issuer whose SKI uses method 1")},
    [MOAT_CERT_ERR_FORMAT_VERSION] =
        {"unsupported compressed format version",
         E("the compressed format version (byte 70 bits 3:0) is above 2: not a compressed "
           "certificate this codec (or atcacert) knows")},
    [MOAT_CERT_ERR_WRONG_DEF] =
        {"compressed certificate does not match the definition",
         E("the template ID, chain ID or SN source in the 72 bytes differ from the definition: "
           "use the definition the certificate was compressed with")},
    [MOAT_CERT_ERR_DEF_PARSE] =
        {"malformed definition",
         E("the definition is not a moat definition (magic \"MCZD\", version 1, exact length): "
           "regenerate it with `moat cert compress --def-out`")},
    [MOAT_CERT_ERR_DEF_RANGE] =
        {"definition location outside its template",
         E("a location in the definition lies outside its template or has the wrong size: the "
           "definition is corrupt; regenerate it")},
    [MOAT_CERT_ERR_LENGTH_FIXUP] =
        {"signature size changes a DER length's size",
         E("the new signature size would change how many bytes the certificate's outer length "
           "takes (atcacert refuses this too): use a template whose length is in the 82 xx xx "
           "form")},
    [MOAT_CERT_ERR_PACK] =
        {"packed definitions are corrupt",
         E("the definitions stored in the chip (slot 8) are missing or corrupt: store them again "
           "with `moat cert store`")},
    [MOAT_CERT_ERR_TEMPLATE_MISMATCH] =
        {"certificate does not match the definition's template",
         E("the certificate differs from the definition's template outside the per-device "
           "fields (names, extensions, algorithms): a rebuild would give another certificate; "
           "build the definition from this certificate (moat cert compress --def-out)")},
};

const char *moat_cert_strerror(moat_cert_status s)
{
    if ((unsigned)s >= MOAT_CERT_STATUS_COUNT)
        return "unknown status";
    return texts[s].name;
}

const char *moat_cert_explain(moat_cert_status s)
{
#if MOAT_CONFIG_EXPLAIN
    if ((unsigned)s >= MOAT_CERT_STATUS_COUNT)
        return "unknown status";
    return texts[s].explain;
#else
    return moat_cert_strerror(s);
#endif
}
