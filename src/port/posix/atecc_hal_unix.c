/* atecc_hal_unix.c - the I2C HAL as a client of `moat-se --socket`: one request/response per
 * bus transaction (protocol: docs/emulator.md, "socket protocol"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "moat/atecc_locator.h"
#include "port/posix/hal_delay.h"

typedef struct {
    int fd;
    char path[108];
    char err[256];
} unix_ctx;

enum { KIND_WRITE = 'W', KIND_READ = 'R', KIND_WAKE = 'K' };

#define MOAT_ATECC_UNIX_TIMEOUT_S 5

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static moat_atecc_hal_result lost(unix_ctx *c, const char *what)
{
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        snprintf(c->err, sizeof c->err, "emulator socket %s: no answer within %d s (moat-se "
                 "serves one host at a time: is another program connected to it?)",
                 c->path, MOAT_ATECC_UNIX_TIMEOUT_S);
    else
        snprintf(c->err, sizeof c->err, "emulator socket %s: %s %s (is moat-se still running?)",
                 c->path, what, errno ? strerror(errno) : "connection closed");
    return MOAT_ATECC_HAL_ERROR;
}

/* One request; for reads the response data lands in `in` (n bytes). */
static moat_atecc_hal_result transact(unix_ctx *c, uint8_t kind, uint8_t addr7,
                                      const uint8_t *payload, size_t len, uint8_t *in, size_t n)
{
    uint8_t req[4 + 1 + MOAT_ATECC_CMD_MAX];
    if (len > sizeof req - 4) {
        snprintf(c->err, sizeof c->err, "transaction of %zu bytes is too long", len);
        return MOAT_ATECC_HAL_ERROR;
    }
    req[0] = kind;
    req[1] = addr7;
    req[2] = (uint8_t)(len >> 8);
    req[3] = (uint8_t)len;
    if (len)
        memcpy(req + 4, payload, len);
    errno = 0;
    if (send_all(c->fd, req, 4 + len) != 0)
        return lost(c, "send failed:");
    uint8_t ack;
    if (recv_all(c->fd, &ack, 1) != 0)
        return lost(c, "receive failed:");
    if (ack == 0x01)
        return MOAT_ATECC_HAL_NACK;
    if (ack != 0x00) {
        snprintf(c->err, sizeof c->err,
                 "emulator socket %s: the server rejected the request (answer 0x%02X)", c->path,
                 ack);
        return MOAT_ATECC_HAL_ERROR;
    }
    if (n && recv_all(c->fd, in, n) != 0)
        return lost(c, "receive failed:");
    return MOAT_ATECC_HAL_ACK;
}

static moat_atecc_hal_result u_wake(void *ctx)
{
    return transact(ctx, KIND_WAKE, 0, NULL, 0, NULL, 0);
}

static moat_atecc_hal_result u_write(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len)
{
    return transact(ctx, KIND_WRITE, addr7, bytes, len, NULL, 0);
}

static moat_atecc_hal_result u_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    if (len == 0 || len > 255) {
        snprintf(((unix_ctx *)ctx)->err, sizeof((unix_ctx *)ctx)->err,
                 "read of %zu bytes: the socket protocol allows 1..255", len);
        return MOAT_ATECC_HAL_ERROR;
    }
    uint8_t count[2] = {(uint8_t)(len >> 8), (uint8_t)len};
    return transact(ctx, KIND_READ, addr7, count, 2, buf, len);
}

static const char *u_last_error(void *ctx)
{
    return ((unix_ctx *)ctx)->err;
}

int moat_atecc_hal_unix_open(const char *socket_path, moat_atecc_hal *hal, char *err, size_t cap)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(socket_path) >= sizeof sa.sun_path) {
        snprintf(err, cap, "socket path '%s' is longer than %zu bytes", socket_path,
                 sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(err, cap,
                 "cannot connect to the emulator socket '%s': %s. Start it with "
                 "`moat-se --socket %s --image IMAGE`",
                 socket_path, strerror(errno), socket_path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    /* An emulator that stops answering (stopped, or busy with another host: it serves one
     * at a time) must give an error, never hang the driver. */
    struct timeval tv = {.tv_sec = MOAT_ATECC_UNIX_TIMEOUT_S};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    unix_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    c->fd = fd;
    memcpy(c->path, sa.sun_path, sizeof c->path);
    *hal = (moat_atecc_hal){c, u_wake, u_write, u_read, moat_posix_hal_delay_us, u_last_error};
    return 0;
}

void moat_atecc_hal_unix_close(moat_atecc_hal *hal)
{
    if (hal && hal->ctx) {
        unix_ctx *c = hal->ctx;
        close(c->fd);
        free(c);
        hal->ctx = NULL;
    }
}
