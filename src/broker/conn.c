/* broker/conn.c - one client connection: reading into a growing input buffer, decoding
 * packets, the output queue (refcounted messages, writev batches) and closing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "broker/log.h"
#include "broker/server.h"

#define READ_CHUNK 16384
#define MAX_IOV 64
#define OUT_FREE_MAX 4096

moatd_conn *moatd_conn_new(moatd_server *srv, int fd, const moatd_listener_rt *l,
                           const char *addr)
{
    moatd_conn *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->srv = srv;
    c->fd = fd;
    c->id = ++srv->next_conn_id;
    c->listener = l;
    snprintf(c->addr, sizeof(c->addr), "%s", addr);
    c->accepted_ms = c->last_rx_ms = moatd_now_ms();
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->stats.connections_current++;
    srv->stats.connections_total++;
    return c;
}

static const char *client_name(const moatd_conn *c)
{
    return c->sess ? c->sess->client_id : NULL;
}

void moatd_conn_refuse(moatd_conn *c, const char *event, const char *reason)
{
    moatd_log(MOATD_LOG_WARN, event, "client", client_name(c), "addr", c->addr, "reason",
              reason, NULL);
    moatd_conn_close(c, reason, false);
}

/* ---- output queue ---- */

static moatd_out *out_alloc(moatd_server *srv)
{
    moatd_out *o = srv->out_free;
    if (o) {
        srv->out_free = o->next;
        srv->out_free_n--;
        memset(o, 0, sizeof(*o));
        return o;
    }
    return calloc(1, sizeof(*o));
}

static void out_release(moatd_server *srv, moatd_out *o)
{
    if (o->msg)
        moatd_msg_unref(o->msg);
    free(o->big);
    if (srv->out_free_n < OUT_FREE_MAX) {
        o->next = srv->out_free;
        srv->out_free = o;
        srv->out_free_n++;
    } else {
        free(o);
    }
}

static void want_flush(moatd_conn *c)
{
    if (!c->want_flush && !c->dead) {
        c->want_flush = true;
        c->flush_next = c->srv->flush_list;
        c->srv->flush_list = c;
    }
}

static void out_push(moatd_conn *c, moatd_out *o)
{
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
    c->out_bytes += o->total;
    c->srv->stats.bytes_sent += o->total;
    want_flush(c);
}

bool moatd_conn_send_raw(moatd_conn *c, const uint8_t *p, size_t len)
{
    if (c->dead)
        return true;
    moatd_out *o = out_alloc(c->srv);
    if (o == NULL)
        return false;
    if (len <= sizeof(o->raw)) {
        memcpy(o->raw, p, len);
        o->raw_len = (uint8_t)len;
    } else if ((o->big = malloc(len)) != NULL) {
        memcpy(o->big, p, len);
    } else {
        out_release(c->srv, o);
        return false;
    }
    o->total = len;
    out_push(c, o);
    return true;
}

bool moatd_conn_send_ack(moatd_conn *c, moat_mqtt_type type, uint16_t pid)
{
    uint8_t b[4];
    size_t n;
    moat_mqtt_encode_ack(b, sizeof(b), type, pid, &n);
    return moatd_conn_send_raw(c, b, n);
}

bool moatd_conn_send_publish(moatd_conn *c, moatd_msg *m, uint8_t qos, uint16_t pid,
                             bool retain, bool dup)
{
    if (c->dead)
        return true;
    moatd_out *o = out_alloc(c->srv);
    if (o == NULL)
        return false;
    size_t rem = 2u + m->topic_len + (qos ? 2u : 0u) + m->payload_len;
    uint8_t var[4];
    size_t vn = moat_mqtt_encode_varint((uint32_t)rem, var);
    o->hdr[0] = (uint8_t)(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0));
    memcpy(o->hdr + 1, var, vn);
    o->hdr_len = (uint8_t)(1 + vn);
    if (qos) {
        o->pid[0] = (uint8_t)(pid >> 8);
        o->pid[1] = (uint8_t)pid;
        o->pid_len = 2;
    }
    o->msg = moatd_msg_ref(m);
    o->total = o->hdr_len + rem;
    c->srv->stats.msgs_sent++;
    out_push(c, o);
    return true;
}

/* The pieces of an item as iovecs, skipping the o->sent bytes already written. */
static int out_iov(const moatd_out *o, struct iovec *iov)
{
    struct iovec all[4];
    int n = 0;
    if (o->msg) {
        all[n++] = (struct iovec){(void *)o->hdr, o->hdr_len};
        all[n++] = (struct iovec){(void *)o->msg->topic_enc, 2u + o->msg->topic_len};
        if (o->pid_len)
            all[n++] = (struct iovec){(void *)o->pid, o->pid_len};
        if (o->msg->payload_len)
            all[n++] = (struct iovec){o->msg->payload, o->msg->payload_len};
    } else {
        all[n++] = (struct iovec){o->big ? o->big : (uint8_t *)o->raw, o->total};
    }
    size_t skip = o->sent;
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (skip >= all[i].iov_len) {
            skip -= all[i].iov_len;
            continue;
        }
        iov[k].iov_base = (uint8_t *)all[i].iov_base + skip;
        iov[k].iov_len = all[i].iov_len - skip;
        skip = 0;
        k++;
    }
    return k;
}

/* Marks `n` written bytes as sent, releasing finished items. */
static void out_advance(moatd_conn *c, size_t n)
{
    c->out_bytes -= n;
    while (n > 0 && c->out_head) {
        moatd_out *o = c->out_head;
        size_t left = o->total - o->sent;
        if (n < left) {
            o->sent += n;
            return;
        }
        n -= left;
        c->out_head = o->next;
        if (c->out_head == NULL)
            c->out_tail = NULL;
        out_release(c->srv, o);
    }
}

/* Gathers up to MAX_IOV pieces of queued output. */
static int gather(const moatd_conn *c, struct iovec *iov)
{
    int n = 0;
    for (const moatd_out *o = c->out_head; o && n + 4 <= MAX_IOV; o = o->next)
        n += out_iov(o, iov + n);
    return n;
}

/* Plain TCP: one writev per batch until the socket is full. */
static int flush_plain(moatd_conn *c)
{
    struct iovec iov[MAX_IOV];
    while (c->out_head) {
        int n = gather(c, iov);
        size_t want = 0;
        for (int i = 0; i < n; i++)
            want += iov[i].iov_len;
        ssize_t w = writev(c->fd, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return -1;
        }
        out_advance(c, (size_t)w);
        if ((size_t)w < want)
            return 0; /* the socket buffer is full: another writev would only say EAGAIN */
    }
    return 0;
}

/* TLS: copy a batch into the stage buffer (SSL_write must be retried with the same bytes),
 * so many small packets become one TLS record. */
static int flush_tls(moatd_conn *c)
{
    for (;;) {
        if (c->stage_len == 0) {
            struct iovec iov[MAX_IOV];
            int n = gather(c, iov);
            if (n == 0)
                return 0;
            if (c->stage == NULL && (c->stage = malloc(READ_CHUNK)) == NULL)
                return -1;
            for (int i = 0; i < n && c->stage_len < READ_CHUNK; i++) {
                size_t k = iov[i].iov_len;
                if (k > READ_CHUNK - c->stage_len)
                    k = READ_CHUNK - c->stage_len;
                memcpy(c->stage + c->stage_len, iov[i].iov_base, k);
                c->stage_len += k;
            }
        }
        ssize_t w = moatd_tls_write(c, c->stage, c->stage_len);
        if (w < 0)
            return -1;
        if (w == 0)
            return 0;
        out_advance(c, (size_t)w);
        c->stage_len = 0;
        if (c->out_head == NULL) {
            free(c->stage); /* idle TLS connections keep no write buffer */
            c->stage = NULL;
            return 0;
        }
    }
}

/* Room for k more bytes in mem_buf, bounded by MOATD_MEM_OUT_MAX; returns what fits. */
static size_t mem_room(moatd_conn *c, size_t k)
{
    size_t want = c->mem_len + k;
    if (want > MOATD_MEM_OUT_MAX)
        want = MOATD_MEM_OUT_MAX;
    if (want > c->mem_cap) {
        size_t cap = c->mem_cap ? c->mem_cap : 4096;
        while (cap < want)
            cap *= 2;
        uint8_t *p = realloc(c->mem_buf, cap);
        if (p == NULL)
            return 0;
        c->mem_buf = p;
        c->mem_cap = cap;
    }
    return want - c->mem_len;
}

/* In-memory connections: the output goes to mem_buf (bounded), then is released. */
static void flush_memory(moatd_conn *c)
{
    struct iovec iov[MAX_IOV];
    while (c->out_head) {
        int n = gather(c, iov);
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            size_t k = mem_room(c, iov[i].iov_len);
            if (k)
                memcpy(c->mem_buf + c->mem_len, iov[i].iov_base, k);
            c->mem_len += k;
            total += iov[i].iov_len;
        }
        out_advance(c, total);
    }
}

void moatd_conn_flush(moatd_conn *c)
{
    if (c->dead)
        return;
    if (c->fd < 0) {
        flush_memory(c);
    } else if (c->tls != MOATD_TLS_HANDSHAKE) {
        int rc = c->ssl ? flush_tls(c) : flush_plain(c);
        if (rc < 0) {
            moatd_conn_close(c, "write failed: connection lost", false);
            return;
        }
        bool pending = c->out_head != NULL || c->stage_len > 0;
        int watched = moatd_loop_watched(c->srv->loop, c->fd);
        if (pending && !(watched & MOATD_WRITABLE))
            moatd_loop_watch(c->srv->loop, c->fd, MOATD_WRITABLE, moatd_conn_on_event, c);
        else if (!pending && (watched & MOATD_WRITABLE))
            moatd_loop_unwatch(c->srv->loop, c->fd, MOATD_WRITABLE);
    }
    if (c->close_after_flush && c->out_head == NULL && c->stage_len == 0)
        moatd_conn_close(c, "refused", false);
}

/* ---- input ---- */

static bool grow_in(moatd_conn *c, size_t need)
{
    if (c->in_cap >= need)
        return true;
    size_t cap = c->in_cap ? c->in_cap : READ_CHUNK;
    while (cap < need)
        cap *= 2;
    uint8_t *p = realloc(c->in, cap);
    if (p == NULL)
        return false;
    c->in = p;
    c->in_cap = cap;
    return true;
}

/* Clients send CONNECT first and only once (MQTT-3.1.0-1, -2); servers never receive the
 * server-to-client types. */
static bool dispatch(moatd_conn *c, const moat_mqtt_packet *p)
{
    moat_mqtt_type t = p->header.type;
    if (!c->connected && t != MOAT_MQTT_CONNECT) {
        moatd_conn_refuse(c, "protocol", "first packet is not CONNECT (MQTT-3.1.0-1)");
        return false;
    }
    switch (t) {
    case MOAT_MQTT_CONNECT:
        if (c->connected) {
            moatd_conn_refuse(c, "protocol", "second CONNECT on one connection (MQTT-3.1.0-2)");
            return false;
        }
        return moatd_handle_connect(c, &p->u.connect);
    case MOAT_MQTT_PUBLISH: return moatd_handle_publish(c, &p->u.publish);
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBCOMP: return moatd_handle_puback(c, t, p->u.packet_id);
    case MOAT_MQTT_PUBREL: return moatd_handle_pubrel(c, p->u.packet_id);
    case MOAT_MQTT_SUBSCRIBE: return moatd_handle_subscribe(c, &p->u.subscribe);
    case MOAT_MQTT_UNSUBSCRIBE: return moatd_handle_unsubscribe(c, &p->u.subscribe);
    case MOAT_MQTT_PINGREQ: return moatd_handle_pingreq(c);
    case MOAT_MQTT_DISCONNECT: return moatd_handle_disconnect(c);
    default: {
        char r[96];
        snprintf(r, sizeof(r), "%s is a server-to-client packet", moat_mqtt_type_name(t));
        moatd_conn_refuse(c, "protocol", r);
        return false;
    }
    }
}

static void decode_error(moatd_conn *c, moat_mqtt_status st)
{
    char r[300];
    snprintf(r, sizeof(r), "malformed packet: %s", moat_mqtt_strerror(st));
    moatd_log(MOATD_LOG_WARN, "decode", "client", client_name(c), "addr", c->addr, "error",
              r, NULL);
    moatd_conn_close(c, r, false);
}

/* Handles every complete packet in buf[0..len); returns the bytes consumed, or -1 when the
 * connection was closed. Makes room in c->in for a partial packet's full length. */
static ssize_t process_packets(moatd_conn *c, const uint8_t *buf, size_t len)
{
    size_t off = 0, maxp = c->srv->cfg.max_packet;
    while (!c->dead && off < len) {
        moat_mqtt_packet p;
        moat_mqtt_status st = moat_mqtt_decode(buf + off, len - off, maxp, &p);
        if (st == MOAT_MQTT_NEED_MORE)
            break;
        if (st != MOAT_MQTT_OK) {
            decode_error(c, st);
            return -1;
        }
        off += p.header.packet_len;
        if (!dispatch(c, &p))
            return -1;
    }
    if (off > 0) /* MQTT-3.1.2-24: any control packet resets it; one clock read per batch */
        c->last_rx_ms = moatd_now_ms();
    return c->dead ? -1 : (ssize_t)off;
}

/* Keeps the unconsumed tail of a read (a partial packet) at the start of c->in; `inside`
 * says that tail already points into c->in. */
static bool keep_partial(moatd_conn *c, const uint8_t *tail, size_t n, bool inside)
{
    /* The buffer grows with the bytes that actually arrived, not with the length a header
     * announces: a client claiming a 16 MB packet and sending 10 bytes holds 16 KB. */
    if (inside)
        memmove(c->in, tail, n); /* before a realloc can move the buffer */
    if (!grow_in(c, n)) {
        moatd_conn_close(c, "out of memory for the input buffer", false);
        return false;
    }
    if (!inside)
        memcpy(c->in, tail, n);
    c->in_len = n;
    return true;
}

/* Handles `len` new bytes. Most reads hold whole packets and are handled straight from the
 * read buffer; only a partial packet is copied to the connection's own buffer, so an idle
 * connection holds no input buffer at all. */
static bool take_bytes(moatd_conn *c, const uint8_t *data, size_t len)
{
    c->srv->stats.bytes_received += len;
    if (c->in_len == 0) {
        ssize_t used = process_packets(c, data, len);
        if (used < 0)
            return false;
        if ((size_t)used < len)
            return keep_partial(c, data + used, len - (size_t)used, false);
        if (c->in_cap) {
            free(c->in);
            c->in = NULL;
            c->in_cap = 0;
        }
        return true;
    }
    if (!grow_in(c, c->in_len + len)) {
        moatd_conn_close(c, "out of memory for the input buffer", false);
        return false;
    }
    memcpy(c->in + c->in_len, data, len);
    c->in_len += len;
    ssize_t used = process_packets(c, c->in, c->in_len);
    if (used < 0)
        return false;
    size_t rest = c->in_len - (size_t)used;
    c->in_len = 0;
    if (rest == 0) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
        return true;
    }
    return keep_partial(c, c->in + used, rest, true);
}

bool moatd_conn_input(moatd_conn *c, const uint8_t *data, size_t len)
{
    if (c->dead)
        return false;
    return take_bytes(c, data, len);
}

/* Reads what the socket has into the server's read buffer (bounded per event, so one busy
 * client cannot starve others). */
static void on_readable(moatd_conn *c)
{
    uint8_t *buf = c->srv->rbuf;
    for (int round = 0; round < 16 && !c->dead; round++) {
        ssize_t n;
        if (c->ssl) {
            n = moatd_tls_read(c, buf, MOATD_RBUF_LEN);
        } else {
            n = read(c->fd, buf, MOATD_RBUF_LEN);
            if (n == 0)
                n = -1;
            else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                n = 0;
        }
        if (n < 0) {
            moatd_conn_close(c, "connection lost", false);
            return;
        }
        if (n == 0 || !take_bytes(c, buf, (size_t)n))
            return;
        if (n < MOATD_RBUF_LEN && !(c->ssl && SSL_pending(c->ssl) > 0))
            return; /* the socket is drained */
    }
}

void moatd_conn_on_event(moatd_loop *loop, int fd, void *data, int mask)
{
    moatd_conn *c = data;
    if (c->dead)
        return;
    if (c->tls == MOATD_TLS_HANDSHAKE) {
        if (moatd_tls_handshake(c) <= 0)
            return;
        mask |= MOATD_READABLE; /* data may already sit decrypted in the SSL buffer */
    }
    if (mask & MOATD_READABLE)
        on_readable(c);
    /* Writes happen at the end of the iteration, after the group commit: an ack queued
     * earlier in this iteration must not reach the client before its data is on disk. */
    if (!c->dead && (mask & MOATD_WRITABLE))
        want_flush(c);
}

/* ---- closing ---- */

void moatd_conn_info_fill(const moatd_conn *c, moatd_conn_info *info)
{
    memset(info, 0, sizeof(*info));
    info->conn_id = c->id;
    info->addr = c->addr;
    info->client_id = client_name(c);
    info->listener = c->listener ? c->listener->name : "memory";
    info->tls = c->ssl != NULL;
    info->sni = c->sni;
    info->alpn = c->alpn[0] ? c->alpn : NULL;
    info->peer_verified = c->peer_verified;
    info->auth_data = c->auth_data;
}

static void detach_session(moatd_conn *c)
{
    moatd_session *s = c->sess;
    if (s == NULL || s->conn != c)
        return;
    s->conn = NULL;
    c->srv->stats.clients_connected--;
    if (s->clean) {
        moatd_session_destroy(c->srv, s); /* MQTT-3.1.2-6: state ends with the connection */
    } else {
        s->last_seen = (int64_t)time(NULL);
        if (c->srv->store)
            moatd_persist_check(c->srv, moatd_store_session_put(c->srv->store, s->client_id,
                                                              s->last_seen), "session");
    }
}

void moatd_conn_close(moatd_conn *c, const char *reason, bool clean)
{
    if (c->dead)
        return;
    moatd_server *srv = c->srv;
    if (!clean && c->will)
        moatd_will_publish(c); /* MQTT-3.1.2-8: the will goes out on any abnormal close */
    moatd_will_clear(c);
    c->dead = true;
    if (c->connected)
        moatd_log(MOATD_LOG_INFO, "disconnect", "client", client_name(c), "addr", c->addr,
                  "reason", reason, NULL);
    /* also before CONNECT when the auth layer keeps state, so it can free it */
    if (srv->auth.on_disconnect && (c->connected || c->auth_data)) {
        moatd_conn_info info;
        moatd_conn_info_fill(c, &info);
        srv->auth.on_disconnect(srv->auth.ctx, &info, reason);
    }
    detach_session(c);
    c->sess = NULL;
    if (c->fd >= 0) {
        moatd_loop_unwatch(srv->loop, c->fd, MOATD_READABLE | MOATD_WRITABLE);
        if (c->ssl && c->tls == MOATD_TLS_READY && clean)
            SSL_shutdown(c->ssl);
        close(c->fd);
        c->fd = -1;
    }
    c->dead_next = srv->dead_list;
    srv->dead_list = c;
}

void moatd_conn_free(moatd_conn *c)
{
    moatd_server *srv = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else if (srv->conns == c)
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    while (c->out_head) {
        moatd_out *o = c->out_head;
        c->out_head = o->next;
        out_release(srv, o);
    }
    if (c->ssl)
        SSL_free(c->ssl);
    srv->stats.connections_current--;
    free(c->stage);
    free(c->mem_buf);
    free(c->sni);
    free(c->in);
    free(c);
}
