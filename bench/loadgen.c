/* bench/loadgen.c - the MQTT load generator of bench/broker.sh: one epoll thread, raw MQTT 3.1.1
 * packets from the project's codec (moat/mqtt_codec.h, libmoat_codec.a of the build), optional
 * TLS (OpenSSL). Built by the script (cc -O2), not part of the CMake build.
 *
 *   loadgen pubsub --port P --pubs N --subs M --qos Q [--seconds S] [--size B]
 *       N publishers and M subscribers; subscriber j listens to publisher (j mod N)'s topic.
 *       Publishers keep at most WINDOW messages ahead of their slowest subscriber (so neither
 *       broker drops QoS 0 for lack of flow control) and, at QoS 1, at most 100 unacknowledged.
 *       Prints: msgs_per_sec=X  (messages received by all subscribers per second)
 *   loadgen handshakes --port P --cert C --key K [--seconds S] [--concurrency N]
 *       Full TLS handshakes with a client certificate (no resumption), each followed by CONNECT
 *       and CONNACK so the server has verified the certificate. Prints: handshakes_per_sec=X
 *   loadgen idle --port P --cert C --key K --count N --pid BROKER_PID
 *       Opens N TLS connections, CONNECTs them, then reads the broker's RSS.
 *       Prints: rss_before_kb=A rss_after_kb=B bytes_per_conn=C
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "moat/mqtt_codec.h"

#define WINDOW 256        /* QoS 0: messages a publisher may be ahead of its slowest subscriber */
#define QOS1_INFLIGHT 100 /* QoS 1: unacknowledged PUBLISHes per publisher */

typedef enum { ROLE_PUB, ROLE_SUB, ROLE_HANDSHAKE, ROLE_IDLE } role;
typedef enum { ST_TCP, ST_TLS, ST_CONNECTING, ST_SUBSCRIBING, ST_READY } state;

typedef struct {
    uint8_t *p;
    size_t len, cap;
} buf;

typedef struct client {
    int fd;
    SSL *ssl;
    role role;
    state st;
    int stream;          /* publisher index this client belongs to */
    uint64_t sent;       /* publisher: PUBLISHes sent */
    uint64_t unacked;    /* publisher QoS 1: PUBACKs outstanding */
    uint64_t received;   /* subscriber: PUBLISHes received */
    uint16_t next_pid;
    uint8_t *pub;        /* publisher: its encoded PUBLISH, the same for every message but
                            for the packet id (encoded once: the generator must stay cheaper
                            than the broker it measures) */
    size_t pub_len;
    buf in, out;
} client;

static struct {
    int port, pubs, subs, qos, size, concurrency, count;
    double seconds;
    const char *cert, *key;
    int broker_pid;
} opt = {.port = 1883, .pubs = 1, .subs = 1, .qos = 0, .size = 64, .concurrency = 16,
         .count = 1000, .seconds = 3.0};

static int g_ep;
static SSL_CTX *g_tls;
static client **g_clients;
static int g_nclients;

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- buffers and MQTT packets --- */

static void buf_put(buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *np = realloc(b->p, cap);
        if (!np)
            die("out of memory");
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_drop(buf *b, size_t n)
{
    if (n == 0)
        return;
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

/* The codec only refuses what this program never builds (bad UTF-8, oversized packets). */
static void encoded(moat_mqtt_status st, const char *what)
{
    if (st != MOAT_MQTT_OK) {
        fprintf(stderr, "loadgen: cannot encode %s: %s\n", what, moat_mqtt_strerror(st));
        exit(1);
    }
}

static void send_connect(client *c, const char *id)
{
    uint8_t p[128];
    size_t n;
    moat_mqtt_connect cp = {.client_id = {(const uint8_t *)id, (uint16_t)strlen(id)},
                            .keep_alive_s = 600, .clean_session = true};
    encoded(moat_mqtt_encode_connect(p, sizeof p, &cp, &n), "CONNECT");
    buf_put(&c->out, p, n);
}

static void topic_of(int stream, char out[32])
{
    snprintf(out, 32, "bench/%d", stream);
}

static void send_subscribe(client *c)
{
    uint8_t p[64];
    size_t n;
    char topic[32];
    topic_of(c->stream, topic);
    moat_mqtt_sub_entry e = {.filter = {(const uint8_t *)topic, (uint16_t)strlen(topic)},
                             .qos = (uint8_t)opt.qos};
    encoded(moat_mqtt_encode_subscribe(p, sizeof p, 1, &e, 1, &n), "SUBSCRIBE");
    buf_put(&c->out, p, n);
}

static void send_publish(client *c, const uint8_t *payload)
{
    if (!c->pub) {
        uint8_t p[2048];
        char topic[32];
        topic_of(c->stream, topic);
        moat_mqtt_publish pub = {.topic = {(const uint8_t *)topic, (uint16_t)strlen(topic)},
                                 .payload = payload, .payload_len = (size_t)opt.size,
                                 .qos = (uint8_t)opt.qos, .packet_id = opt.qos ? 1 : 0};
        encoded(moat_mqtt_encode_publish(p, sizeof p, &pub, &c->pub_len), "PUBLISH");
        if (!(c->pub = malloc(c->pub_len)))
            die("out of memory");
        memcpy(c->pub, p, c->pub_len);
    }
    if (opt.qos) {
        if (++c->next_pid == 0)
            c->next_pid = 1;
        uint8_t *pid = c->pub + c->pub_len - (size_t)opt.size - 2; /* just before the payload */
        pid[0] = (uint8_t)(c->next_pid >> 8);
        pid[1] = (uint8_t)c->next_pid;
        c->unacked++;
    }
    buf_put(&c->out, c->pub, c->pub_len);
    c->sent++;
}

/* --- sockets --- */

static void watch(client *c, bool want_out)
{
    struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0u), .data.ptr = c};
    if (epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        die("epoll_ctl");
}

static client *new_client(role r, int stream)
{
    client *c = calloc(1, sizeof *c);
    if (!c)
        die("out of memory");
    c->role = r;
    c->stream = stream;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(c->fd, (struct sockaddr *)&a, sizeof a) != 0 && errno != EINPROGRESS)
        die("connect");
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(g_ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        die("epoll_ctl add");
    c->st = ST_TCP;
    if (g_tls) {
        c->ssl = SSL_new(g_tls);
        if (!c->ssl)
            die("SSL_new");
        SSL_set_fd(c->ssl, c->fd);
        SSL_set_tlsext_host_name(c->ssl, "localhost");
        c->st = ST_TLS;
    }
    return c;
}

static void free_client(client *c)
{
    epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, NULL);
    if (c->ssl)
        SSL_free(c->ssl);
    close(c->fd);
    free(c->in.p);
    free(c->out.p);
    free(c->pub);
    free(c);
}

/* Writes what is pending; returns false if the connection failed. */
static bool flush_out(client *c)
{
    while (c->out.len) {
        ssize_t n;
        if (c->ssl) {
            int r = SSL_write(c->ssl, c->out.p, (int)c->out.len);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ)
                    break;
                return false;
            }
            n = r;
        } else {
            n = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                break;
            if (n <= 0)
                return false;
        }
        buf_drop(&c->out, (size_t)n);
    }
    watch(c, c->out.len > 0);
    return true;
}

/* Reads what is available into c->in; returns false on EOF or error. */
static bool fill_in(client *c)
{
    for (;;) {
        uint8_t tmp[65536];
        ssize_t n;
        if (c->ssl) {
            int r = SSL_read(c->ssl, tmp, sizeof tmp);
            if (r <= 0) {
                int e = SSL_get_error(c->ssl, r);
                return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
            }
            n = r;
        } else {
            n = recv(c->fd, tmp, sizeof tmp, 0);
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return true;
            if (n <= 0)
                return false;
        }
        buf_put(&c->in, tmp, (size_t)n);
    }
}

/* --- protocol handling --- */

static void on_packet(client *c, uint8_t first, const uint8_t *body, size_t n)
{
    switch (first >> 4) {
    case 2: /* CONNACK */
        if (n < 2 || body[1] != 0) {
            fprintf(stderr, "loadgen: CONNACK refused (code %d)\n", n >= 2 ? body[1] : -1);
            exit(1);
        }
        if (c->role == ROLE_SUB) {
            send_subscribe(c);
            c->st = ST_SUBSCRIBING;
        } else {
            c->st = ST_READY;
        }
        break;
    case 9: /* SUBACK */
        c->st = ST_READY;
        break;
    case 3: /* PUBLISH */
        c->received++;
        if ((first >> 1) & 3) {
            size_t tl = (size_t)body[0] << 8 | body[1];
            uint8_t ack[4];
            size_t an;
            encoded(moat_mqtt_encode_ack(ack, sizeof ack, MOAT_MQTT_PUBACK,
                                         (uint16_t)(body[2 + tl] << 8 | body[3 + tl]), &an),
                    "PUBACK");
            buf_put(&c->out, ack, an);
        }
        break;
    case 4: /* PUBACK */
        if (c->unacked)
            c->unacked--;
        break;
    default:
        break;
    }
}

/* Hands every complete packet in c->in to on_packet; framing by the codec's header reader. */
static void parse_in(client *c)
{
    size_t off = 0;
    moat_mqtt_header h;
    while (off < c->in.len) {
        moat_mqtt_status st = moat_mqtt_peek_header(c->in.p + off, c->in.len - off, 0, &h);
        if (st == MOAT_MQTT_NEED_MORE || (st == MOAT_MQTT_OK && c->in.len - off < h.packet_len))
            break;
        if (st != MOAT_MQTT_OK) {
            fprintf(stderr, "loadgen: bad packet from the broker: %s\n", moat_mqtt_strerror(st));
            exit(1);
        }
        on_packet(c, c->in.p[off], c->in.p + off + h.header_len, h.remaining_length);
        off += h.packet_len;
    }
    buf_drop(&c->in, off);
}

static bool tls_step(client *c)
{
    int r = SSL_connect(c->ssl);
    if (r == 1) {
        c->st = ST_TCP;
        return true;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) {
        watch(c, false);
        return true;
    }
    if (e == SSL_ERROR_WANT_WRITE) {
        watch(c, true);
        return true;
    }
    unsigned long err = ERR_get_error();
    fprintf(stderr, "loadgen: TLS handshake failed: %s\n",
            err ? ERR_error_string(err, NULL) : "connection closed");
    return false;
}

/* Drives one client after an epoll event; returns false if it failed. */
static bool on_event(client *c)
{
    if (c->st == ST_TLS) {
        if (!tls_step(c))
            return false;
        if (c->st == ST_TLS)
            return true;
    }
    if (c->st == ST_TCP) {
        char id[48];
        snprintf(id, sizeof id, "lg-%d-%p", (int)c->role, (void *)c);
        send_connect(c, id);
        c->st = ST_CONNECTING;
    }
    if (!fill_in(c))
        return false;
    parse_in(c);
    return flush_out(c);
}

static int run_loop_once(int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(g_ep, evs, 256, timeout_ms);
    if (n < 0 && errno != EINTR)
        die("epoll_wait");
    for (int i = 0; i < n; i++) {
        client *c = evs[i].data.ptr;
        if (!on_event(c)) {
            fprintf(stderr, "loadgen: connection lost (role %d)\n", (int)c->role);
            exit(1);
        }
    }
    return n < 0 ? 0 : n;
}

static bool all_ready(void)
{
    for (int i = 0; i < g_nclients; i++)
        if (g_clients[i]->st != ST_READY)
            return false;
    return true;
}

static void connect_all(void)
{
    double deadline = now_s() + 60;
    while (!all_ready()) {
        if (now_s() > deadline) {
            fprintf(stderr, "loadgen: clients not ready after 60 s\n");
            exit(1);
        }
        run_loop_once(100);
    }
}

/* --- pubsub --- */

static uint64_t stream_delivered_min(int stream)
{
    uint64_t m = UINT64_MAX;
    for (int i = 0; i < g_nclients; i++) {
        client *c = g_clients[i];
        if (c->role == ROLE_SUB && c->stream == stream && c->received < m)
            m = c->received;
    }
    return m == UINT64_MAX ? 0 : m;
}

static void publish_some(const uint8_t *payload)
{
    for (int i = 0; i < g_nclients; i++) {
        client *c = g_clients[i];
        if (c->role != ROLE_PUB)
            continue;
        uint64_t dmin = stream_delivered_min(c->stream);
        int burst = 0;
        while (c->sent - dmin < WINDOW && burst < 64 &&
               (opt.qos == 0 || c->unacked < QOS1_INFLIGHT)) {
            send_publish(c, payload);
            burst++;
        }
        if (burst && !flush_out(c))
            die("publish failed");
    }
}

static uint64_t total_received(void)
{
    uint64_t t = 0;
    for (int i = 0; i < g_nclients; i++)
        t += g_clients[i]->received;
    return t;
}

static void flush_acks(void)
{
    for (int i = 0; i < g_nclients; i++)
        if (g_clients[i]->role == ROLE_SUB && g_clients[i]->out.len)
            if (!flush_out(g_clients[i]))
                die("ack failed");
}

static int cmd_pubsub(void)
{
    g_nclients = opt.pubs + opt.subs;
    g_clients = calloc((size_t)g_nclients, sizeof *g_clients);
    for (int j = 0; j < opt.subs; j++)
        g_clients[j] = new_client(ROLE_SUB, j % opt.pubs);
    for (int i = 0; i < opt.pubs; i++)
        g_clients[opt.subs + i] = new_client(ROLE_PUB, i);
    connect_all();
    uint8_t payload[1024];
    memset(payload, 'p', sizeof payload);
    double warm_end = now_s() + 0.5, end = warm_end + opt.seconds;
    uint64_t base = 0;
    bool measuring = false;
    for (;;) {
        publish_some(payload);
        run_loop_once(1);
        flush_acks();
        double t = now_s();
        if (!measuring && t >= warm_end) {
            base = total_received();
            measuring = true;
        }
        if (t >= end)
            break;
    }
    printf("msgs_per_sec=%.0f\n", (double)(total_received() - base) / opt.seconds);
    for (int i = 0; i < g_nclients; i++)
        free_client(g_clients[i]);
    free(g_clients);
    return 0;
}

/* --- TLS --- */

static void tls_init(void)
{
    g_tls = SSL_CTX_new(TLS_client_method());
    if (!g_tls)
        die("SSL_CTX_new");
    /* the server is not verified: both brokers present the same certificate and the
     * load generator should spend its CPU on the handshake itself */
    SSL_CTX_set_verify(g_tls, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_session_cache_mode(g_tls, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(g_tls, SSL_OP_NO_TICKET);
    if (SSL_CTX_use_certificate_chain_file(g_tls, opt.cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(g_tls, opt.key, SSL_FILETYPE_PEM) != 1) {
        fprintf(stderr, "loadgen: cannot load %s / %s\n", opt.cert, opt.key);
        exit(1);
    }
}

static int cmd_handshakes(void)
{
    tls_init();
    g_nclients = opt.concurrency;
    g_clients = calloc((size_t)g_nclients, sizeof *g_clients);
    for (int i = 0; i < g_nclients; i++)
        g_clients[i] = new_client(ROLE_HANDSHAKE, 0);
    uint64_t done = 0, base = 0;
    double warm_end = now_s() + 0.5, end = warm_end + opt.seconds;
    bool measuring = false;
    while (now_s() < end) {
        run_loop_once(10);
        for (int i = 0; i < g_nclients; i++) {
            if (g_clients[i]->st != ST_READY)
                continue;
            free_client(g_clients[i]); /* CONNACK came: the server verified us */
            g_clients[i] = new_client(ROLE_HANDSHAKE, 0);
            done++;
        }
        if (!measuring && now_s() >= warm_end) {
            base = done;
            measuring = true;
        }
    }
    printf("handshakes_per_sec=%.0f\n", (double)(done - base) / opt.seconds);
    for (int i = 0; i < g_nclients; i++)
        free_client(g_clients[i]);
    free(g_clients);
    SSL_CTX_free(g_tls);
    return 0;
}

static long rss_kb(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}

static int cmd_idle(void)
{
    tls_init();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    long before = rss_kb(opt.broker_pid);
    g_clients = calloc((size_t)opt.count, sizeof *g_clients);
    /* open in waves of `concurrency` so the listen backlog never overflows */
    while (g_nclients < opt.count) {
        int wave = opt.count - g_nclients < opt.concurrency ? opt.count - g_nclients
                                                             : opt.concurrency;
        for (int i = 0; i < wave; i++)
            g_clients[g_nclients++] = new_client(ROLE_IDLE, 0);
        connect_all();
    }
    double settle = now_s() + 1.0;
    while (now_s() < settle)
        run_loop_once(50);
    long after = rss_kb(opt.broker_pid);
    printf("rss_before_kb=%ld rss_after_kb=%ld bytes_per_conn=%.0f\n", before, after,
           (double)(after - before) * 1024.0 / opt.count);
    for (int i = 0; i < g_nclients; i++)
        free_client(g_clients[i]);
    free(g_clients);
    SSL_CTX_free(g_tls);
    return 0;
}

/* --- main --- */

static void usage(void)
{
    fprintf(stderr, "usage: loadgen pubsub|handshakes|idle --port P [--pubs N] [--subs M] "
                    "[--qos 0|1] [--size B] [--seconds S] [--cert C --key K] "
                    "[--concurrency N] [--count N] [--pid PID]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (strcmp(a, "--port") == 0)
            opt.port = atoi(v);
        else if (strcmp(a, "--pubs") == 0)
            opt.pubs = atoi(v);
        else if (strcmp(a, "--subs") == 0)
            opt.subs = atoi(v);
        else if (strcmp(a, "--qos") == 0)
            opt.qos = atoi(v);
        else if (strcmp(a, "--size") == 0)
            opt.size = atoi(v);
        else if (strcmp(a, "--seconds") == 0)
            opt.seconds = atof(v);
        else if (strcmp(a, "--cert") == 0)
            opt.cert = v;
        else if (strcmp(a, "--key") == 0)
            opt.key = v;
        else if (strcmp(a, "--concurrency") == 0)
            opt.concurrency = atoi(v);
        else if (strcmp(a, "--count") == 0)
            opt.count = atoi(v);
        else if (strcmp(a, "--pid") == 0)
            opt.broker_pid = atoi(v);
        else
            usage();
    }
    if (opt.pubs < 1 || opt.subs < 1 || opt.qos < 0 || opt.qos > 1 || opt.size < 1 ||
        opt.size > 1024 || opt.seconds <= 0 || opt.concurrency < 1 || opt.count < 1)
        usage();
}

int main(int argc, char **argv)
{
    if (argc < 2)
        usage();
    parse_args(argc, argv);
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    if (g_ep < 0)
        die("epoll_create1");
    if (strcmp(argv[1], "pubsub") == 0)
        return cmd_pubsub();
    if ((strcmp(argv[1], "handshakes") == 0 || strcmp(argv[1], "idle") == 0) &&
        (!opt.cert || !opt.key))
        usage();
    if (strcmp(argv[1], "handshakes") == 0)
        return cmd_handshakes();
    if (strcmp(argv[1], "idle") == 0)
        return opt.broker_pid > 0 ? cmd_idle() : (usage(), 2);
    usage();
    return 2;
}
