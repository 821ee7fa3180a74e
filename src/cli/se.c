/* se.c - `moat se`: the ATECC608 from the command line (info, config, keys, signatures,
 * ECDH, slots, locks, provisioning) over any locator: emu:, emu+unix:, i2c:. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "moat/atecc.h"
#include "moat/atecc_locator.h"
#include "moat/x509.h"

typedef struct {
    const char *locator;
    const char *out;
    const char *zone;
    bool hex, force, inc, stats;
    int argc; /* positional arguments, argv[0] = subcommand */
    char *argv[8];
    moat_atecc *dev;
} se_opts;

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: moat se [--se LOCATOR] COMMAND [ARGS]\n\n"
        "commands:\n"
        "  info                      revision, serial number, lock states\n"
        "  config                    the config zone decoded, slot by slot\n"
        "  provision [--force]       write Moat's Trust&GO-like layout, lock, make the slot-0 key\n"
        "  genkey SLOT               generate a new private key in SLOT, print its public key\n"
        "  pubkey SLOT [--out F]     public key of the private key in SLOT (PEM)\n"
        "  sign SLOT FILE [--out F]  ECDSA P-256 signature of SHA-256(FILE) (DER)\n"
        "  ecdh SLOT PEER.pem [--out F]  shared secret with a peer's public key\n"
        "  read SLOT [--hex] [--out F]   contents of a data slot\n"
        "  read --zone config|otp [--hex] [--out F]\n"
        "  write SLOT FILE           write FILE at the start of data slot SLOT\n"
        "  lock config|data|slot N   lock a zone or a slot (permanent on a real chip)\n"
        "  random                    32 random bytes (hex)\n"
        "  selftest                  run the chip's self tests\n"
        "  counter N [--inc]         read (or increment) monotonic counter 0 or 1\n\n"
        "--se LOCATOR (default: $MOAT_SE) is one of:\n%s"
        "--stats prints the chip operations used to stderr. Details: docs/se-cli.md\n",
        moat_atecc_locator_forms());
}

/* ---- output helpers ---- */

static void print_hex(FILE *f, const uint8_t *p, size_t n, bool spaced)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, spaced && i ? " %02X" : "%02X", p[i]);
}

/* Raw bytes to --out, else hex (--hex or a terminal), else raw to stdout. */
static int emit_bytes(const se_opts *o, const uint8_t *p, size_t n)
{
    if (o->out)
        return cli_write_file("moat se", o->out, p, n);
    if (o->hex || isatty(STDOUT_FILENO)) {
        for (size_t i = 0; i < n; i += 32) {
            print_hex(stdout, p + i, n - i < 32 ? n - i : 32, false);
            putchar('\n');
        }
        return 0;
    }
    return fwrite(p, 1, n, stdout) == n ? 0 : 1;
}

/* ---- P-256 keys and signatures in OpenSSL form ---- */

static int print_pubkey_pem(FILE *f, const uint8_t xy[64])
{
    EVP_PKEY *k = NULL;
    int ok = moat_x509_pubkey_from_raw(xy, &k, NULL) == MOAT_X509_OK && PEM_write_PUBKEY(f, k);
    EVP_PKEY_free(k);
    if (!ok)
        fprintf(stderr, "moat se: the chip's public key is not a valid P-256 point\n");
    return ok ? 0 : 1;
}

/* X||Y of the peer's P-256 public key (PEM public key, certificate, CSR or private key). */
static int load_peer(const char *path, uint8_t xy[64])
{
    EVP_PKEY *k = NULL;
    moat_x509_err e = {""};
    moat_x509_status st = moat_x509_load_public_key(path, &k, NULL, &e);
    if (st == MOAT_X509_OK)
        st = moat_x509_pubkey_to_raw(k, xy, &e);
    EVP_PKEY_free(k);
    if (st == MOAT_X509_ERR_KEY_TYPE)
        fprintf(stderr, "moat se: %s is not a P-256 (prime256v1) key; the ATECC608 does ECDH "
                        "on P-256 only (%s)\n", path, e.msg);
    else if (st != MOAT_X509_OK)
        fprintf(stderr, "moat se: %s\n", e.msg);
    return st == MOAT_X509_OK ? 0 : 1;
}

/* ECDSA-Sig-Value DER (SEQUENCE of two INTEGERs) from the chip's R || S. */
static int sig_to_der(const uint8_t rs[64], uint8_t **der, int *len)
{
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(rs, 32, NULL), *sv = BN_bin2bn(rs + 32, 32, NULL);
    if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
        ECDSA_SIG_free(s);
        BN_free(r);
        BN_free(sv);
        return 1;
    }
    *der = NULL;
    *len = i2d_ECDSA_SIG(s, der);
    ECDSA_SIG_free(s);
    return *len > 0 ? 0 : 1;
}

static int sha256_file(const char *path, uint8_t digest[32])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "moat se: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    uint8_t buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        EVP_DigestUpdate(c, buf, n);
    int err = ferror(f);
    fclose(f);
    unsigned dl = 0;
    EVP_DigestFinal_ex(c, digest, &dl);
    EVP_MD_CTX_free(c);
    if (err)
        fprintf(stderr, "moat se: cannot read %s\n", path);
    return err ? 1 : 0;
}

/* ---- errors with the reason the chip refused ---- */

/* What the config zone says about one slot, for explaining refusals. */
typedef struct {
    moat_atecc_lock_state locks;
    bool priv, slot_locked;
    uint16_t sc; /* SlotConfig */
} slot_facts;

static const char *why_read(const slot_facts *f)
{
    if (f->priv)
        return "it holds a private key (KeyConfig.Private=1); private keys never leave the "
               "chip. `moat se pubkey SLOT` gives its public key";
    if (!f->locks.data_locked)
        return "the data zone is not locked yet; before the data lock slots can only be "
               "written 32 bytes at a time and never read (run `moat se provision`)";
    if (f->sc & 0x80)
        return "the slot is secret (SlotConfig.IsSecret=1) and not readable in clear";
    return NULL;
}

static const char *why_write(const slot_facts *f)
{
    if (f->priv)
        return "it holds a private key: Write cannot set keys, GenKey creates them";
    if (f->slot_locked)
        return "the slot is locked (SlotLocked); it can never be written again";
    if (!f->locks.data_locked)
        return "the data zone is not locked yet: only whole 32-byte blocks can be written";
    return "its SlotConfig.WriteConfig forbids clear writes";
}

/* GenKey, pubkey, Sign, ECDH. */
static const char *why_key(const slot_facts *f, const char *what)
{
    if (!f->priv)
        return "it is not a private-key slot (KeyConfig.Private=0); GenKey, Sign and ECDH work "
               "only on private P-256 key slots (slots 0-4 in Moat's layout)";
    if (!f->locks.config_locked)
        return "the config zone is not locked yet (run `moat se provision`)";
    if (!strcmp(what, "genkey") && !(f->sc & 0x2000))
        return "its SlotConfig does not allow GenKey to replace the key (WriteConfig bit 13)";
    if (!strcmp(what, "genkey") && f->slot_locked)
        return "the slot is locked; its key is permanent";
    if (!strcmp(what, "sign") && !(f->sc & 1))
        return "its SlotConfig does not allow external signatures (ReadKey bit 0)";
    if (!strcmp(what, "ecdh") && !(f->sc & 4))
        return "its SlotConfig does not allow ECDH (ReadKey bit 2)";
    if (!f->locks.data_locked)
        return "the data zone is not locked yet (run `moat se provision`)";
    return NULL;
}

/* After an execution error, reads the config zone to say which rule refused `what`. */
static void explain_refusal(moat_atecc *dev, const char *what, int slot)
{
    moat_atecc_status saved = dev->last_error;
    uint8_t saved_chip = dev->last_chip_status, cfg[128];
    if (moat_atecc_read_config(dev, cfg) == MOAT_ATECC_OK) {
        slot_facts f = {.priv = false};
        moat_atecc_decode_locks(cfg, &f.locks);
        uint8_t s = (uint8_t)(slot >= 0 ? slot : 0);
        f.priv = slot >= 0 && moat_atecc_slot_is_private(cfg, s);
        f.slot_locked = slot >= 0 && (f.locks.slot_locked & (1u << s));
        f.sc = moat_atecc_slot_config(cfg, s);
        const char *why = NULL;
        if (!strcmp(what, "read"))
            why = why_read(&f);
        else if (!strcmp(what, "write"))
            why = why_write(&f);
        else if (!strncmp(what, "lock", 4))
            why = "that zone or slot is already locked, the CRC did not match, or the slot is "
                  "not lockable (KeyConfig.Lockable=0)";
        else if (slot >= 0)
            why = why_key(&f, what);
        if (why && slot >= 0)
            fprintf(stderr, "  why: slot %d: %s\n", slot, why);
        else if (why)
            fprintf(stderr, "  why: %s\n", why);
    }
    dev->last_error = saved;
    dev->last_chip_status = saved_chip;
}

static int se_fail(const se_opts *o, moat_atecc_status st, const char *what, int slot)
{
    moat_atecc *dev = o->dev;
    char where[32] = "";
    if (slot >= 0)
        snprintf(where, sizeof where, " (slot %d)", slot);
    fprintf(stderr, "moat se: %s%s failed on %s: %s\n", what, where, o->locator,
            moat_atecc_strerror(st));
    if (st == MOAT_ATECC_ERR_NO_DEVICE)
        fprintf(stderr, "  nothing acknowledged I2C address 0x%02X%s\n", dev->addr7,
                dev->addr7 == 0x6A   ? " (0x6A is the 8-bit form of Trust&GO's 0x35: use @0x35)"
                : dev->addr7 == 0x6C ? " (0x6C is the 8-bit form of TrustFLEX's 0x36: use @0x36)"
                                     : "");
    if (st == MOAT_ATECC_ERR_BUS && dev->hal.last_error)
        fprintf(stderr, "  bus: %s\n", dev->hal.last_error(dev->hal.ctx));
    if (st == MOAT_ATECC_ERR_EXECUTION)
        explain_refusal(dev, what, slot);
    if (st == MOAT_ATECC_ERR_ECC_FAULT && slot >= 0)
        fprintf(stderr, "  hint: slot %d may hold no key yet: `moat se genkey %d`\n", slot, slot);
    return 1;
}

/* ---- argument helpers ---- */

static int parse_slot(const char *s, int *slot)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || *end || v < 0 || v > 15) {
        fprintf(stderr, "moat se: slot must be a number 0-15, got '%s'\n", s ? s : "");
        return 2;
    }
    *slot = (int)v;
    return 0;
}

static int need_args(const se_opts *o, int n, const char *form)
{
    if (o->argc == n)
        return 0;
    fprintf(stderr, "moat se: usage: moat se %s\n", form);
    return 2;
}

/* ---- subcommands ---- */

static const char *family(const uint8_t rev[4])
{
    if (rev[2] != 0x60)
        return "not an ATECC608";
    return rev[3] >= 0x03 ? "ATECC608B" : "ATECC608A";
}

static void print_locks(const moat_atecc_lock_state *l)
{
    printf("config zone:  %s\n", l->config_locked ? "locked" : "unlocked");
    printf("data zone:    %s\n", l->data_locked ? "locked" : "unlocked");
    printf("locked slots:");
    if (!l->slot_locked)
        printf(" none");
    for (int s = 0; s < 16; s++)
        if (l->slot_locked & (1u << s))
            printf(" %d", s);
    printf("\n");
}

/* Reads the configuration zone and decodes its lock bytes; 0, or the printed failure. */
static int read_config_locks(se_opts *o, uint8_t cfg[128], moat_atecc_lock_state *l)
{
    moat_atecc_status st = moat_atecc_read_config(o->dev, cfg);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "read config", -1);
    moat_atecc_decode_locks(cfg, l);
    return 0;
}

static int cmd_info(se_opts *o)
{
    uint8_t rev[4], cfg[128], serial[9];
    moat_atecc_status st = moat_atecc_info_revision(o->dev, rev);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "info", -1);
    moat_atecc_lock_state l;
    int rc = read_config_locks(o, cfg, &l);
    if (rc != 0)
        return rc;
    moat_atecc_serial_from_config(cfg, serial);
    printf("device:       %s\n", o->locator);
    printf("revision:     ");
    print_hex(stdout, rev, 4, true);
    printf(" (%s)\nserial:       ", family(rev));
    print_hex(stdout, serial, 9, false);
    printf("\ni2c address:  0x%02X (config byte 16 = 0x%02X)\n", cfg[16] >> 1, cfg[16]);
    print_locks(&l);
    return 0;
}

static int cmd_config(se_opts *o)
{
    uint8_t cfg[128];
    moat_atecc_lock_state l;
    int rc = read_config_locks(o, cfg, &l);
    if (rc != 0)
        return rc;
    print_locks(&l);
    printf("i2c address:  0x%02X; ChipMode 0x%02X (watchdog %s); ChipOptions 0x%02X%02X\n",
           cfg[16] >> 1, cfg[19], (cfg[19] & 4) ? "13 s" : "1.3 s", cfg[91], cfg[90]);
    for (uint8_t s = 0; s < 16; s++) {
        char words[256];
        moat_atecc_describe_slot(cfg, s, words, sizeof words);
        printf("slot %2u (%3zu B) SlotConfig %04X KeyConfig %04X%s: %s\n", s,
               moat_atecc_slot_size(s), moat_atecc_slot_config(cfg, s),
               moat_atecc_key_config(cfg, s), (l.slot_locked & (1u << s)) ? " LOCKED" : "", words);
    }
    if (o->hex) {
        for (int i = 0; i < 128; i += 16) {
            printf("%3d: ", i);
            print_hex(stdout, cfg + i, 16, true);
            printf("\n");
        }
    }
    return 0;
}

static int cmd_genkey_or_pubkey(se_opts *o, bool create)
{
    int slot, rc;
    if ((rc = need_args(o, 2, create ? "genkey SLOT" : "pubkey SLOT [--out F]")) ||
        (rc = parse_slot(o->argv[1], &slot)))
        return rc;
    uint8_t pub[64];
    moat_atecc_status st = create ? moat_atecc_genkey(o->dev, (uint8_t)slot, pub)
                                  : moat_atecc_get_pubkey(o->dev, (uint8_t)slot, pub);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, create ? "genkey" : "pubkey", slot);
    if (!o->out)
        return print_pubkey_pem(stdout, pub);
    FILE *f = fopen(o->out, "w");
    if (!f) {
        fprintf(stderr, "moat se: cannot write %s: %s\n", o->out, strerror(errno));
        return 1;
    }
    rc = print_pubkey_pem(f, pub);
    return fclose(f) == 0 ? rc : 1;
}

static int cmd_sign(se_opts *o)
{
    int slot, rc, len = 0;
    uint8_t digest[32], sig[64], *der = NULL;
    if ((rc = need_args(o, 3, "sign SLOT FILE [--out sig.der]")) ||
        (rc = parse_slot(o->argv[1], &slot)) || (rc = sha256_file(o->argv[2], digest)))
        return rc;
    moat_atecc_status st = moat_atecc_sign_digest(o->dev, (uint8_t)slot, digest, sig);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "sign", slot);
    if (sig_to_der(sig, &der, &len) != 0)
        return 1;
    rc = emit_bytes(o, der, (size_t)len);
    OPENSSL_free(der);
    return rc;
}

static int cmd_ecdh(se_opts *o)
{
    int slot, rc;
    uint8_t peer[64], secret[32];
    if ((rc = need_args(o, 3, "ecdh SLOT PEER.pem [--out F]")) ||
        (rc = parse_slot(o->argv[1], &slot)) || (rc = load_peer(o->argv[2], peer)))
        return rc;
    moat_atecc_status st = moat_atecc_ecdh(o->dev, (uint8_t)slot, peer, secret);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "ecdh", slot);
    return emit_bytes(o, secret, sizeof secret);
}

static int cmd_read(se_opts *o)
{
    uint8_t buf[416];
    moat_atecc_status st;
    if (o->zone) {
        bool config = !strcmp(o->zone, "config"), otp = !strcmp(o->zone, "otp");
        if ((!config && !otp) || o->argc != 1) {
            fprintf(stderr, "moat se: usage: moat se read --zone config|otp [--hex] [--out F]\n");
            return 2;
        }
        st = config ? moat_atecc_read_config(o->dev, buf) : moat_atecc_read_otp(o->dev, buf);
        if (st != MOAT_ATECC_OK)
            return se_fail(o, st, config ? "read config" : "read otp", -1);
        return emit_bytes(o, buf, config ? 128 : 64);
    }
    int slot, rc;
    if ((rc = need_args(o, 2, "read SLOT [--hex] [--out F]")) ||
        (rc = parse_slot(o->argv[1], &slot)))
        return rc;
    size_t n = moat_atecc_slot_size((uint8_t)slot);
    if ((st = moat_atecc_read_slot(o->dev, (uint8_t)slot, buf, n)) != MOAT_ATECC_OK)
        return se_fail(o, st, "read", slot);
    return emit_bytes(o, buf, n);
}

static int cmd_write(se_opts *o)
{
    int slot, rc;
    if ((rc = need_args(o, 3, "write SLOT FILE")) || (rc = parse_slot(o->argv[1], &slot)))
        return rc;
    size_t cap = moat_atecc_slot_size((uint8_t)slot), len = 0;
    uint8_t buf[416];
    if ((rc = cli_read_file("moat se", o->argv[2], buf, cap, &len)))
        return rc;
    moat_atecc_lock_state l;
    moat_atecc_status st = moat_atecc_read_locks(o->dev, &l);
    if (st == MOAT_ATECC_OK)
        st = moat_atecc_write_slot(o->dev, (uint8_t)slot, buf, len, l.data_locked);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "write", slot);
    printf("wrote %zu bytes to slot %d\n", len, slot);
    return 0;
}

static int cmd_lock(se_opts *o)
{
    const char *what = o->argc >= 2 ? o->argv[1] : "";
    moat_atecc_status st;
    int slot = -1, rc;
    if (!strcmp(what, "config") && o->argc == 2) {
        st = moat_atecc_lock_config_zone(o->dev);
    } else if (!strcmp(what, "data") && o->argc == 2) {
        st = moat_atecc_lock_data(o->dev, false, 0);
    } else if (!strcmp(what, "slot") && o->argc == 3) {
        if ((rc = parse_slot(o->argv[2], &slot)))
            return rc;
        st = moat_atecc_lock_slot(o->dev, (uint8_t)slot);
    } else {
        fprintf(stderr, "moat se: usage: moat se lock config|data|slot N\n");
        return 2;
    }
    if (st == MOAT_ATECC_ERR_LOCKED) {
        fprintf(stderr, "moat se: the config zone is already locked\n");
        return 1;
    }
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "lock", slot);
    printf("locked %s%s%s\n", what, slot >= 0 ? " " : "", slot >= 0 ? o->argv[2] : "");
    return 0;
}

static int cmd_random(se_opts *o)
{
    uint8_t r[32];
    moat_atecc_status st = moat_atecc_random(o->dev, r);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "random", -1);
    print_hex(stdout, r, 32, false);
    printf("\n");
    moat_atecc_lock_state l;
    if (moat_atecc_read_locks(o->dev, &l) == MOAT_ATECC_OK && !l.config_locked)
        fprintf(stderr, "note: the config zone is unlocked, so the chip returns the fixed "
                        "pattern FF FF 00 00; lock it (`moat se provision`) for real random\n");
    return 0;
}

static int cmd_selftest(se_opts *o)
{
    static const struct {
        uint8_t bit;
        const char *name;
    } tests[] = {{0x01, "RNG"}, {0x02, "ECDSA"}, {0x08, "ECDH"}, {0x10, "AES"}, {0x20, "SHA"}};
    int failures = 0;
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        uint8_t failed = 0;
        moat_atecc_status st = moat_atecc_selftest(o->dev, tests[i].bit, &failed);
        if (st == MOAT_ATECC_ERR_PARSE) {
            printf("%-6s not available (the chip answered parse error)\n", tests[i].name);
            continue;
        }
        if (st != MOAT_ATECC_OK)
            return se_fail(o, st, "selftest", -1);
        printf("%-6s %s\n", tests[i].name, failed ? "FAILED" : "passed");
        failures += failed != 0;
    }
    return failures ? 1 : 0;
}

static int cmd_counter(se_opts *o)
{
    char *end;
    long id = o->argc == 2 ? strtol(o->argv[1], &end, 10) : -1;
    if (o->argc != 2 || *end || id < 0 || id > 1) {
        fprintf(stderr, "moat se: usage: moat se counter 0|1 [--inc]\n");
        return 2;
    }
    uint32_t v = 0;
    moat_atecc_status st = moat_atecc_counter(o->dev, (uint8_t)id, o->inc, &v);
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "counter", -1);
    printf("%u\n", (unsigned)v);
    return 0;
}

/* Refuses when the chip is already provisioned (unless --force) or locked with a layout
 * whose slot 0 cannot take a generated key. Returns 0 to go on. */
static int provision_check(se_opts *o)
{
    uint8_t cfg[128];
    moat_atecc_lock_state l;
    int rc = read_config_locks(o, cfg, &l);
    if (rc != 0)
        return rc;
    if (!l.config_locked)
        return 0;
    uint16_t sc = moat_atecc_slot_config(cfg, 0);
    if (!moat_atecc_slot_is_private(cfg, 0) || !(sc & 0x2000) || (l.slot_locked & 1u)) {
        fprintf(stderr,
                "moat se: the config zone is locked with a layout where slot 0 cannot take a "
                "generated key (SlotConfig %04X KeyConfig %04X%s); a locked config can never "
                "change. Use this chip's existing key (`moat se pubkey 0`).\n",
                sc, moat_atecc_key_config(cfg, 0), (l.slot_locked & 1u) ? ", slot locked" : "");
        return 1;
    }
    bool valid = false;
    if (l.data_locked && moat_atecc_info_key_valid(o->dev, 0, &valid) == MOAT_ATECC_OK && valid &&
        !o->force) {
        fprintf(stderr,
                "moat se: %s is already provisioned (config and data zones locked, slot 0 holds "
                "a key). --force generates a NEW slot-0 key: the current private key is "
                "destroyed for good and any certificate issued for it stops working. The zone "
                "locks themselves can never be undone.\n",
                o->locator);
        return 1;
    }
    return 0;
}

static int cmd_provision(se_opts *o)
{
    int rc;
    if ((rc = need_args(o, 1, "provision [--force]")) || (rc = provision_check(o)))
        return rc;
    uint8_t pub[64], serial[9];
    moat_atecc_provision_report rep;
    moat_atecc_status st = moat_atecc_provision(o->dev, pub, &rep);
    printf("config layout: %s\n",
           rep.config_written ? "written (docs/se-cli.md)" : "kept (already locked)");
    printf("config zone:   %s\n", rep.config_locked_now ? "locked now (with CRC)" : "was locked");
    printf("data zone:     %s\n", rep.data_locked_now ? "locked now" : "was locked");
    if (st != MOAT_ATECC_OK)
        return se_fail(o, st, "provision", -1);
    if ((st = moat_atecc_read_serial(o->dev, serial)) != MOAT_ATECC_OK)
        return se_fail(o, st, "read serial", -1);
    printf("slot 0 key:    generated\nserial:        ");
    print_hex(stdout, serial, 9, false);
    printf("\n");
    return print_pubkey_pem(stdout, pub);
}

typedef struct {
    const char *name;
    int (*run)(se_opts *o);
} se_cmd;

static int cmd_genkey(se_opts *o)
{
    return cmd_genkey_or_pubkey(o, true);
}
static int cmd_pubkey(se_opts *o)
{
    return cmd_genkey_or_pubkey(o, false);
}

static const se_cmd se_cmds[] = {
    {"info", cmd_info},           {"config", cmd_config},     {"genkey", cmd_genkey},
    {"pubkey", cmd_pubkey},       {"sign", cmd_sign},         {"ecdh", cmd_ecdh},
    {"read", cmd_read},           {"write", cmd_write},       {"lock", cmd_lock},
    {"random", cmd_random},       {"selftest", cmd_selftest}, {"counter", cmd_counter},
    {"provision", cmd_provision},
};

static void print_stats(const moat_atecc *dev)
{
    fprintf(stderr, "chip operations:");
    for (int k = 0; k < MOAT_ATECC_KIND_COUNT; k++)
        if (dev->stats.commands[k])
            fprintf(stderr, " %s=%u", moat_atecc_kind_name((moat_atecc_kind)k),
                    (unsigned)dev->stats.commands[k]);
    fprintf(stderr, "; wakes=%u resends=%u crc_rereads=%u busy_polls=%u\n",
            (unsigned)dev->stats.wakes, (unsigned)dev->stats.resends,
            (unsigned)dev->stats.crc_rereads, (unsigned)dev->stats.busy_polls);
}

static int se_dispatch(se_opts *o)
{
    const se_cmd *cmd = NULL;
    for (size_t i = 0; i < sizeof se_cmds / sizeof se_cmds[0]; i++)
        if (!strcmp(o->argv[0], se_cmds[i].name))
            cmd = &se_cmds[i];
    if (!cmd) {
        fprintf(stderr, "moat se: unknown command '%s'\n", o->argv[0]);
        usage(stderr);
        return 2;
    }
    if (!o->locator || !*o->locator) {
        fprintf(stderr,
                "moat se: no secure element given: use --se LOCATOR or set MOAT_SE. "
                "Locators:\n%s",
                moat_atecc_locator_forms());
        return 2;
    }
    char err[512];
    moat_atecc_loc_status ls = moat_atecc_open_locator(o->locator, &o->dev, err, sizeof err);
    if (ls != MOAT_ATECC_LOC_OK) {
        fprintf(stderr, "moat se: %s\n", err);
        return ls == MOAT_ATECC_LOC_OPEN_FAILED ? 1 : 2;
    }
    int rc = cmd->run(o);
    if (o->stats)
        print_stats(o->dev);
    moat_atecc_close_locator(o->dev);
    return rc;
}

int moat_cli_se(int argc, char **argv)
{
    se_opts o = {.locator = getenv("MOAT_SE")};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_val = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--se") && has_val)
            o.locator = argv[++i];
        else if (!strcmp(a, "--out") && has_val)
            o.out = argv[++i];
        else if (!strcmp(a, "--zone") && has_val)
            o.zone = argv[++i];
        else if (!strcmp(a, "--hex"))
            o.hex = true;
        else if (!strcmp(a, "--force"))
            o.force = true;
        else if (!strcmp(a, "--inc"))
            o.inc = true;
        else if (!strcmp(a, "--stats"))
            o.stats = true;
        else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "moat se: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (o.argc < (int)(sizeof o.argv / sizeof o.argv[0]))
            o.argv[o.argc++] = argv[i];
    }
    if (o.argc == 0) {
        usage(stderr);
        return 2;
    }
    return se_dispatch(&o);
}
