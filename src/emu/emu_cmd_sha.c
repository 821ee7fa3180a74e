/* emu_cmd_sha.c - SHA (0x47): SHA-256 start / update / end, with the digest also copied to
 * TempKey or the message digest buffer as the target bits ask. */
#include <string.h>

#include <openssl/evp.h>

#include "emu/emu_internal.h"

#define SHA_START 0u
#define SHA_UPDATE 1u
#define SHA_END 2u
#define SHA_TARGET_MASK 0xC0u
#define SHA_TARGET_TEMPKEY 0x00u
#define SHA_TARGET_MSGDIGBUF 0x40u
#define SHA_TARGET_OUTPUT_ONLY 0xC0u

static uint8_t sha_end(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    uint8_t digest[32];
    unsigned int dlen = 0;
    if (EVP_DigestUpdate(emu->sha, cmd->data, cmd->data_len) != 1 ||
        EVP_DigestFinal_ex(emu->sha, digest, &dlen) != 1 || dlen != 32) {
        emu->sha_active = false;
        return MOAT_ATECC_STATUS_EXECUTION;
    }
    emu->sha_active = false;
    emu_reg *target = NULL;
    if ((cmd->param1 & SHA_TARGET_MASK) == SHA_TARGET_TEMPKEY)
        target = &emu->tempkey;
    else if ((cmd->param1 & SHA_TARGET_MASK) == SHA_TARGET_MSGDIGBUF)
        target = &emu->msgdig;
    if (target != NULL) {
        memset(target, 0, sizeof *target);
        memcpy(target->value, digest, 32);
        target->valid = true;
    }
    memcpy(rsp, digest, 32);
    *rsp_len = 32;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* Modes 3 (public key digest), 4 (HMAC start), 6/7 (context read/write) are not emulated. */
uint8_t moat_emu_cmd_sha(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    unsigned mode = cmd->param1 & 0x07u;
    unsigned target = cmd->param1 & SHA_TARGET_MASK;
    if ((cmd->param1 & 0x38u) != 0 || target == 0x80u)
        return MOAT_ATECC_STATUS_PARSE;
    switch (mode) {
    case SHA_START:
        if (cmd->data_len != 0 || cmd->param2 != 0)
            return MOAT_ATECC_STATUS_PARSE;
        if (EVP_DigestInit_ex(emu->sha, EVP_sha256(), NULL) != 1)
            return MOAT_ATECC_STATUS_EXECUTION;
        emu->sha_active = true;
        return MOAT_ATECC_STATUS_SUCCESS;
    case SHA_UPDATE:
    case SHA_END:
        /* param2 is the message length: 0..64 bytes per command. */
        if (cmd->data_len > 64 || cmd->param2 != cmd->data_len)
            return MOAT_ATECC_STATUS_PARSE;
        if (!emu->sha_active)
            return MOAT_ATECC_STATUS_EXECUTION;
        if (mode == SHA_END)
            return sha_end(emu, cmd, rsp, rsp_len);
        if (EVP_DigestUpdate(emu->sha, cmd->data, cmd->data_len) != 1)
            return MOAT_ATECC_STATUS_EXECUTION;
        return MOAT_ATECC_STATUS_SUCCESS;
    default:
        return MOAT_ATECC_STATUS_PARSE;
    }
}
