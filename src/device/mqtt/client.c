/* client.c - the MQTT client's requests: init, CONNECT/CONNACK with session resume, PUBLISH,
 * SUBSCRIBE/UNSUBSCRIBE (blocking for their acks) and DISCONNECT. */
#include <string.h>

#include "device/mqtt/client_internal.h"

moat_mqtt_client_status moat_mqtt_client_init(moat_mqtt_client *c, const moat_transport *transport,
                                              uint32_t (*now_ms)(void),
                                              const moat_mqtt_client_buffers *bufs,
                                              moat_mqtt_client_publish_cb on_publish, void *user)
{
    if (!c || !transport || !transport->send || !transport->recv || !now_ms || !bufs ||
        !bufs->rx || bufs->rx_len < 16 || !bufs->tx || bufs->tx_len < 16 ||
        (bufs->store_len && !bufs->store) || (bufs->outgoing_count && !bufs->outgoing) ||
        (bufs->incoming_count && !bufs->incoming_qos2))
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    memset(c, 0, sizeof *c);
    c->transport = *transport;
    c->now_ms = now_ms;
    c->buf = *bufs;
    c->on_publish = on_publish;
    c->user = user;
    moat_mqtt_client_discard_session_(c);
    return MOAT_MQTT_CLIENT_OK;
}

void moat_mqtt_client_set_trace(moat_mqtt_client *c, moat_mqtt_client_trace_cb trace, void *user)
{
    if (c) {
        c->trace = trace;
        c->trace_user = user;
    }
}

void moat_mqtt_client_set_transport(moat_mqtt_client *c, const moat_transport *transport)
{
    if (c && transport)
        c->transport = *transport;
}

/* MQTT-3.2.0-1: the first packet from the server must be CONNACK. A connection closed (or
 * reset) before it is how AWS IoT refuses a certificate or a policy, so it gets its own
 * status instead of a bare receive failure. */
static moat_mqtt_client_status await_connack(moat_mqtt_client *c, uint32_t timeout_ms,
                                             moat_mqtt_connack *ack)
{
    uint32_t start = c->now_ms();
    for (;;) {
        moat_mqtt_packet pkt;
        bool complete;
        moat_mqtt_client_status st = moat_mqtt_client_next_packet_(c, &pkt, &complete);
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
        if (complete) {
            if (pkt.header.type != MOAT_MQTT_CONNACK)
                return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_PROTOCOL);
            *ack = pkt.u.connack;
            moat_mqtt_client_consume_(c, pkt.header.packet_len);
            moat_mqtt_client_trace_(c, false, MOAT_MQTT_CONNACK, 0, false);
            return MOAT_MQTT_CLIENT_OK;
        }
        uint32_t elapsed = moat_mqtt_client_elapsed_(c, start);
        if (elapsed >= timeout_ms)
            return MOAT_MQTT_CLIENT_ERR_CONNACK_TIMEOUT;
        size_t got;
        st = moat_mqtt_client_recv_some_(c, timeout_ms - elapsed, &got);
        if (st == MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED || st == MOAT_MQTT_CLIENT_ERR_RECV_FAILED)
            return MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK;
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
    }
}

static moat_mqtt_client_status send_connect(moat_mqtt_client *c, const moat_mqtt_connect *info)
{
    size_t n = 0;
    moat_mqtt_status cs = moat_mqtt_encode_connect(c->buf.tx, c->buf.tx_len, info, &n);
    if (cs == MOAT_MQTT_ERR_BUFFER_TOO_SMALL)
        return MOAT_MQTT_CLIENT_ERR_TX_BUFFER_TOO_SMALL;
    if (cs != MOAT_MQTT_OK) {
        c->codec_status = cs;
        return MOAT_MQTT_CLIENT_ERR_ENCODE;
    }
    moat_mqtt_client_status st = moat_mqtt_client_send_all_(c, c->buf.tx, n);
    if (st == MOAT_MQTT_CLIENT_OK)
        moat_mqtt_client_trace_(c, true, MOAT_MQTT_CONNECT, 0, false);
    return st;
}

static uint32_t pingresp_timeout(uint32_t keep_alive_ms)
{
    if (MOAT_MQTT_CLIENT_PINGRESP_TIMEOUT_MS != 0)
        return MOAT_MQTT_CLIENT_PINGRESP_TIMEOUT_MS;
    return keep_alive_ms < MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS ? keep_alive_ms
                                                            : MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS;
}

moat_mqtt_client_status moat_mqtt_client_connect(moat_mqtt_client *c, const moat_mqtt_connect *info,
                                                 uint32_t timeout_ms, bool *session_present)
{
    if (!c || !info)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    c->connected = false;
    c->rx_used = 0;
    c->ping_outstanding = false;
    c->wait_type = 0;
    c->connack_code = 0;
    c->discarded_on_connect = 0;
    c->resent_on_connect = 0;
    if (session_present)
        *session_present = false;
    moat_mqtt_client_status st = send_connect(c, info);
    if (st != MOAT_MQTT_CLIENT_OK)
        return st;
    moat_mqtt_connack ack = {false, 0};
    st = await_connack(c, timeout_ms, &ack);
    if (st != MOAT_MQTT_CLIENT_OK)
        return st;
    c->connack_code = ack.return_code;
    if (ack.return_code != MOAT_MQTT_CONNACK_ACCEPTED)
        return moat_mqtt_client_status_from_connack(ack.return_code);
    if (session_present)
        *session_present = ack.session_present;
    c->connected = true;
    c->keep_alive_ms = (uint32_t)info->keep_alive_s * 1000u;
    c->pingresp_timeout_ms = pingresp_timeout(c->keep_alive_ms);
    c->last_tx_ms = c->now_ms();
    /* MQTT-3.1.2-6 / MQTT-3.2.2-2: state survives only if both sides kept the session. */
    if (info->clean_session || !ack.session_present) {
        c->discarded_on_connect = moat_mqtt_client_discard_session_(c);
        return MOAT_MQTT_CLIENT_OK;
    }
    return moat_mqtt_client_resend_session_(c);
}

/* The codec's verdict on a PUBLISH that publish_size() refused (bad topic, QoS, lengths). */
static moat_mqtt_client_status encode_error(moat_mqtt_client *c, const moat_mqtt_publish *p)
{
    size_t n = 0;
    moat_mqtt_status cs = moat_mqtt_encode_publish_header(c->buf.tx, c->buf.tx_len, p, &n);
    c->codec_status = cs == MOAT_MQTT_OK ? MOAT_MQTT_ERR_TOO_LARGE : cs;
    return MOAT_MQTT_CLIENT_ERR_ENCODE;
}

static moat_mqtt_client_status publish_qos0(moat_mqtt_client *c, const moat_mqtt_publish *p,
                                             size_t size)
{
    size_t n = 0;
    moat_mqtt_status cs;
    if (size <= c->buf.tx_len) { /* one write: one TCP segment for small messages */
        cs = moat_mqtt_encode_publish(c->buf.tx, c->buf.tx_len, p, &n);
        if (cs != MOAT_MQTT_OK)
            return encode_error(c, p);
        return moat_mqtt_client_send_all_(c, c->buf.tx, n);
    }
    cs = moat_mqtt_encode_publish_header(c->buf.tx, c->buf.tx_len, p, &n);
    if (cs == MOAT_MQTT_ERR_BUFFER_TOO_SMALL)
        return MOAT_MQTT_CLIENT_ERR_TX_BUFFER_TOO_SMALL;
    if (cs != MOAT_MQTT_OK)
        return encode_error(c, p);
    moat_mqtt_client_status st = moat_mqtt_client_send_all_(c, c->buf.tx, n);
    if (st != MOAT_MQTT_CLIENT_OK || p->payload_len == 0)
        return st;
    return moat_mqtt_client_send_all_(c, p->payload, p->payload_len);
}

static moat_mqtt_client_status publish_stored(moat_mqtt_client *c, moat_mqtt_publish *p,
                                              size_t size, uint16_t *packet_id)
{
    moat_mqtt_client_outgoing *r = moat_mqtt_client_free_out_(c);
    if (!r)
        return MOAT_MQTT_CLIENT_ERR_INFLIGHT_FULL;
    if (size > c->buf.store_len - c->store_used || size > UINT32_MAX)
        return MOAT_MQTT_CLIENT_ERR_STORE_FULL;
    p->packet_id = moat_mqtt_client_new_packet_id_(c);
    size_t n = 0;
    if (moat_mqtt_encode_publish(c->buf.store + c->store_used, size, p, &n) != MOAT_MQTT_OK)
        return encode_error(c, p);
    r->packet_id = p->packet_id;
    r->state = p->qos == 1 ? MOAT_MQTT_CLIENT_OUT_AWAIT_PUBACK : MOAT_MQTT_CLIENT_OUT_AWAIT_PUBREC;
    r->seq = ++c->next_seq;
    r->offset = (uint32_t)c->store_used;
    r->len = (uint32_t)n;
    c->store_used += n;
    if (packet_id)
        *packet_id = p->packet_id;
    /* If this send fails the record stays: a resumed session resends it with DUP. */
    return moat_mqtt_client_send_all_(c, c->buf.store + r->offset, n);
}

moat_mqtt_client_status moat_mqtt_client_publish(moat_mqtt_client *c, const moat_mqtt_publish *msg,
                                                 uint16_t *packet_id)
{
    if (packet_id)
        *packet_id = 0;
    if (!c || !msg || msg->qos > 2 || (msg->payload_len && !msg->payload))
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    moat_mqtt_publish p = *msg;
    p.dup = false;
    p.packet_id = p.qos ? 1 : 0; /* a placeholder of the right size for publish_size() */
    size_t size = moat_mqtt_publish_size(&p);
    if (size == 0)
        return encode_error(c, &p);
    moat_mqtt_client_status st =
        p.qos == 0 ? publish_qos0(c, &p, size) : publish_stored(c, &p, size, packet_id);
    if (st == MOAT_MQTT_CLIENT_OK)
        moat_mqtt_client_trace_(c, true, MOAT_MQTT_PUBLISH, p.qos ? p.packet_id : 0, false);
    return st;
}

static bool request_done(const moat_mqtt_client *c)
{
    return c->wait_done;
}

static moat_mqtt_client_status request_and_wait(moat_mqtt_client *c, bool subscribe,
                                                const moat_mqtt_sub_entry *filters, size_t count,
                                                uint8_t *codes, uint32_t timeout_ms)
{
    uint16_t id = moat_mqtt_client_new_packet_id_(c);
    size_t n = 0;
    moat_mqtt_status cs =
        subscribe ? moat_mqtt_encode_subscribe(c->buf.tx, c->buf.tx_len, id, filters, count, &n)
                  : moat_mqtt_encode_unsubscribe(c->buf.tx, c->buf.tx_len, id, filters, count, &n);
    if (cs == MOAT_MQTT_ERR_BUFFER_TOO_SMALL)
        return MOAT_MQTT_CLIENT_ERR_TX_BUFFER_TOO_SMALL;
    if (cs != MOAT_MQTT_OK) {
        c->codec_status = cs;
        return MOAT_MQTT_CLIENT_ERR_ENCODE;
    }
    c->wait_type = (uint8_t)(subscribe ? MOAT_MQTT_SUBACK : MOAT_MQTT_UNSUBACK);
    c->wait_packet_id = id;
    c->wait_codes = codes;
    c->wait_codes_count = count;
    c->wait_done = false;
    moat_mqtt_client_status st = moat_mqtt_client_send_all_(c, c->buf.tx, n);
    if (st == MOAT_MQTT_CLIENT_OK) {
        moat_mqtt_client_trace_(c, true, subscribe ? MOAT_MQTT_SUBSCRIBE : MOAT_MQTT_UNSUBSCRIBE,
                                id, false);
        st = moat_mqtt_client_run_(c, timeout_ms, request_done);
    }
    if (st == MOAT_MQTT_CLIENT_OK && !c->wait_done)
        st = MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT;
    c->wait_type = 0;
    c->wait_codes = NULL;
    return st;
}

moat_mqtt_client_status moat_mqtt_client_subscribe(moat_mqtt_client *c,
                                                   const moat_mqtt_sub_entry *filters,
                                                   size_t count, uint8_t *codes,
                                                   uint32_t timeout_ms)
{
    if (!c || !filters || !codes || count == 0 || count > 0xFFFFu)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    return request_and_wait(c, true, filters, count, codes, timeout_ms);
}

moat_mqtt_client_status moat_mqtt_client_unsubscribe(moat_mqtt_client *c,
                                                     const moat_mqtt_sub_entry *filters,
                                                     size_t count, uint32_t timeout_ms)
{
    if (!c || !filters || count == 0 || count > 0xFFFFu)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    return request_and_wait(c, false, filters, count, NULL, timeout_ms);
}

size_t moat_mqtt_client_inflight(const moat_mqtt_client *c)
{
    size_t n = 0;
    for (size_t i = 0; c && i < c->buf.outgoing_count; i++)
        if (c->buf.outgoing[i].state != MOAT_MQTT_CLIENT_OUT_FREE)
            n++;
    return n;
}

moat_mqtt_client_status moat_mqtt_client_disconnect(moat_mqtt_client *c)
{
    if (!c)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    moat_mqtt_client_status st = moat_mqtt_client_send_ack_(c, MOAT_MQTT_DISCONNECT, 0);
    c->connected = false;
    return st;
}
