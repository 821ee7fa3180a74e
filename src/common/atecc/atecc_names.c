/* atecc_names.c - names and explanations of ATECC608 status bytes and opcodes, and the
 * per-opcode execution-time budget a host polls within. */
#include "moat/atecc_proto.h"

const char *moat_atecc_status_name(uint8_t status)
{
    switch (status) {
    case MOAT_ATECC_STATUS_SUCCESS:
        return "success (0x00)";
    case MOAT_ATECC_STATUS_MISCOMPARE:
        return "miscompare (0x01)";
    case MOAT_ATECC_STATUS_PARSE:
        return "parse error (0x03)";
    case MOAT_ATECC_STATUS_ECC_FAULT:
        return "ECC fault (0x05)";
    case MOAT_ATECC_STATUS_SELFTEST:
        return "self-test error (0x07)";
    case MOAT_ATECC_STATUS_HEALTH:
        return "health test error (0x08)";
    case MOAT_ATECC_STATUS_EXECUTION:
        return "execution error (0x0F)";
    case MOAT_ATECC_STATUS_WAKE:
        return "awake (0x11)";
    case MOAT_ATECC_STATUS_WATCHDOG:
        return "watchdog about to expire (0xEE)";
    case MOAT_ATECC_STATUS_CRC:
        return "CRC or communication error (0xFF)";
    default:
        return "unknown status";
    }
}

#if MOAT_CONFIG_EXPLAIN
const char *moat_atecc_status_explain(uint8_t status)
{
    switch (status) {
    case MOAT_ATECC_STATUS_SUCCESS:
        return "success (0x00): the command executed";
    case MOAT_ATECC_STATUS_MISCOMPARE:
        return "miscompare (0x01): the signature or MAC did not match the key and message";
    case MOAT_ATECC_STATUS_PARSE:
        return "parse error (0x03): the chip rejected the length, opcode or a parameter; "
               "check the mode/zone/slot against the chip's configuration (an unsupported "
               "opcode or a disabled feature gives this too)";
    case MOAT_ATECC_STATUS_ECC_FAULT:
        return "ECC fault (0x05): the ECC computation failed (e.g. a bad private key); retry";
    case MOAT_ATECC_STATUS_SELFTEST:
        return "self-test error (0x07): the chip is in self-test failure state; power-cycle "
               "or wake it again and run SelfTest";
    case MOAT_ATECC_STATUS_HEALTH:
        return "health test error (0x08): the random number generator failed its health "
               "test; retry the command";
    case MOAT_ATECC_STATUS_EXECUTION:
        return "execution error (0x0F): not allowed in this state; check the zone locks and "
               "the slot's SlotConfig/KeyConfig permissions";
    case MOAT_ATECC_STATUS_WAKE:
        return "awake (0x11): the chip has just woken up and is ready for a command";
    case MOAT_ATECC_STATUS_WATCHDOG:
        return "watchdog about to expire (0xEE): the command was not run; put the chip to "
               "sleep, wake it and resend";
    case MOAT_ATECC_STATUS_CRC:
        return "CRC or communication error (0xFF): the chip received a corrupted packet; "
               "resend it (check wiring and bus speed if it persists)";
    default:
        return "unknown status: the chip returned a code not in the data sheet";
    }
}
#else
const char *moat_atecc_status_explain(uint8_t status)
{
    return moat_atecc_status_name(status);
}
#endif

const char *moat_atecc_opcode_name(uint8_t opcode)
{
    switch (opcode) {
    case MOAT_ATECC_OP_READ:
        return "Read";
    case MOAT_ATECC_OP_MAC:
        return "MAC";
    case MOAT_ATECC_OP_WRITE:
        return "Write";
    case MOAT_ATECC_OP_GENDIG:
        return "GenDig";
    case MOAT_ATECC_OP_NONCE:
        return "Nonce";
    case MOAT_ATECC_OP_LOCK:
        return "Lock";
    case MOAT_ATECC_OP_RANDOM:
        return "Random";
    case MOAT_ATECC_OP_DERIVEKEY:
        return "DeriveKey";
    case MOAT_ATECC_OP_UPDATEEXTRA:
        return "UpdateExtra";
    case MOAT_ATECC_OP_COUNTER:
        return "Counter";
    case MOAT_ATECC_OP_CHECKMAC:
        return "CheckMac";
    case MOAT_ATECC_OP_INFO:
        return "Info";
    case MOAT_ATECC_OP_GENKEY:
        return "GenKey";
    case MOAT_ATECC_OP_SIGN:
        return "Sign";
    case MOAT_ATECC_OP_ECDH:
        return "ECDH";
    case MOAT_ATECC_OP_VERIFY:
        return "Verify";
    case MOAT_ATECC_OP_PRIVWRITE:
        return "PrivWrite";
    case MOAT_ATECC_OP_SHA:
        return "SHA";
    case MOAT_ATECC_OP_AES:
        return "AES";
    case MOAT_ATECC_OP_KDF:
        return "KDF";
    case MOAT_ATECC_OP_SELFTEST:
        return "SelfTest";
    case MOAT_ATECC_OP_SECUREBOOT:
        return "SecureBoot";
    default:
        return "unknown";
    }
}

/* cryptoauthlib's no-poll table for the ATECC608 at clock divider M0 (ms). */
uint16_t moat_atecc_exec_time_ms(uint8_t opcode)
{
    switch (opcode) {
    case MOAT_ATECC_OP_GENKEY:
        return 115;
    case MOAT_ATECC_OP_SIGN:
        return 115;
    case MOAT_ATECC_OP_ECDH:
        return 75;
    case MOAT_ATECC_OP_VERIFY:
        return 105;
    case MOAT_ATECC_OP_SHA:
        return 36;
    case MOAT_ATECC_OP_RANDOM:
        return 23;
    case MOAT_ATECC_OP_READ:
        return 5;
    case MOAT_ATECC_OP_WRITE:
        return 45;
    case MOAT_ATECC_OP_NONCE:
        return 20;
    case MOAT_ATECC_OP_INFO:
        return 5;
    case MOAT_ATECC_OP_LOCK:
        return 35;
    case MOAT_ATECC_OP_COUNTER:
        return 25;
    case MOAT_ATECC_OP_UPDATEEXTRA:
        return 10;
    case MOAT_ATECC_OP_SELFTEST:
        return 250;
    case MOAT_ATECC_OP_AES:
        return 27;
    case MOAT_ATECC_OP_KDF:
        return 165;
    case MOAT_ATECC_OP_SECUREBOOT:
        return 80;
    case MOAT_ATECC_OP_GENDIG:
        return 25;
    case MOAT_ATECC_OP_MAC:
        return 55;
    case MOAT_ATECC_OP_CHECKMAC:
        return 40;
    case MOAT_ATECC_OP_PRIVWRITE:
        return 50;
    case MOAT_ATECC_OP_DERIVEKEY:
        return 50;
    default:
        return 250; /* unknown opcode: the longest budget of any command */
    }
}
