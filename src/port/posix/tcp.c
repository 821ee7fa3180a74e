/* tcp.c - the POSIX TCP transport: getaddrinfo, non-blocking connect bounded by a timeout,
 * poll()-bounded send/recv, and socket errors turned into sentences with a fix. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "moat/posix_tcp.h"

uint32_t moat_posix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void moat_posix_tcp_init(moat_posix_tcp *t)
{
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

void moat_posix_tcp_close(moat_posix_tcp *t)
{
    if (t && t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
}

/* "127.0.0.1:1883" or "[::1]:1883" for the address that was tried. */
static void format_addr(const struct addrinfo *ai, char *out, size_t cap)
{
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
        snprintf(out, cap, "(unprintable address)");
        return;
    }
    snprintf(out, cap, ai->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static moat_posix_tcp_status connect_error(moat_posix_tcp *t, int err, const char *host,
                                           const char *where, uint32_t timeout_ms)
{
    t->last_errno = err;
    char name[96] = "";
    if (strncmp(where, host, strlen(host)) != 0) /* name the host too when it was a name */
        snprintf(name, sizeof name, " (%s)", host);
    switch (err) {
    case ECONNREFUSED:
        snprintf(t->error, sizeof t->error,
                 "connection refused: nothing listens on %s%s; is the broker running, and is "
                 "the port (-p) right?", where, name);
        return MOAT_POSIX_TCP_ERR_REFUSED;
    case ETIMEDOUT:
        snprintf(t->error, sizeof t->error,
                 "connection to %s%s timed out after %u ms: the host does not answer (down, "
                 "wrong address, or a firewall drops the packets); check -h/-p and the network",
                 where, name, (unsigned)timeout_ms);
        return MOAT_POSIX_TCP_ERR_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
        snprintf(t->error, sizeof t->error,
                 "cannot reach %s%s: %s; check the address and this machine's network", where,
                 name, strerror(err));
        return MOAT_POSIX_TCP_ERR_UNREACHABLE;
    default:
        snprintf(t->error, sizeof t->error, "cannot connect to %s%s: %s (errno %d)", where,
                 name, strerror(err), err);
        return MOAT_POSIX_TCP_ERR_SOCKET;
    }
}

static int wait_fd(int fd, short events, uint32_t timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int timeout = timeout_ms > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)timeout_ms;
    return poll(&p, 1, timeout);
}

/* Connects one address; returns 0 or an errno. */
static int try_connect(const struct addrinfo *ai, uint32_t timeout_ms, int *fd_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
    if (fd < 0)
        return errno;
    int err = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        err = errno;
        if (err == EINPROGRESS) {
            int r = wait_fd(fd, POLLOUT, timeout_ms);
            socklen_t len = sizeof err;
            if (r == 0)
                err = ETIMEDOUT;
            else if (r < 0)
                err = errno;
            else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
                err = errno;
        }
    }
    if (err != 0) {
        close(fd);
        return err;
    }
    int one = 1; /* MQTT acks and pings are tiny: do not let Nagle hold them back */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *fd_out = fd;
    return 0;
}

moat_posix_tcp_status moat_posix_tcp_connect(moat_posix_tcp *t, const char *host, uint16_t port,
                                             uint32_t timeout_ms)
{
    if (!t)
        return MOAT_POSIX_TCP_ERR_ARGUMENT;
    moat_posix_tcp_close(t);
    t->last_errno = 0;
    t->error[0] = '\0';
    if (!host || !*host || port == 0) {
        snprintf(t->error, sizeof t->error, "no host or port given: pass -h HOST and -p PORT");
        return MOAT_POSIX_TCP_ERR_ARGUMENT;
    }
    char serv[8];
    snprintf(serv, sizeof serv, "%u", (unsigned)port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, serv, &hints, &res);
    if (gai != 0) {
        snprintf(t->error, sizeof t->error,
                 "cannot resolve host '%s': %s; check the spelling of the host name (-h) and "
                 "this machine's DNS settings", host, gai_strerror(gai));
        return MOAT_POSIX_TCP_ERR_RESOLVE;
    }
    uint32_t start = moat_posix_now_ms();
    moat_posix_tcp_status st = MOAT_POSIX_TCP_ERR_SOCKET;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        uint32_t used = moat_posix_now_ms() - start;
        int err = used >= timeout_ms ? ETIMEDOUT : try_connect(ai, timeout_ms - used, &t->fd);
        if (err == 0) {
            st = MOAT_POSIX_TCP_OK;
            break;
        }
        char where[80];
        format_addr(ai, where, sizeof where);
        st = connect_error(t, err, host, where, timeout_ms);
    }
    freeaddrinfo(res);
    if (st == MOAT_POSIX_TCP_OK) {
        t->last_errno = 0;
        t->error[0] = '\0';
    }
    return st;
}

static int32_t io_error(moat_posix_tcp *t, int err, const char *what)
{
    t->last_errno = err;
    if (err == ECONNRESET || err == EPIPE) {
        snprintf(t->error, sizeof t->error,
                 "connection reset by the peer while %s: the broker dropped the connection",
                 what);
    } else {
        snprintf(t->error, sizeof t->error, "socket error while %s: %s (errno %d)", what,
                 strerror(err), err);
    }
    return MOAT_TRANSPORT_FAILED;
}

static int32_t clamp(ssize_t n)
{
    return n > 0x7FFFFFFF ? 0x7FFFFFFF : (int32_t)n;
}

/* Try first, poll only when the socket is not ready: a busy publisher pays one syscall. */
static int32_t tcp_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    moat_posix_tcp *t = ctx;
    if (len > 0x7FFFFFFF)
        len = 0x7FFFFFFF;
    for (int attempt = 0; attempt < 2; attempt++) {
        ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return clamp(n);
        if (errno == EINTR)
            return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return io_error(t, errno, "sending");
        if (attempt == 0) {
            int r = wait_fd(t->fd, POLLOUT, timeout_ms);
            if (r == 0 || (r < 0 && errno == EINTR))
                return 0;
            if (r < 0)
                return io_error(t, errno, "waiting to send");
        }
    }
    return 0;
}

static int32_t tcp_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    moat_posix_tcp *t = ctx;
    if (len > 0x7FFFFFFF)
        len = 0x7FFFFFFF;
    for (int attempt = 0; attempt < 2; attempt++) {
        ssize_t n = recv(t->fd, buf, len, MSG_DONTWAIT);
        if (n > 0)
            return clamp(n);
        if (n == 0) {
            snprintf(t->error, sizeof t->error, "the peer closed the connection");
            return MOAT_TRANSPORT_CLOSED;
        }
        if (errno == EINTR) /* a signal: give the caller a chance to look at its flags */
            return 0;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return io_error(t, errno, "receiving");
        if (attempt == 0) {
            int r = wait_fd(t->fd, POLLIN, timeout_ms);
            if (r == 0 || (r < 0 && errno == EINTR))
                return 0;
            if (r < 0)
                return io_error(t, errno, "waiting to receive");
        }
    }
    return 0;
}

void moat_posix_tcp_transport(moat_posix_tcp *t, moat_transport *out)
{
    out->ctx = t;
    out->send = tcp_send;
    out->recv = tcp_recv;
}
