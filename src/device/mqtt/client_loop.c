/* client_loop.c - the receive side of the MQTT client: dispatching each packet from the
 * broker (deliveries, acks, PINGRESP) and the keep-alive timer. */
#include <string.h>

#include "device/mqtt/client_internal.h"

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* MQTT-4.3: QoS 1 is acknowledged after delivery; QoS 2 is delivered once, when its id is
 * first seen, and every copy (DUP resends) gets a PUBREC until PUBREL releases the id. */
static moat_mqtt_client_status on_publish(moat_mqtt_client *c, const moat_mqtt_publish *p)
{
    if (p->qos == 2) {
        if (moat_mqtt_client_incoming_has_(c, p->packet_id))
            return moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBREC, p->packet_id);
        if (!moat_mqtt_client_incoming_add_(c, p->packet_id))
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_INCOMING_FULL);
    }
    if (c->on_publish)
        c->on_publish(c->user, p);
    if (p->qos == 1)
        return moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBACK, p->packet_id);
    if (p->qos == 2)
        return moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBREC, p->packet_id);
    return MOAT_MQTT_CLIENT_OK;
}

static moat_mqtt_client_status on_ack(moat_mqtt_client *c, moat_mqtt_type type, uint16_t id)
{
    moat_mqtt_client_outgoing *r = moat_mqtt_client_find_out_(c, id);
    switch (type) {
    case MOAT_MQTT_PUBACK:
        if (r && r->state == MOAT_MQTT_CLIENT_OUT_AWAIT_PUBACK) {
            moat_mqtt_client_release_bytes_(c, r);
            r->state = MOAT_MQTT_CLIENT_OUT_FREE;
        }
        return MOAT_MQTT_CLIENT_OK;
    case MOAT_MQTT_PUBREC:
        if (!r || r->state == MOAT_MQTT_CLIENT_OUT_AWAIT_PUBACK)
            return MOAT_MQTT_CLIENT_OK; /* not ours (an old session): nothing to release */
        /* After PUBREC the broker owns the message: the PUBLISH bytes are no longer needed,
         * only the id until PUBCOMP (MQTT-4.3.3). A repeated PUBREC gets PUBREL again. */
        moat_mqtt_client_release_bytes_(c, r);
        r->state = MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP;
        return moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBREL, id);
    case MOAT_MQTT_PUBCOMP:
        if (r && r->state == MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP)
            r->state = MOAT_MQTT_CLIENT_OUT_FREE;
        return MOAT_MQTT_CLIENT_OK;
    case MOAT_MQTT_PUBREL:
        moat_mqtt_client_incoming_remove_(c, id);
        return moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBCOMP, id);
    default:
        return MOAT_MQTT_CLIENT_OK;
    }
}

static moat_mqtt_client_status on_suback(moat_mqtt_client *c, const moat_mqtt_packet *pkt)
{
    if (pkt->header.type == MOAT_MQTT_SUBACK) {
        const moat_mqtt_suback *s = &pkt->u.suback;
        if (c->wait_type != MOAT_MQTT_SUBACK || s->packet_id != c->wait_packet_id)
            return MOAT_MQTT_CLIENT_OK; /* an answer to a request we gave up on */
        if (s->count != c->wait_codes_count) /* MQTT-3.8.4-5: one code per filter */
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_PROTOCOL);
        memcpy(c->wait_codes, s->codes, s->count);
    } else if (c->wait_type != MOAT_MQTT_UNSUBACK || pkt->u.packet_id != c->wait_packet_id) {
        return MOAT_MQTT_CLIENT_OK;
    }
    c->wait_done = true;
    return MOAT_MQTT_CLIENT_OK;
}

/* The id of a received packet for the trace: read from the union member its type decoded
 * into; packets without an id (CONNACK, PINGRESP, anything a broker must not send) get 0. */
static uint16_t packet_id_of(const moat_mqtt_packet *pkt)
{
    switch (pkt->header.type) {
    case MOAT_MQTT_PUBLISH:
        return pkt->u.publish.packet_id;
    case MOAT_MQTT_SUBACK:
        return pkt->u.suback.packet_id;
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_UNSUBACK:
        return pkt->u.packet_id;
    default:
        return 0;
    }
}

static moat_mqtt_client_status dispatch(moat_mqtt_client *c, const moat_mqtt_packet *pkt)
{
    if (c->trace) {
        bool dup = pkt->header.type == MOAT_MQTT_PUBLISH && pkt->u.publish.dup;
        moat_mqtt_client_trace_(c, false, pkt->header.type, packet_id_of(pkt), dup);
    }
    switch (pkt->header.type) {
    case MOAT_MQTT_PUBLISH:
        return on_publish(c, &pkt->u.publish);
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
        return on_ack(c, pkt->header.type, pkt->u.packet_id);
    case MOAT_MQTT_SUBACK:
    case MOAT_MQTT_UNSUBACK:
        return on_suback(c, pkt);
    case MOAT_MQTT_PINGRESP:
        c->ping_outstanding = false;
        return MOAT_MQTT_CLIENT_OK;
    default: /* CONNACK after CONNACK, or a packet only clients send */
        return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_PROTOCOL);
    }
}

static moat_mqtt_client_status dispatch_buffered(moat_mqtt_client *c,
                                                 moat_mqtt_client_until_ until)
{
    for (;;) {
        if (until && until(c))
            return MOAT_MQTT_CLIENT_OK;
        moat_mqtt_packet pkt;
        bool complete;
        moat_mqtt_client_status st = moat_mqtt_client_next_packet_(c, &pkt, &complete);
        if (st != MOAT_MQTT_CLIENT_OK || !complete)
            return st;
        st = dispatch(c, &pkt);
        moat_mqtt_client_consume_(c, pkt.header.packet_len);
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
    }
}

/* MQTT-3.1.2-23: the client must send something within every keep-alive interval; PINGREQ
 * when nothing else went out. No PINGRESP in time means the broker (or the path) is dead. */
static moat_mqtt_client_status keep_alive(moat_mqtt_client *c, uint32_t *wait_ms)
{
    *wait_ms = UINT32_MAX;
    if (c->keep_alive_ms == 0)
        return MOAT_MQTT_CLIENT_OK;
    if (c->ping_outstanding) {
        uint32_t since = moat_mqtt_client_elapsed_(c, c->ping_sent_ms);
        if (since >= c->pingresp_timeout_ms)
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_KEEPALIVE_TIMEOUT);
        *wait_ms = c->pingresp_timeout_ms - since;
        return MOAT_MQTT_CLIENT_OK;
    }
    uint32_t idle = moat_mqtt_client_elapsed_(c, c->last_tx_ms);
    if (idle < c->keep_alive_ms) {
        *wait_ms = c->keep_alive_ms - idle;
        return MOAT_MQTT_CLIENT_OK;
    }
    moat_mqtt_client_status st = moat_mqtt_client_send_ack_(c, MOAT_MQTT_PINGREQ, 0);
    if (st != MOAT_MQTT_CLIENT_OK)
        return st;
    c->ping_outstanding = true;
    c->ping_sent_ms = c->now_ms();
    *wait_ms = c->pingresp_timeout_ms;
    return MOAT_MQTT_CLIENT_OK;
}

moat_mqtt_client_status moat_mqtt_client_run_(moat_mqtt_client *c, uint32_t timeout_ms,
                                              moat_mqtt_client_until_ until)
{
    uint32_t start = c->now_ms();
    bool waited = false;
    for (;;) {
        moat_mqtt_client_status st = dispatch_buffered(c, until);
        if (st != MOAT_MQTT_CLIENT_OK || (until && until(c)))
            return st;
        uint32_t ka_wait;
        st = keep_alive(c, &ka_wait);
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
        uint32_t elapsed = moat_mqtt_client_elapsed_(c, start);
        uint32_t remaining = elapsed >= timeout_ms ? 0 : timeout_ms - elapsed;
        if (remaining == 0 && waited)
            return MOAT_MQTT_CLIENT_OK;
        waited = true;
        size_t got;
        st = moat_mqtt_client_recv_some_(c, min_u32(remaining, ka_wait), &got);
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
    }
}

moat_mqtt_client_status moat_mqtt_client_process_loop(moat_mqtt_client *c, uint32_t timeout_ms)
{
    if (!c)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    return moat_mqtt_client_run_(c, timeout_ms, NULL);
}

static bool inflight_low_enough(const moat_mqtt_client *c)
{
    return moat_mqtt_client_inflight(c) <= c->wait_inflight_max;
}

moat_mqtt_client_status moat_mqtt_client_wait_inflight(moat_mqtt_client *c, size_t max_inflight,
                                                       uint32_t timeout_ms)
{
    if (!c)
        return MOAT_MQTT_CLIENT_ERR_ARGUMENT;
    if (moat_mqtt_client_inflight(c) <= max_inflight)
        return MOAT_MQTT_CLIENT_OK;
    if (!c->connected)
        return MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED;
    c->wait_inflight_max = max_inflight;
    moat_mqtt_client_status st = moat_mqtt_client_run_(c, timeout_ms, inflight_low_enough);
    if (st == MOAT_MQTT_CLIENT_OK && !inflight_low_enough(c))
        st = MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT;
    return st;
}
