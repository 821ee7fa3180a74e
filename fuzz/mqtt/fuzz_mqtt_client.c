/* fuzz_mqtt_client.c - libFuzzer target for the MQTT client's receive path: the input is what
 * a broker sends, cut into chunks; the client connects, subscribes, publishes and loops.
 *
 * Input: 8 header bytes, then the broker's byte stream.
 *   [0] flags: bit 0 clean session on the first connect; bits 1-2 keep-alive 0/1/5/60 s;
 *       bits 3-4 what recv returns once the stream is used up (closed, failed, nothing
 *       forever, closed); bit 5 the callback publishes back; bits 6-7 clock start (0, just
 *       before the 32-bit wrap, mid-range, 1 ms before the wrap)
 *   [1] buffers: bits 0-1 rx 16/24/64/300 bytes; bits 2-3 store 0/40/128/1024 bytes;
 *       bits 4-5 outgoing records 0/1/2/8; bits 6-7 incoming QoS 2 ids 0/1/2/8
 *   [2] bits 0-1 most bytes one send takes (all/1/3/all); bit 2 the 29th send fails (or
 *       stalls, see [7]) and the connection stays broken;
 *       bits 4-7 clock advance per received chunk (index into a table, 0..60 s)
 *   [3..6] eight nibbles, one per recv in turn (then again with each byte's two swapped):
 *       0 = nothing arrives (the whole wait passes on the clock), 1..14 = at most that many
 *       bytes, 15 = as many as asked
 *   [7] bit 0 a packet trace callback is installed; bit 1 the faulty send stalls (takes
 *       nothing for the whole wait) instead of failing
 * The client's buffers are allocated at their exact sizes so ASan sees any over-read; every
 * byte it sends is reassembled and must decode as a packet a client may send; transport
 * calls are counted so a loop that never ends (or never waits) is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/mqtt_client.h"
#include "moat/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mqtt_client: check failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define HEADER_LEN 8u
#define OUT_CAP 8192u
#define TX_LEN 256u
/* Waits that return nothing: each one passes a whole timeout on the clock, so the client's
 * own timeouts end every call after a handful of them. Far more means a loop that spins. */
#define MAX_EMPTY_RECVS 4000u
/* Every send answers something in the input or an API call of ours (even one byte at a
 * time, an echoed message is under 64 sends); far more means the client sends in a loop. */
#define MAX_SENDS(in_len) (20000u + 64u * (in_len))

typedef struct {
    const uint8_t *in; /* the broker's stream (an exact-size heap copy) */
    size_t in_len, in_pos;
    int32_t at_end; /* recv result once the stream is used up */
    uint8_t schedule[8];
    size_t turn;
    uint32_t step_ms;  /* clock advance per received chunk */
    size_t send_chunk; /* 0 = all */
    bool send_faults;
    bool stall;  /* the faulty send takes nothing for its whole wait instead of failing */
    bool broken; /* a send failed: like a real socket, this connection stays dead */
    size_t sends, empty_recvs, data_recvs;
    uint8_t out[OUT_CAP]; /* bytes the client sent since its last connect(), reassembled */
    size_t out_len;
    bool out_saw_connect;
} fz_net;

static uint32_t g_now;
static moat_mqtt_client *g_client;
static bool g_echo;
static const uint8_t *g_rx_lo, *g_rx_hi;

static uint32_t fz_now(void)
{
    return g_now;
}

/* A client sends only these (MQTT-2.2.1, table 2.1 directions). */
static bool client_may_send(moat_mqtt_type t)
{
    switch (t) {
    case MOAT_MQTT_CONNECT:
    case MOAT_MQTT_PUBLISH:
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_SUBSCRIBE:
    case MOAT_MQTT_UNSUBSCRIBE:
    case MOAT_MQTT_PINGREQ:
    case MOAT_MQTT_DISCONNECT:
        return true;
    default:
        return false;
    }
}

/* Decodes every whole packet the client has sent so far. A packet larger than the scratch
 * buffer (a QoS 0 payload sent straight from the caller) is not checked; ours stay small. */
static void check_sent(fz_net *n)
{
    for (;;) {
        moat_mqtt_header h;
        moat_mqtt_status st = moat_mqtt_peek_header(n->out, n->out_len, 0, &h);
        if (st == MOAT_MQTT_NEED_MORE)
            return;
        CHECK(st == MOAT_MQTT_OK);
        if (h.packet_len > n->out_len) {
            CHECK(h.packet_len <= OUT_CAP);
            return;
        }
        moat_mqtt_packet p;
        CHECK(moat_mqtt_decode(n->out, n->out_len, 0, &p) == MOAT_MQTT_OK);
        CHECK(client_may_send(p.header.type));
        CHECK((p.header.type == MOAT_MQTT_CONNECT) == !n->out_saw_connect);
        n->out_saw_connect = true;
        memmove(n->out, n->out + h.packet_len, n->out_len - h.packet_len);
        n->out_len -= h.packet_len;
    }
}

static int32_t fz_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fz_net *n = ctx;
    CHECK(len > 0);
    n->sends++;
    CHECK(n->sends <= MAX_SENDS(n->in_len));
    if (n->broken || (n->send_faults && n->sends % 29 == 0)) {
        bool first = !n->broken;
        n->broken = true;
        if (first && n->stall) {
            g_now += timeout_ms;
            return 0;
        }
        return MOAT_TRANSPORT_FAILED;
    }
    size_t take = n->send_chunk && n->send_chunk < len ? n->send_chunk : len;
    CHECK(n->out_len + take <= OUT_CAP);
    memcpy(n->out + n->out_len, buf, take);
    n->out_len += take;
    check_sent(n);
    return (int32_t)take;
}

static int32_t fz_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fz_net *n = ctx;
    CHECK(len > 0);
    if (n->broken)
        return MOAT_TRANSPORT_FAILED;
    if (n->in_pos == n->in_len) {
        if (n->at_end < 0)
            return n->at_end;
        n->empty_recvs++;
        CHECK(n->empty_recvs <= MAX_EMPTY_RECVS);
        g_now += timeout_ms;
        return 0;
    }
    uint8_t b = n->schedule[n->turn / 2 % 8];
    uint8_t nib = (uint8_t)(n->turn % 2 ? b >> 4 : b & 0x0F);
    n->turn++;
    if (nib == 0) {
        n->empty_recvs++;
        CHECK(n->empty_recvs <= MAX_EMPTY_RECVS);
        g_now += timeout_ms;
        return 0;
    }
    size_t want = nib == 15 ? len : nib;
    size_t left = n->in_len - n->in_pos;
    size_t k = want < len ? want : len;
    k = k < left ? k : left;
    memcpy(buf, n->in + n->in_pos, k);
    n->in_pos += k;
    n->data_recvs++;
    g_now += n->step_ms;
    return (int32_t)k;
}

static bool inside_rx(const uint8_t *p, size_t len)
{
    return len == 0 || (p >= g_rx_lo && p + len <= g_rx_hi);
}

static void on_publish(void *user, const moat_mqtt_publish *msg)
{
    (void)user;
    CHECK(msg->qos <= 2);
    CHECK((msg->qos == 0) == (msg->packet_id == 0));
    CHECK(inside_rx(msg->topic.data, msg->topic.len));
    CHECK(inside_rx(msg->payload, msg->payload_len));
    CHECK(moat_mqtt_validate_topic_name(msg->topic.data, msg->topic.len) == MOAT_MQTT_OK);
    if (g_echo) { /* the one call the callback may make; any status is acceptable here */
        moat_mqtt_publish back = {.topic = {(const uint8_t *)"echo", 4},
                                  .payload = msg->payload,
                                  .payload_len = msg->payload_len < 32 ? msg->payload_len : 32,
                                  .qos = 1};
        (void)moat_mqtt_client_publish(g_client, &back, NULL);
    }
}

static void on_trace(void *user, bool outgoing, uint8_t type, uint16_t packet_id, bool dup)
{
    (void)user;
    CHECK(type >= MOAT_MQTT_CONNECT && type <= MOAT_MQTT_DISCONNECT);
    CHECK(!outgoing || client_may_send((moat_mqtt_type)type));
    CHECK(!dup || type == MOAT_MQTT_PUBLISH);
    bool has_id = type >= MOAT_MQTT_PUBACK && type <= MOAT_MQTT_UNSUBACK;
    CHECK(has_id || type == MOAT_MQTT_PUBLISH || packet_id == 0);
}

/* What every call must leave true, whatever the broker sent. */
static void check_state(const moat_mqtt_client *c, moat_mqtt_client_status st)
{
    CHECK((unsigned)st < MOAT_MQTT_CLIENT_STATUS_COUNT_);
    CHECK(moat_mqtt_client_strerror(st) != NULL && moat_mqtt_client_explain(st) != NULL);
    CHECK(c->rx_used <= c->buf.rx_len);
    CHECK(c->store_used <= c->buf.store_len);
    CHECK(c->incoming_used <= c->buf.incoming_count);
    CHECK(moat_mqtt_client_inflight(c) <= c->buf.outgoing_count);
    size_t stored = 0;
    for (size_t i = 0; i < c->buf.outgoing_count; i++) {
        const moat_mqtt_client_outgoing *r = &c->buf.outgoing[i];
        if (r->state == MOAT_MQTT_CLIENT_OUT_FREE)
            continue;
        CHECK(r->packet_id != 0);
        CHECK(r->state <= MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP);
        CHECK((r->state == MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP) == (r->len == 0));
        CHECK((size_t)r->offset + r->len <= c->store_used);
        stored += r->len;
    }
    CHECK(stored == c->store_used); /* the store is compact: no lost or leaked bytes */
}

static const moat_mqtt_sub_entry k_filters[2] = {
    {{(const uint8_t *)"a/#", 3}, 1},
    {{(const uint8_t *)"b/+/c", 5}, 2},
};

static void publish_some(moat_mqtt_client *c)
{
    static const uint8_t payload[] = "hello";
    for (uint8_t qos = 1; qos <= 3; qos++) {
        moat_mqtt_publish m = {.topic = {(const uint8_t *)"t/1", 3},
                               .payload = payload,
                               .payload_len = 5,
                               .qos = (uint8_t)(qos % 3)}; /* QoS 1, 2, then 0 */
        uint16_t id = 0xFFFF;
        moat_mqtt_client_status st = moat_mqtt_client_publish(c, &m, &id);
        check_state(c, st);
        CHECK(st != MOAT_MQTT_CLIENT_OK || (id == 0) == (m.qos == 0));
    }
}

/* One connection: connect, subscribe, publish, loop, flush, unsubscribe, disconnect. */
static void one_connection(moat_mqtt_client *c, fz_net *n, bool clean, uint16_t keep_alive_s)
{
    moat_mqtt_connect info = {.client_id = {(const uint8_t *)"fuzz-dev", 8},
                              .keep_alive_s = keep_alive_s,
                              .clean_session = clean};
    n->out_len = 0; /* a new connection: the next packet sent must be CONNECT */
    n->out_saw_connect = false;
    n->broken = false;
    bool present = false;
    moat_mqtt_client_status st = moat_mqtt_client_connect(c, &info, 5000, &present);
    check_state(c, st);
    CHECK(st != MOAT_MQTT_CLIENT_OK || c->connected);
    if (st != MOAT_MQTT_CLIENT_OK)
        return;
    uint8_t codes[2] = {0xEE, 0xEE};
    st = moat_mqtt_client_subscribe(c, k_filters, 2, codes, 3000);
    check_state(c, st);
    for (size_t i = 0; st == MOAT_MQTT_CLIENT_OK && i < 2; i++)
        CHECK(codes[i] <= 2 || codes[i] == MOAT_MQTT_SUBACK_FAILURE);
    publish_some(c);
    for (int i = 0; i < 3 && c->connected; i++)
        check_state(c, moat_mqtt_client_process_loop(c, i == 0 ? 0 : 2000));
    check_state(c, moat_mqtt_client_wait_inflight(c, 0, 2000));
    if (c->connected)
        check_state(c, moat_mqtt_client_unsubscribe(c, k_filters, 1, 1000));
    if (c->connected)
        check_state(c, moat_mqtt_client_process_loop(c, 500));
    if (c->connected)
        check_state(c, moat_mqtt_client_disconnect(c));
}

static void setup_net(fz_net *n, const uint8_t *h)
{
    static const int32_t ends[4] = {MOAT_TRANSPORT_CLOSED, MOAT_TRANSPORT_FAILED, 0,
                                    MOAT_TRANSPORT_CLOSED};
    static const uint32_t steps[16] = {0,   0,    1,    1,    10,   10,    100,   250,
                                       500, 1000, 2000, 4999, 5000, 30000, 59999, 60000};
    static const size_t chunks[4] = {0, 1, 3, 0};
    n->at_end = ends[(h[0] >> 3) & 3];
    n->send_chunk = chunks[h[2] & 3];
    n->send_faults = (h[2] & 0x04) != 0;
    n->stall = (h[7] & 0x02) != 0;
    n->step_ms = steps[h[2] >> 4];
    memcpy(n->schedule, h + 3, 4);
    memcpy(n->schedule + 4, h + 3, 4);
    for (size_t i = 4; i < 8; i++) /* the second half of the cycle uses the nibbles swapped */
        n->schedule[i] = (uint8_t)((n->schedule[i] << 4) | (n->schedule[i] >> 4));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < HEADER_LEN)
        return 0;
    static const size_t rx_sizes[4] = {16, 24, 64, 300};
    static const size_t store_sizes[4] = {0, 40, 128, 1024};
    static const size_t counts[4] = {0, 1, 2, 8};
    static const uint16_t keep_alives[4] = {0, 1, 5, 60};
    static const uint32_t clock_starts[4] = {0, 0xFFFFF000u, 0x7FFFFFFFu, 0xFFFFFFFFu};
    const uint8_t *h = data;
    fz_net *n = calloc(1, sizeof *n);
    size_t in_len = size - HEADER_LEN;
    uint8_t *in = malloc(in_len ? in_len : 1);
    size_t rx_len = rx_sizes[h[1] & 3], store_len = store_sizes[(h[1] >> 2) & 3];
    size_t out_count = counts[(h[1] >> 4) & 3], inc_count = counts[h[1] >> 6];
    uint8_t *rx = malloc(rx_len), *tx = malloc(TX_LEN), *store = malloc(store_len ? store_len : 1);
    moat_mqtt_client_outgoing *outgoing = calloc(out_count ? out_count : 1, sizeof *outgoing);
    uint16_t *incoming = calloc(inc_count ? inc_count : 1, sizeof *incoming);
    moat_mqtt_client *c = malloc(sizeof *c);
    CHECK(n && in && rx && tx && store && outgoing && incoming && c);
    memcpy(in, data + HEADER_LEN, in_len);
    n->in = in;
    n->in_len = in_len;
    setup_net(n, h);
    g_now = clock_starts[h[0] >> 6];
    g_client = c;
    g_echo = (h[0] & 0x20) != 0;
    g_rx_lo = rx;
    g_rx_hi = rx + rx_len;

    moat_transport t = {n, fz_send, fz_recv};
    moat_mqtt_client_buffers b = {
        rx,        rx_len,   tx,        TX_LEN,   store_len ? store : NULL,
        store_len, outgoing, out_count, incoming, inc_count};
    CHECK(moat_mqtt_client_init(c, &t, fz_now, &b, on_publish, NULL) == MOAT_MQTT_CLIENT_OK);
    if (h[7] & 0x01)
        moat_mqtt_client_set_trace(c, on_trace, NULL);
    /* Up to four connections over the one stream: the later ones resume the session (clean
     * session off), so leftover in-flight state is resent, as after a real reconnect. */
    bool clean = (h[0] & 1) != 0;
    uint16_t ka = keep_alives[(h[0] >> 1) & 3];
    for (int round = 0; round < 4; round++) {
        size_t before = n->in_pos;
        one_connection(c, n, round == 0 ? clean : false, ka);
        if (n->in_pos == before) /* this connection read nothing: neither will the next */
            break;
    }
    CHECK(n->data_recvs <= in_len);

    free(c);
    free(incoming);
    free(outgoing);
    free(store);
    free(tx);
    free(rx);
    free(in);
    free(n);
    return 0;
}
