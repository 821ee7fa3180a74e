/* test_mqtt_client_fake.h - an in-memory scripted transport and a fake clock for the MQTT
 * client tests: the "broker" side is a byte script the test fills with codec-encoded packets,
 * everything the client sends is captured and decoded back for assertions. */
#ifndef TEST_MQTT_CLIENT_FAKE_H
#define TEST_MQTT_CLIENT_FAKE_H

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "moat/mqtt_client.h"

typedef struct {
    uint8_t in[8192];     /* bytes the broker "sends", consumed by recv */
    size_t in_len, in_pos;
    int32_t in_end;       /* what recv returns once `in` is exhausted: 0 (nothing yet),
                             MOAT_TRANSPORT_CLOSED or MOAT_TRANSPORT_FAILED */
    uint8_t out[16384];   /* bytes the client sent */
    size_t out_len;
    size_t recv_chunk;    /* most bytes one recv returns (1 = byte at a time) */
    size_t send_chunk;    /* most bytes one send takes; 0 = the link is stalled */
    uint32_t recv_delay_ms; /* clock advance of a recv that returns data */
    int32_t send_result;  /* if negative, send returns it */
    uint32_t max_recv_timeout;
} fake_net;

static fake_net fnet;
static uint32_t fake_now;

static inline uint32_t fake_now_ms(void)
{
    return fake_now;
}

static inline int32_t fake_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_net *f = ctx;
    if (f->send_result < 0)
        return f->send_result;
    if (f->send_chunk == 0) { /* a stalled link: the whole wait elapses, nothing is taken */
        fake_now += timeout_ms;
        return 0;
    }
    size_t n = len < f->send_chunk ? len : f->send_chunk;
    assert_true(f->out_len + n <= sizeof f->out);
    memcpy(f->out + f->out_len, buf, n);
    f->out_len += n;
    return (int32_t)n;
}

static inline int32_t fake_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fake_net *f = ctx;
    if (timeout_ms > f->max_recv_timeout)
        f->max_recv_timeout = timeout_ms;
    if (f->in_pos == f->in_len) {
        if (f->in_end < 0)
            return f->in_end;
        fake_now += timeout_ms; /* nothing arrives: the whole wait elapses */
        return 0;
    }
    size_t n = f->in_len - f->in_pos;
    if (n > len)
        n = len;
    if (n > f->recv_chunk)
        n = f->recv_chunk;
    memcpy(buf, f->in + f->in_pos, n);
    f->in_pos += n;
    fake_now += f->recv_delay_ms < timeout_ms ? f->recv_delay_ms : timeout_ms;
    return (int32_t)n;
}

/* Client with caller-owned buffers, as an application would declare them. */
typedef struct {
    moat_mqtt_client c;
    uint8_t rx[512], tx[256], store[512];
    moat_mqtt_client_outgoing out[4];
    uint16_t in_qos2[4];
    moat_transport tr;
    /* messages delivered to the callback */
    int delivered;
    char last_topic[64];
    char last_payload[128];
    uint8_t last_qos;
    bool last_retain;
} fake_client;

static inline void on_msg(void *user, const moat_mqtt_publish *m)
{
    fake_client *fc = user;
    fc->delivered++;
    snprintf(fc->last_topic, sizeof fc->last_topic, "%.*s", (int)m->topic.len,
             (const char *)m->topic.data);
    snprintf(fc->last_payload, sizeof fc->last_payload, "%.*s", (int)m->payload_len,
             (const char *)m->payload);
    fc->last_qos = m->qos;
    fc->last_retain = m->retain;
}

static inline void fake_reset(fake_client *fc)
{
    memset(&fnet, 0, sizeof fnet);
    fnet.recv_chunk = 1;
    fnet.send_chunk = 1;
    fake_now = 1000;
    memset(fc, 0, sizeof *fc);
    fc->tr = (moat_transport){.ctx = &fnet, .send = fake_send, .recv = fake_recv};
    moat_mqtt_client_buffers b = {
        .rx = fc->rx, .rx_len = sizeof fc->rx, .tx = fc->tx, .tx_len = sizeof fc->tx,
        .store = fc->store, .store_len = sizeof fc->store,
        .outgoing = fc->out, .outgoing_count = 4,
        .incoming_qos2 = fc->in_qos2, .incoming_count = 4,
    };
    assert_int_equal(moat_mqtt_client_init(&fc->c, &fc->tr, fake_now_ms, &b, on_msg, fc),
                     MOAT_MQTT_CLIENT_OK);
}

/* ---- the broker's side of the script ---- */
static inline void feed_raw(const uint8_t *b, size_t n)
{
    assert_true(fnet.in_len + n <= sizeof fnet.in);
    memcpy(fnet.in + fnet.in_len, b, n);
    fnet.in_len += n;
}

static inline void feed_connack(bool session_present, uint8_t code)
{
    uint8_t b[8];
    size_t n = 0;
    moat_mqtt_connack a = {.session_present = session_present, .return_code = code};
    assert_int_equal(moat_mqtt_encode_connack(b, sizeof b, &a, &n), MOAT_MQTT_OK);
    feed_raw(b, n);
}

static inline void feed_ack(moat_mqtt_type type, uint16_t id)
{
    uint8_t b[8];
    size_t n = 0;
    if (type == MOAT_MQTT_PINGRESP)
        assert_int_equal(moat_mqtt_encode_empty(b, sizeof b, type, &n), MOAT_MQTT_OK);
    else
        assert_int_equal(moat_mqtt_encode_ack(b, sizeof b, type, id, &n), MOAT_MQTT_OK);
    feed_raw(b, n);
}

static inline void feed_publish(const char *topic, const char *payload, uint8_t qos, uint16_t id,
                                bool dup)
{
    uint8_t b[256];
    size_t n = 0;
    moat_mqtt_publish p = {
        .topic = {(const uint8_t *)topic, (uint16_t)strlen(topic)},
        .payload = (const uint8_t *)payload, .payload_len = strlen(payload),
        .packet_id = id, .qos = qos, .dup = dup,
    };
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_OK);
    feed_raw(b, n);
}

/* ---- what the client sent ---- */
/* Decodes the index-th packet the client sent (0 = first). Fails the test if absent. */
static inline moat_mqtt_packet sent_packet(size_t index)
{
    size_t pos = 0;
    moat_mqtt_packet p;
    for (size_t i = 0;; i++) {
        assert_true(pos < fnet.out_len);
        assert_int_equal(moat_mqtt_decode(fnet.out + pos, fnet.out_len - pos, 1u << 20, &p),
                         MOAT_MQTT_OK);
        if (i == index)
            return p;
        pos += p.header.packet_len;
    }
}

static inline size_t sent_count(void)
{
    size_t pos = 0, n = 0;
    moat_mqtt_packet p;
    while (pos < fnet.out_len &&
           moat_mqtt_decode(fnet.out + pos, fnet.out_len - pos, 1u << 20, &p) == MOAT_MQTT_OK) {
        pos += p.header.packet_len;
        n++;
    }
    assert_int_equal(pos, fnet.out_len); /* nothing half-sent or garbled */
    return n;
}

static inline moat_mqtt_connect basic_connect(const char *client_id, uint16_t keep_alive_s,
                                              bool clean)
{
    moat_mqtt_connect c = {
        .client_id = {(const uint8_t *)client_id, (uint16_t)strlen(client_id)},
        .keep_alive_s = keep_alive_s,
        .clean_session = clean,
    };
    return c;
}

/* Connects `fc` with a scripted CONNACK (accepted) and clears the capture. */
static inline void connect_ok(fake_client *fc, uint16_t keep_alive_s, bool clean, bool present)
{
    feed_connack(present, 0);
    moat_mqtt_connect info = basic_connect("dev1", keep_alive_s, clean);
    bool sp = !present;
    assert_int_equal(moat_mqtt_client_connect(&fc->c, &info, 1000, &sp), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(sp, present);
    fnet.out_len = 0;
}

static inline moat_mqtt_publish make_msg(const char *topic, const char *payload, uint8_t qos)
{
    moat_mqtt_publish p = {
        .topic = {(const uint8_t *)topic, (uint16_t)strlen(topic)},
        .payload = (const uint8_t *)payload, .payload_len = strlen(payload), .qos = qos,
    };
    return p;
}

#endif
