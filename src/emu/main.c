/* main.c - the moat-se program: serves an emulated ATECC608 on a Unix-domain socket (one
 * request per I2C transaction, docs/emulator.md), or dumps an image's config zone. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "emu/emu_internal.h"

#define KIND_WRITE 0x57 /* 'W' */
#define KIND_READ 0x52  /* 'R' */
#define KIND_WAKE 0x4B  /* 'K' */
#define REPLY_BAD 0xFF
#define MAX_WRITE 1024u /* longer than any I2C write a host needs (a group is <= 155 bytes) */
#define IO_TIMEOUT_MS 10000

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: moat-se --socket PATH --image FILE [--address 0x60] [--log]\n"
            "       moat-se --image FILE --dump\n"
            "Emulates an ATECC608 whose EEPROM lives in FILE (created with factory defaults\n"
            "if missing) and serves it on the Unix socket PATH (protocol: docs/emulator.md).\n"
            "--address sets the 7-bit I2C address of a new or unlocked image (config byte 16).\n");
}

/* Waits for `fd` to be readable or writable; false on timeout (unless `forever`), stop
 * request or error. */
static bool wait_fd(int fd, short events, bool forever)
{
    struct pollfd p = {.fd = fd, .events = events};
    for (int waited = 0; (forever || waited < IO_TIMEOUT_MS) && !stop_requested; waited += 200) {
        int r = poll(&p, 1, 200);
        if (r > 0)
            return true;
        if (r < 0 && errno != EINTR)
            return false;
    }
    return false;
}

/* Reads exactly len bytes; 1 = ok, 0 = clean EOF before the first byte, -1 = error. A client
 * may stay idle between requests (`idle_ok`), but not stall in the middle of one. */
static int read_exact(int fd, uint8_t *buf, size_t len, bool idle_ok)
{
    size_t got = 0;
    while (got < len) {
        if (!wait_fd(fd, POLLIN, idle_ok && got == 0))
            return -1;
        ssize_t n = read(fd, buf + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return (n == 0 && got == 0) ? 0 : -1;
        got += (size_t)n;
    }
    return 1;
}

static bool write_exact(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        if (!wait_fd(fd, POLLOUT, false))
            return false;
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static bool reject(int fd, const char *why)
{
    uint8_t b = REPLY_BAD;
    fprintf(stderr, "moat-se: malformed request: %s; closing the connection\n", why);
    write_exact(fd, &b, 1);
    return false;
}

/* Serves one request; false when the connection must be closed. */
static bool serve_request(moat_emu *emu, int fd)
{
    uint8_t hdr[4];
    int r = read_exact(fd, hdr, sizeof hdr, true);
    if (r <= 0)
        return false;
    uint8_t kind = hdr[0], addr7 = hdr[1];
    size_t len = ((size_t)hdr[2] << 8) | hdr[3];
    static uint8_t payload[MAX_WRITE];
    if (kind != KIND_WRITE && kind != KIND_READ && kind != KIND_WAKE)
        return reject(fd, "unknown kind (expected 'W', 'R' or 'K')");
    if ((kind == KIND_WAKE && len != 0) || (kind == KIND_READ && len != 2) ||
        (kind == KIND_WRITE && (len == 0 || len > MAX_WRITE)))
        return reject(fd, "bad length for this kind");
    if (len > 0 && read_exact(fd, payload, len, false) != 1)
        return false;
    uint8_t reply[1 + 255];
    size_t reply_len = 1;
    if (kind == KIND_WAKE) {
        moat_emu_wake(emu);
        reply[0] = MOAT_EMU_ACK;
    } else if (kind == KIND_WRITE) {
        reply[0] = (uint8_t)moat_emu_i2c_write(emu, addr7, payload, len);
    } else {
        size_t n = ((size_t)payload[0] << 8) | payload[1];
        if (n == 0 || n > 255)
            return reject(fd, "read count must be 1..255");
        reply[0] = (uint8_t)moat_emu_i2c_read(emu, addr7, reply + 1, n);
        if (reply[0] == MOAT_EMU_ACK)
            reply_len += n;
    }
    if (emu->log)
        fprintf(stderr, "moat-se: %c addr 0x%02X len %zu -> %s\n", kind, addr7, len,
                reply[0] == MOAT_EMU_ACK ? "ACK" : "NACK");
    return write_exact(fd, reply, reply_len);
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr,
                "moat-se: socket path %s is longer than %zu bytes; use a shorter "
                "path\n",
                path, sizeof sa.sun_path - 1);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path); /* a stale socket left by a killed server */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 8) != 0) {
        fprintf(stderr, "moat-se: cannot listen on %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int serve(moat_emu *emu, const char *path)
{
    int lfd = listen_on(path);
    if (lfd < 0)
        return 1;
    fprintf(stderr, "moat-se: serving %s\n", path);
    while (!stop_requested) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, 200) <= 0)
            continue;
        int cfd = accept(lfd, NULL, NULL);
        if (cfd < 0)
            continue;
        while (!stop_requested && serve_request(emu, cfd)) {
        }
        close(cfd);
    }
    close(lfd);
    unlink(path);
    fprintf(stderr, "moat-se: stopped\n");
    return 0;
}

static void dump_slot_table(const uint8_t *cfg)
{
    printf("slot size SlotConfig KeyConfig  notes\n");
    for (uint8_t s = 0; s < MOAT_ATECC_SLOTS; s++) {
        uint16_t sc = moat_emu_slot_config(cfg, s), kc = moat_emu_key_config(cfg, s);
        printf("%4u %4zu     0x%04X    0x%04X  %s%s%s%s\n", s, moat_atecc_slot_size(s), sc, kc,
               EMU_KC_PRIVATE(kc) ? "private " : "",
               EMU_KC_KEYTYPE(kc) == EMU_KEYTYPE_P256 ? "P-256 " : "",
               EMU_SC_IS_SECRET(sc) ? "secret " : "clear-read ",
               moat_emu_slot_locked(cfg, s) ? "slot-locked" : "");
    }
}

static int dump(moat_emu *emu)
{
    const uint8_t *cfg = moat_emu_config(emu);
    printf("image: %s\nserial: ", emu->image_path);
    for (int i = 0; i < 4; i++)
        printf("%02X", cfg[i]);
    for (int i = 8; i < 13; i++)
        printf("%02X", cfg[i]);
    printf("\nI2C address: 0x%02X (8-bit 0x%02X)\n", moat_emu_i2c_address8(cfg) >> 1,
           moat_emu_i2c_address8(cfg));
    printf("config zone: %s\ndata zone: %s\n", moat_emu_config_locked(cfg) ? "locked" : "unlocked",
           moat_emu_data_locked(cfg) ? "locked" : "unlocked");
    printf("counters: %u %u\nconfig:\n", moat_emu_counter_value(cfg, 0),
           moat_emu_counter_value(cfg, 1));
    for (int i = 0; i < (int)MOAT_ATECC_CONFIG_SIZE; i++)
        printf("%s%02X%s", i % 16 == 0 ? "  " : "", cfg[i], i % 16 == 15 ? "\n" : " ");
    dump_slot_table(cfg);
    return 0;
}

/* --address writes config byte 16 of an unlocked image (as a host would before locking). */
static bool set_address(moat_emu *emu, const char *arg)
{
    char *end;
    unsigned long a = strtoul(arg, &end, 0);
    if (*arg == '\0' || *end != '\0' || a < 0x08 || a > 0x77) {
        fprintf(stderr, "moat-se: --address %s: give a 7-bit address 0x08..0x77\n", arg);
        return false;
    }
    uint8_t *cfg = moat_emu_config(emu);
    if (cfg[EMU_CFG_I2C_ADDRESS] == (uint8_t)(a << 1))
        return true;
    if (moat_emu_config_locked(cfg)) {
        fprintf(stderr,
                "moat-se: --address: the image's config zone is locked at address "
                "0x%02X; it cannot change (use that address)\n",
                cfg[EMU_CFG_I2C_ADDRESS] >> 1);
        return false;
    }
    cfg[EMU_CFG_I2C_ADDRESS] = (uint8_t)(a << 1);
    return moat_emu_image_save(emu);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"socket", required_argument, NULL, 's'},
                                         {"image", required_argument, NULL, 'i'},
                                         {"address", required_argument, NULL, 'a'},
                                         {"log", no_argument, NULL, 'l'},
                                         {"dump", no_argument, NULL, 'd'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *sock = NULL, *image = NULL, *address = NULL;
    bool log = false, do_dump = false;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            sock = optarg;
            break;
        case 'i':
            image = optarg;
            break;
        case 'a':
            address = optarg;
            break;
        case 'l':
            log = true;
            break;
        case 'd':
            do_dump = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (image == NULL || (sock == NULL && !do_dump) || optind != argc) {
        usage(stderr);
        return 2;
    }
    char err[512];
    moat_emu *emu = moat_emu_open(image, err, sizeof err);
    if (emu == NULL) {
        fprintf(stderr, "moat-se: %s\n", err);
        return 1;
    }
    moat_emu_set_log(emu, log);
    int rc = 0;
    if (address && !set_address(emu, address))
        rc = 1;
    else if (do_dump)
        rc = dump(emu);
    else {
        struct sigaction sa = {.sa_handler = on_signal};
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
        rc = serve(emu, sock);
    }
    moat_emu_close(emu);
    return rc;
}
