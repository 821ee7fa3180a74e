/* atecc_status.c - driver status names and explanations (cause and fix), the chip status
 * byte mapping, and the operation-kind table behind the per-command counters. */
#include "moat/atecc.h"

moat_atecc_status moat_atecc_status_from_chip(uint8_t chip_status)
{
    switch (chip_status) {
    case MOAT_ATECC_STATUS_SUCCESS:
        return MOAT_ATECC_OK;
    case MOAT_ATECC_STATUS_MISCOMPARE:
        return MOAT_ATECC_ERR_MISCOMPARE;
    case MOAT_ATECC_STATUS_PARSE:
        return MOAT_ATECC_ERR_PARSE;
    case MOAT_ATECC_STATUS_ECC_FAULT:
        return MOAT_ATECC_ERR_ECC_FAULT;
    case MOAT_ATECC_STATUS_SELFTEST:
        return MOAT_ATECC_ERR_SELFTEST;
    case MOAT_ATECC_STATUS_HEALTH:
        return MOAT_ATECC_ERR_HEALTH;
    case MOAT_ATECC_STATUS_EXECUTION:
        return MOAT_ATECC_ERR_EXECUTION;
    case MOAT_ATECC_STATUS_WATCHDOG:
        return MOAT_ATECC_ERR_WATCHDOG;
    case MOAT_ATECC_STATUS_CRC:
        return MOAT_ATECC_ERR_CHIP_CRC;
    default:
        return MOAT_ATECC_ERR_UNKNOWN_STATUS;
    }
}

#if MOAT_CONFIG_EXPLAIN
#define EXPLAIN(name, text) text
#else
#define EXPLAIN(name, text) name
#endif

static const char *const texts[MOAT_ATECC_STATUS_COUNT] = {
    [MOAT_ATECC_OK] = "success",
    [MOAT_ATECC_ERR_MISCOMPARE] = EXPLAIN(
        "miscompare (0x01)",
        "miscompare (chip status 0x01): the signature or MAC does not match the message and "
        "key; check that the digest, signature and public key belong together"),
    [MOAT_ATECC_ERR_PARSE] =
        EXPLAIN("parse error (0x03)",
                "parse error (chip status 0x03): the chip rejected the command's length, opcode or "
                "parameters (bad mode, slot, address or data size); check the command against the "
                "slot's type and size"),
    [MOAT_ATECC_ERR_ECC_FAULT] = EXPLAIN(
        "ECC fault (0x05)",
        "ECC fault (chip status 0x05): the elliptic-curve computation failed (rare, e.g. an "
        "invalid generated key or public key not on the curve); retry, check the input point"),
    [MOAT_ATECC_ERR_SELFTEST] = EXPLAIN(
        "self-test failure (0x07)",
        "self-test failure (chip status 0x07): the chip is in its failure state and refuses "
        "everything but config reads and SelfTest; power-cycle it or run a passing SelfTest"),
    [MOAT_ATECC_ERR_HEALTH] =
        EXPLAIN("health test failure (0x08)",
                "health test failure (chip status 0x08): the random number generator failed its "
                "health test; retry, and replace the chip if it persists"),
    [MOAT_ATECC_ERR_EXECUTION] =
        EXPLAIN("execution error (0x0F)",
                "execution error (chip status 0x0F): the command is not allowed in this state - a "
                "locked (or not yet locked) zone, or the slot's SlotConfig/KeyConfig forbids it "
                "(e.g. reading a secret slot, GenKey on a public-key slot); see `moat se config`"),
    [MOAT_ATECC_ERR_WATCHDOG] = EXPLAIN(
        "watchdog (0xEE)",
        "watchdog about to expire (chip status 0xEE), still after a fresh wake: the command "
        "took too long to send; check the bus speed"),
    [MOAT_ATECC_ERR_CHIP_CRC] = EXPLAIN(
        "chip saw bad CRC (0xFF)",
        "the chip kept reporting a CRC/communication error (status 0xFF) after every resend: "
        "the bytes are corrupted on the bus; check wiring, pull-ups and bus speed"),
    [MOAT_ATECC_ERR_UNKNOWN_STATUS] = EXPLAIN(
        "unknown chip status",
        "the chip returned a status byte the data sheet does not list (see last_chip_status); "
        "is this an ATECC608?"),
    [MOAT_ATECC_ERR_NO_DEVICE] = EXPLAIN(
        "no device (NACK)",
        "no ACK from the chip at its I2C address: check the address (factory chips answer at "
        "0x60; Trust&GO chips answer at 0x35, TrustFLEX at 0x36: use @0x35 or @0x36), the "
        "bus number, wiring, pull-ups and power (`i2cdetect` cannot see a sleeping chip)"),
    [MOAT_ATECC_ERR_WAKE] = EXPLAIN(
        "wake failed",
        "the chip acknowledged but did not answer the wake pulse with 04 11 33 43: the wake "
        "pulse is too short (send it at 100 kHz or less) or another device uses this address"),
    [MOAT_ATECC_ERR_CRC] =
        EXPLAIN("response CRC error",
                "the chip's responses kept failing their CRC after every re-read and resend: noise "
                "on the bus; lower the bus speed, check pull-ups and cable length"),
    [MOAT_ATECC_ERR_TIMEOUT] =
        EXPLAIN("timeout",
                "the chip stayed busy (NACKing reads) beyond the command's execution-time budget: "
                "check the clock divider in ChipMode (slower modes need MOAT_ATECC_POLL_FACTOR) or "
                "whether another host is driving the chip"),
    [MOAT_ATECC_ERR_BAD_LENGTH] =
        EXPLAIN("bad response length",
                "the response has a length this command cannot return: the chip is not an ATECC608 "
                "or the response was truncated on the bus"),
    [MOAT_ATECC_ERR_BUS] = EXPLAIN(
        "bus error", "the I2C bus (or emulator connection) failed; the HAL's last error says why"),
    [MOAT_ATECC_ERR_BAD_ARG] = EXPLAIN(
        "bad argument",
        "an argument is out of range: slots are 0-15, reads/writes 4 or 32 bytes within the "
        "slot's size (36 bytes for slots 0-7, 416 for slot 8, 72 for slots 9-15)"),
    [MOAT_ATECC_ERR_LOCKED] =
        EXPLAIN("already locked", "the zone is already locked; locks are permanent on a real chip"),
};

const char *moat_atecc_strerror(moat_atecc_status s)
{
    if ((unsigned)s >= MOAT_ATECC_STATUS_COUNT || texts[s] == NULL)
        return "unknown ATECC driver status";
    return texts[s];
}

moat_atecc_kind moat_atecc_kind_of(uint8_t opcode)
{
    switch (opcode) {
    case MOAT_ATECC_OP_INFO:
        return MOAT_ATECC_KIND_INFO;
    case MOAT_ATECC_OP_RANDOM:
        return MOAT_ATECC_KIND_RANDOM;
    case MOAT_ATECC_OP_NONCE:
        return MOAT_ATECC_KIND_NONCE;
    case MOAT_ATECC_OP_GENKEY:
        return MOAT_ATECC_KIND_GENKEY;
    case MOAT_ATECC_OP_SIGN:
        return MOAT_ATECC_KIND_SIGN;
    case MOAT_ATECC_OP_VERIFY:
        return MOAT_ATECC_KIND_VERIFY;
    case MOAT_ATECC_OP_ECDH:
        return MOAT_ATECC_KIND_ECDH;
    case MOAT_ATECC_OP_SHA:
        return MOAT_ATECC_KIND_SHA;
    case MOAT_ATECC_OP_READ:
        return MOAT_ATECC_KIND_READ;
    case MOAT_ATECC_OP_WRITE:
        return MOAT_ATECC_KIND_WRITE;
    case MOAT_ATECC_OP_LOCK:
        return MOAT_ATECC_KIND_LOCK;
    case MOAT_ATECC_OP_COUNTER:
        return MOAT_ATECC_KIND_COUNTER;
    case MOAT_ATECC_OP_SELFTEST:
        return MOAT_ATECC_KIND_SELFTEST;
    case MOAT_ATECC_OP_UPDATEEXTRA:
        return MOAT_ATECC_KIND_UPDATEEXTRA;
    default:
        return MOAT_ATECC_KIND_OTHER;
    }
}

const char *moat_atecc_kind_name(moat_atecc_kind k)
{
    static const char *const names[MOAT_ATECC_KIND_COUNT] = {
        "Info", "Random", "Nonce", "GenKey",  "Sign",     "Verify",      "ECDH", "SHA",
        "Read", "Write",  "Lock",  "Counter", "SelfTest", "UpdateExtra", "other"};
    return (unsigned)k < MOAT_ATECC_KIND_COUNT ? names[k] : "unknown";
}
