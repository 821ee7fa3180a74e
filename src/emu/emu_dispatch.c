/* emu_dispatch.c - runs one received input group: CRC and length checks, the watchdog
 * deadline, the opcode table, and building the output group. */
#include <stdio.h>
#include <string.h>

#include "emu/emu_internal.h"

typedef struct {
    uint8_t opcode;
    emu_cmd_fn fn;
} emu_cmd_entry;

/* Opcodes not listed (MAC, GenDig, CheckMac, DeriveKey, PrivWrite, AES, KDF, SecureBoot and
 * the codes of other CryptoAuthentication parts) get the parse error a chip gives an opcode
 * it does not know; docs/emulator.md lists them. */
static const emu_cmd_entry commands[] = {
    {MOAT_ATECC_OP_INFO, moat_emu_cmd_info},
    {MOAT_ATECC_OP_RANDOM, moat_emu_cmd_random},
    {MOAT_ATECC_OP_NONCE, moat_emu_cmd_nonce},
    {MOAT_ATECC_OP_GENKEY, moat_emu_cmd_genkey},
    {MOAT_ATECC_OP_SIGN, moat_emu_cmd_sign},
    {MOAT_ATECC_OP_VERIFY, moat_emu_cmd_verify},
    {MOAT_ATECC_OP_ECDH, moat_emu_cmd_ecdh},
    {MOAT_ATECC_OP_SHA, moat_emu_cmd_sha},
    {MOAT_ATECC_OP_READ, moat_emu_cmd_read},
    {MOAT_ATECC_OP_WRITE, moat_emu_cmd_write},
    {MOAT_ATECC_OP_LOCK, moat_emu_cmd_lock},
    {MOAT_ATECC_OP_COUNTER, moat_emu_cmd_counter},
    {MOAT_ATECC_OP_SELFTEST, moat_emu_cmd_selftest},
    {MOAT_ATECC_OP_UPDATEEXTRA, moat_emu_cmd_updateextra},
};

static emu_cmd_fn find_command(uint8_t opcode)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].opcode == opcode)
            return commands[i].fn;
    return NULL;
}

static void set_output(moat_emu *emu, uint8_t status, const uint8_t *rsp, size_t rsp_len)
{
    if (status == MOAT_ATECC_STATUS_SUCCESS && rsp_len > 0) {
        emu->out_len = moat_atecc_encode_rsp(rsp, rsp_len, emu->out, sizeof emu->out);
    } else {
        moat_atecc_encode_status(status, emu->out);
        emu->out_len = 4;
    }
    emu->out_pos = 0;
}

/* CRC errors come before any other error (data sheet, status codes). A well-formed group
 * shorter than a command (count 4..6) is a parse error. */
static uint8_t run(moat_emu *emu, const uint8_t *group, size_t count, uint8_t *rsp, size_t *rsp_len)
{
    uint8_t crc[2];
    moat_atecc_crc(group, count - 2, crc);
    if (crc[0] != group[count - 2] || crc[1] != group[count - 1])
        return MOAT_ATECC_STATUS_CRC;
    moat_atecc_cmd cmd;
    if (moat_atecc_parse_cmd(group, count, &cmd) != MOAT_ATECC_PKT_OK)
        return MOAT_ATECC_STATUS_PARSE;
    /* A command that could not finish before the watchdog fires is not started. */
    uint64_t elapsed = moat_emu_now_ms(emu) - emu->wake_ms;
    if (elapsed + moat_atecc_exec_time_ms(cmd.opcode) > emu->watchdog_ms)
        return MOAT_ATECC_STATUS_WATCHDOG;
    emu_cmd_fn fn = find_command(cmd.opcode);
    if (fn == NULL)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t status = fn(emu, &cmd, rsp, rsp_len);
    if (emu->log)
        fprintf(stderr, "moat-se: %s (0x%02X) param1 0x%02X param2 0x%04X, %zu data bytes -> %s\n",
                moat_atecc_opcode_name(cmd.opcode), cmd.opcode, cmd.param1, cmd.param2,
                cmd.data_len, *rsp_len ? "data" : moat_atecc_status_name(status));
    return status;
}

void moat_emu_execute(moat_emu *emu, const uint8_t *group, size_t len)
{
    uint8_t rsp[MOAT_ATECC_RSP_MAX - 3];
    size_t rsp_len = 0;
    uint8_t status = run(emu, group, len, rsp, &rsp_len);
    if (status != MOAT_ATECC_STATUS_SUCCESS)
        rsp_len = 0;
    set_output(emu, status, rsp, rsp_len);
}
