/* atecc_packet.c - the ATECC608 CRC-16 and the command/response packet framing.
 * Pure byte handling shared by the host driver and the emulator; no allocation, no I/O. */
#include "moat/atecc_proto.h"

#include <string.h>

/* Polynomial 0x8005, register starts at 0, input bits taken LSB first, register not reflected,
 * no final XOR; the low byte goes on the wire first (data sheet "I/O Transactions"). */
void moat_atecc_crc(const uint8_t *data, size_t len, uint8_t crc[2])
{
    uint16_t reg = 0;
    for (size_t i = 0; i < len; i++) {
        for (uint8_t mask = 0x01; mask != 0; mask = (uint8_t)(mask << 1)) {
            unsigned data_bit = (data[i] & mask) ? 1u : 0u;
            unsigned crc_bit = (unsigned)(reg >> 15);
            reg = (uint16_t)(reg << 1);
            if (data_bit != crc_bit)
                reg ^= 0x8005u;
        }
    }
    crc[0] = (uint8_t)(reg & 0xFFu);
    crc[1] = (uint8_t)(reg >> 8);
}

static bool crc_matches(const uint8_t *group, size_t count)
{
    uint8_t crc[2];
    moat_atecc_crc(group, count - 2, crc);
    return crc[0] == group[count - 2] && crc[1] == group[count - 1];
}

size_t moat_atecc_encode_cmd(const moat_atecc_cmd *cmd, uint8_t *out, size_t cap)
{
    if (cmd->data_len > MOAT_ATECC_CMD_MAX - MOAT_ATECC_CMD_MIN)
        return 0;
    if (cmd->data_len > 0 && cmd->data == NULL)
        return 0;
    size_t total = MOAT_ATECC_CMD_MIN + cmd->data_len;
    if (out == NULL || cap < total)
        return 0;
    out[0] = (uint8_t)total;
    out[1] = cmd->opcode;
    out[2] = cmd->param1;
    out[3] = (uint8_t)(cmd->param2 & 0xFFu); /* param2 is little-endian on the wire */
    out[4] = (uint8_t)(cmd->param2 >> 8);
    if (cmd->data_len > 0)
        memcpy(out + 5, cmd->data, cmd->data_len);
    moat_atecc_crc(out, total - 2, out + total - 2);
    return total;
}

moat_atecc_pkt_status moat_atecc_parse_cmd(const uint8_t *pkt, size_t len, moat_atecc_cmd *out)
{
    if (pkt == NULL || len < 1)
        return MOAT_ATECC_PKT_SHORT;
    size_t count = pkt[0];
    if (count > MOAT_ATECC_CMD_MAX)
        return MOAT_ATECC_PKT_TOO_LONG;
    if (count < MOAT_ATECC_CMD_MIN || len < count)
        return MOAT_ATECC_PKT_SHORT;
    if (!crc_matches(pkt, count))
        return MOAT_ATECC_PKT_BAD_CRC;
    out->opcode = pkt[1];
    out->param1 = pkt[2];
    out->param2 = (uint16_t)(pkt[3] | (uint16_t)(pkt[4] << 8));
    out->data = pkt + 5;
    out->data_len = count - MOAT_ATECC_CMD_MIN;
    return MOAT_ATECC_PKT_OK;
}

size_t moat_atecc_encode_rsp(const uint8_t *body, size_t body_len, uint8_t *out, size_t cap)
{
    size_t total = body_len + 3;
    if (total > MOAT_ATECC_RSP_MAX || out == NULL || cap < total)
        return 0;
    if (body_len > 0 && body == NULL)
        return 0;
    out[0] = (uint8_t)total;
    if (body_len > 0)
        memmove(out + 1, body, body_len);
    moat_atecc_crc(out, total - 2, out + total - 2);
    return total;
}

void moat_atecc_encode_status(uint8_t status, uint8_t out[4])
{
    out[0] = 4;
    out[1] = status;
    moat_atecc_crc(out, 2, out + 2);
}

moat_atecc_pkt_status moat_atecc_parse_rsp(const uint8_t *rsp, size_t len, const uint8_t **body,
                                           size_t *body_len)
{
    if (rsp == NULL || len < 1)
        return MOAT_ATECC_PKT_SHORT;
    size_t count = rsp[0];
    if (count > MOAT_ATECC_RSP_MAX)
        return MOAT_ATECC_PKT_TOO_LONG;
    if (count < 4 || len < count)
        return MOAT_ATECC_PKT_SHORT;
    if (!crc_matches(rsp, count))
        return MOAT_ATECC_PKT_BAD_CRC;
    *body = rsp + 1;
    *body_len = count - 3;
    return MOAT_ATECC_PKT_OK;
}

size_t moat_atecc_slot_size(uint8_t slot)
{
    if (slot < 8)
        return 36;
    if (slot == 8)
        return 416;
    if (slot < MOAT_ATECC_SLOTS)
        return 72;
    return 0;
}

/* Data sheet "Address Encoding": config/OTP address a 4-byte word inside a 32-byte block;
 * data-zone addresses put the slot in bits 6:3 and the block in bits 11:8. */
uint16_t moat_atecc_addr(uint8_t zone, uint8_t slot, uint8_t block, uint8_t word)
{
    if (zone == MOAT_ATECC_ZONE_DATA)
        return (uint16_t)(((unsigned)(slot & 0x0Fu) << 3) | (word & 0x07u) |
                          ((unsigned)(block & 0x0Fu) << 8));
    return (uint16_t)(((unsigned)(block & 0x03u) << 3) | (word & 0x07u));
}
