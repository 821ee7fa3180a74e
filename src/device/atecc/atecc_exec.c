/* atecc_exec.c - the ATECC608 transaction engine: wake, send, poll within the opcode's
 * execution-time budget, split read, CRC check with re-read/resend, idle/sleep, counters. */
#include <string.h>

#include "device/atecc/atecc_internal.h"

void moat_atecc_init(moat_atecc *dev, const moat_atecc_hal *hal, uint8_t addr7)
{
    memset(dev, 0, sizeof *dev);
    dev->hal = *hal;
    dev->addr7 = addr7;
}

static void delay(moat_atecc *dev, uint32_t us)
{
    if (dev->hal.delay_us)
        dev->hal.delay_us(dev->hal.ctx, us);
}

static moat_atecc_status from_hal(moat_atecc_hal_result r)
{
    if (r == MOAT_ATECC_HAL_ACK)
        return MOAT_ATECC_OK;
    return r == MOAT_ATECC_HAL_NACK ? MOAT_ATECC_ERR_NO_DEVICE : MOAT_ATECC_ERR_BUS;
}

/* A one-byte write of a word address (reset 0x00, sleep 0x01, idle 0x02). */
static moat_atecc_hal_result word_address(moat_atecc *dev, uint8_t wa)
{
    return dev->hal.write(dev->hal.ctx, dev->addr7, &wa, 1);
}

/* The wake token is 04 11 33 43; 04 07 .. means the power-on self test failed. */
static int wake_token_status(const uint8_t tok[4])
{
    const uint8_t *body;
    size_t len;
    if (moat_atecc_parse_rsp(tok, 4, &body, &len) != MOAT_ATECC_PKT_OK || len != 1)
        return -1;
    return body[0];
}

moat_atecc_status moat_atecc_wake(moat_atecc *dev)
{
    moat_atecc_hal_result last = MOAT_ATECC_HAL_NACK;
    for (unsigned attempt = 0; attempt < 3; attempt++) {
        if (dev->hal.wake(dev->hal.ctx) == MOAT_ATECC_HAL_ERROR)
            return moat_atecc_fail(dev, MOAT_ATECC_ERR_BUS);
        dev->stats.wakes++;
        delay(dev, MOAT_ATECC_WAKE_DELAY_US);
        uint8_t tok[4];
        last = dev->hal.read(dev->hal.ctx, dev->addr7, tok, sizeof tok);
        if (last == MOAT_ATECC_HAL_ERROR)
            return moat_atecc_fail(dev, MOAT_ATECC_ERR_BUS);
        if (last == MOAT_ATECC_HAL_ACK) {
            int st = wake_token_status(tok);
            if (st == MOAT_ATECC_STATUS_WAKE) {
                dev->awake = true;
                return MOAT_ATECC_OK;
            }
            if (st == MOAT_ATECC_STATUS_SELFTEST)
                return moat_atecc_fail(dev, MOAT_ATECC_ERR_SELFTEST);
        }
        /* No token: an awake chip ignores the wake pulse (it was left awake, e.g. by a host
         * that died), so we read an old output group or nothing. Idle it, so the next pulse
         * really wakes it; for an absent chip this write is just one more NACK. */
        (void)word_address(dev, MOAT_ATECC_WA_IDLE);
    }
    return moat_atecc_fail(dev, last == MOAT_ATECC_HAL_NACK ? MOAT_ATECC_ERR_NO_DEVICE
                                                            : MOAT_ATECC_ERR_WAKE);
}

moat_atecc_status moat_atecc_idle(moat_atecc *dev)
{
    dev->awake = false;
    return moat_atecc_fail(dev, from_hal(word_address(dev, MOAT_ATECC_WA_IDLE)));
}

moat_atecc_status moat_atecc_sleep(moat_atecc *dev)
{
    dev->awake = false;
    return moat_atecc_fail(dev, from_hal(word_address(dev, MOAT_ATECC_WA_SLEEP)));
}

void moat_atecc_hold(moat_atecc *dev, bool hold)
{
    dev->hold = hold;
    if (!hold && dev->awake)
        (void)moat_atecc_idle(dev);
}

/* Split read as cryptoauthlib does it: rewind the output pointer (word address 0x00), read
 * the count byte, then the rest. The chip NACKs while it is busy: poll until the budget. */
static moat_atecc_status receive(moat_atecc *dev, uint8_t opcode, uint8_t *rsp, size_t *len)
{
    uint32_t budget_us = ((uint32_t)moat_atecc_exec_time_ms(opcode) * MOAT_ATECC_POLL_FACTOR +
                          MOAT_ATECC_POLL_SLACK_MS) *
                         1000u;
    uint32_t waited = MOAT_ATECC_POLL_FIRST_US;
    delay(dev, MOAT_ATECC_POLL_FIRST_US);
    for (;;) {
        moat_atecc_hal_result r = word_address(dev, MOAT_ATECC_WA_RESET);
        if (r == MOAT_ATECC_HAL_ACK)
            r = dev->hal.read(dev->hal.ctx, dev->addr7, rsp, 1);
        if (r == MOAT_ATECC_HAL_ACK) {
            size_t count = rsp[0];
            if (count < 4 || count > MOAT_ATECC_RSP_MAX)
                return MOAT_ATECC_ERR_CRC; /* a corrupted count byte: read again */
            r = dev->hal.read(dev->hal.ctx, dev->addr7, rsp + 1, count - 1);
            if (r == MOAT_ATECC_HAL_ACK) {
                *len = count;
                dev->stats.poll_us += waited;
                return MOAT_ATECC_OK;
            }
        }
        if (r == MOAT_ATECC_HAL_ERROR)
            return MOAT_ATECC_ERR_BUS;
        dev->stats.busy_polls++;
        if (waited >= budget_us) {
            dev->stats.poll_us += waited;
            return MOAT_ATECC_ERR_TIMEOUT;
        }
        delay(dev, MOAT_ATECC_POLL_INTERVAL_US);
        waited += MOAT_ATECC_POLL_INTERVAL_US;
    }
}

/* Receives a group whose CRC checks, re-reading it (the output can be read repeatedly)
 * after a mismatch. */
static moat_atecc_status receive_checked(moat_atecc *dev, uint8_t opcode, uint8_t *rsp,
                                         const uint8_t **body, size_t *body_len)
{
    moat_atecc_status st = MOAT_ATECC_ERR_CRC;
    for (unsigned i = 0; i <= MOAT_ATECC_RETRIES; i++) {
        size_t len = 0;
        if (i > 0)
            dev->stats.crc_rereads++;
        st = receive(dev, opcode, rsp, &len);
        if (st == MOAT_ATECC_ERR_CRC)
            continue;
        if (st != MOAT_ATECC_OK)
            return st;
        if (moat_atecc_parse_rsp(rsp, len, body, body_len) == MOAT_ATECC_PKT_OK)
            return MOAT_ATECC_OK;
        st = MOAT_ATECC_ERR_CRC;
    }
    return st;
}

/* Status bytes that mean "the command did not run, send it again". */
static bool must_resend(moat_atecc *dev, uint8_t status)
{
    if (status == MOAT_ATECC_STATUS_CRC)
        return true;
    if (status == MOAT_ATECC_STATUS_WATCHDOG) {
        /* The watchdog is about to put the chip to sleep: sleep now, wake fresh. */
        (void)word_address(dev, MOAT_ATECC_WA_SLEEP);
        dev->awake = false;
        return true;
    }
    return false;
}

typedef struct {
    const uint8_t *pkt;
    size_t pkt_len;
    uint8_t opcode;
    bool raw_status;
} exec_req;

/* One attempt: send the packet, receive the answer. *resend tells the caller to try again. */
static moat_atecc_status attempt(moat_atecc *dev, const exec_req *req, uint8_t *rsp,
                                 const uint8_t **body, size_t *body_len, bool *resend)
{
    *resend = false;
    if (!dev->awake) {
        moat_atecc_status st = moat_atecc_wake(dev);
        if (st != MOAT_ATECC_OK)
            return st;
    }
    uint8_t wire[1 + MOAT_ATECC_CMD_MAX];
    wire[0] = MOAT_ATECC_WA_COMMAND;
    memcpy(wire + 1, req->pkt, req->pkt_len);
    moat_atecc_hal_result r = dev->hal.write(dev->hal.ctx, dev->addr7, wire, req->pkt_len + 1);
    if (r != MOAT_ATECC_HAL_ACK) {
        /* A NACK on the command write: the watchdog may have put the chip to sleep. */
        dev->awake = false;
        *resend = (r == MOAT_ATECC_HAL_NACK);
        return from_hal(r);
    }
    moat_atecc_status st = receive_checked(dev, req->opcode, rsp, body, body_len);
    if (st == MOAT_ATECC_ERR_CRC) {
        *resend = true;
        return st;
    }
    if (st != MOAT_ATECC_OK)
        return st;
    if (*body_len == 1 && must_resend(dev, (*body)[0])) {
        dev->last_chip_status = (*body)[0];
        *resend = true;
        return moat_atecc_status_from_chip((*body)[0]);
    }
    return MOAT_ATECC_OK;
}

static moat_atecc_status send_and_receive(moat_atecc *dev, const exec_req *req, uint8_t *rsp,
                                          const uint8_t **body, size_t *body_len)
{
    moat_atecc_status st = MOAT_ATECC_OK;
    for (unsigned i = 0; i <= MOAT_ATECC_RETRIES; i++) {
        bool resend;
        if (i > 0)
            dev->stats.resends++;
        st = attempt(dev, req, rsp, body, body_len, &resend);
        if (!resend)
            break;
    }
    return st;
}

moat_atecc_status moat_atecc_execute(moat_atecc *dev, uint8_t opcode, uint8_t param1,
                                     uint16_t param2, const uint8_t *data, size_t data_len,
                                     uint8_t *rsp, size_t rsp_cap, size_t *rsp_len, bool raw_status)
{
    *rsp_len = 0;
    moat_atecc_cmd cmd = {opcode, param1, param2, data, data_len};
    uint8_t pkt[MOAT_ATECC_CMD_MAX];
    size_t pkt_len = moat_atecc_encode_cmd(&cmd, pkt, sizeof pkt);
    if (pkt_len == 0)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    dev->last_opcode = opcode;

    exec_req req = {pkt, pkt_len, opcode, raw_status};
    uint8_t group[MOAT_ATECC_RSP_MAX];
    const uint8_t *body = NULL;
    size_t body_len = 0;
    moat_atecc_status st = send_and_receive(dev, &req, group, &body, &body_len);
    if (!dev->hold && dev->awake)
        (void)moat_atecc_idle(dev);
    if (st != MOAT_ATECC_OK)
        return moat_atecc_fail(dev, st);
    dev->stats.commands[moat_atecc_kind_of(opcode)]++;

    if (body_len == 1 && !req.raw_status) {
        dev->last_chip_status = body[0];
        return moat_atecc_fail(dev, moat_atecc_status_from_chip(body[0]));
    }
    dev->last_chip_status = 0;
    if (body_len > rsp_cap)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_LENGTH);
    memcpy(rsp, body, body_len);
    *rsp_len = body_len;
    return MOAT_ATECC_OK;
}
