/* client_state.c - the client's session state: outgoing QoS 1/2 records and their bytes in
 * the resend store, packet ids, and the incoming QoS 2 ids awaiting PUBREL. */
#include <string.h>

#include "device/mqtt/client_internal.h"

moat_mqtt_client_outgoing *moat_mqtt_client_find_out_(moat_mqtt_client *c, uint16_t packet_id)
{
    for (size_t i = 0; i < c->buf.outgoing_count; i++) {
        moat_mqtt_client_outgoing *r = &c->buf.outgoing[i];
        if (r->state != MOAT_MQTT_CLIENT_OUT_FREE && r->packet_id == packet_id)
            return r;
    }
    return NULL;
}

moat_mqtt_client_outgoing *moat_mqtt_client_free_out_(moat_mqtt_client *c)
{
    for (size_t i = 0; i < c->buf.outgoing_count; i++)
        if (c->buf.outgoing[i].state == MOAT_MQTT_CLIENT_OUT_FREE)
            return &c->buf.outgoing[i];
    return NULL;
}

/* The store is kept compact: records' bytes lie back to back from offset 0, so freeing one
 * moves the bytes after it down and the free space is always one block at the end. */
void moat_mqtt_client_release_bytes_(moat_mqtt_client *c, moat_mqtt_client_outgoing *rec)
{
    if (rec->len == 0)
        return;
    uint32_t off = rec->offset, len = rec->len;
    memmove(c->buf.store + off, c->buf.store + off + len, c->store_used - off - len);
    c->store_used -= len;
    for (size_t i = 0; i < c->buf.outgoing_count; i++) {
        moat_mqtt_client_outgoing *r = &c->buf.outgoing[i];
        if (r != rec && r->state != MOAT_MQTT_CLIENT_OUT_FREE && r->len > 0 && r->offset > off)
            r->offset -= len;
    }
    rec->len = 0;
    rec->offset = 0;
}

static bool id_in_use(const moat_mqtt_client *c, uint16_t id)
{
    if (c->wait_type != 0 && c->wait_packet_id == id)
        return true;
    for (size_t i = 0; i < c->buf.outgoing_count; i++)
        if (c->buf.outgoing[i].state != MOAT_MQTT_CLIENT_OUT_FREE &&
            c->buf.outgoing[i].packet_id == id)
            return true;
    return false;
}

/* Ids are never 0 (MQTT-2.3.1-1) and never one still in flight (MQTT-2.3.1-2). */
uint16_t moat_mqtt_client_new_packet_id_(moat_mqtt_client *c)
{
    for (;;) {
        c->next_packet_id = (uint16_t)(c->next_packet_id + 1u);
        if (c->next_packet_id != 0 && !id_in_use(c, c->next_packet_id))
            return c->next_packet_id;
    }
}

bool moat_mqtt_client_incoming_has_(const moat_mqtt_client *c, uint16_t packet_id)
{
    for (size_t i = 0; i < c->incoming_used; i++)
        if (c->buf.incoming_qos2[i] == packet_id)
            return true;
    return false;
}

static void incoming_drop_at(moat_mqtt_client *c, size_t i)
{
    memmove(&c->buf.incoming_qos2[i], &c->buf.incoming_qos2[i + 1],
            (c->incoming_used - i - 1) * sizeof c->buf.incoming_qos2[0]);
    c->incoming_used--;
}

/* Appends (the list stays oldest first); a full list drops its oldest id, see the header. */
bool moat_mqtt_client_incoming_add_(moat_mqtt_client *c, uint16_t packet_id)
{
    if (c->buf.incoming_count == 0)
        return false;
    if (c->incoming_used == c->buf.incoming_count) {
        incoming_drop_at(c, 0);
        c->incoming_evicted++;
    }
    c->buf.incoming_qos2[c->incoming_used++] = packet_id;
    return true;
}

void moat_mqtt_client_incoming_remove_(moat_mqtt_client *c, uint16_t packet_id)
{
    for (size_t i = 0; i < c->incoming_used; i++) {
        if (c->buf.incoming_qos2[i] == packet_id) {
            incoming_drop_at(c, i);
            return;
        }
    }
}

size_t moat_mqtt_client_discard_session_(moat_mqtt_client *c)
{
    size_t dropped = 0;
    for (size_t i = 0; i < c->buf.outgoing_count; i++) {
        if (c->buf.outgoing[i].state != MOAT_MQTT_CLIENT_OUT_FREE)
            dropped++;
        memset(&c->buf.outgoing[i], 0, sizeof c->buf.outgoing[i]);
    }
    c->incoming_used = 0;
    c->store_used = 0;
    return dropped;
}

static moat_mqtt_client_outgoing *oldest_after(moat_mqtt_client *c, uint32_t seq, bool first)
{
    moat_mqtt_client_outgoing *best = NULL;
    for (size_t i = 0; i < c->buf.outgoing_count; i++) {
        moat_mqtt_client_outgoing *r = &c->buf.outgoing[i];
        if (r->state == MOAT_MQTT_CLIENT_OUT_FREE || (!first && r->seq <= seq))
            continue;
        if (!best || r->seq < best->seq)
            best = r;
    }
    return best;
}

/* MQTT-4.4.0-1: on a resumed session, resend unacknowledged PUBLISH (DUP set, MQTT-3.3.1-1)
 * and PUBREL packets, in their original order (MQTT-4.6.0-1). */
moat_mqtt_client_status moat_mqtt_client_resend_session_(moat_mqtt_client *c)
{
    c->resent_on_connect = 0;
    uint32_t seq = 0;
    bool first = true;
    moat_mqtt_client_outgoing *r;
    while ((r = oldest_after(c, seq, first)) != NULL) {
        first = false;
        seq = r->seq;
        moat_mqtt_client_status st;
        if (r->state == MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP) {
            st = moat_mqtt_client_send_ack_(c, MOAT_MQTT_PUBREL, r->packet_id);
        } else {
            c->buf.store[r->offset] |= 0x08u; /* DUP flag of the fixed header */
            st = moat_mqtt_client_send_all_(c, c->buf.store + r->offset, r->len);
            if (st == MOAT_MQTT_CLIENT_OK)
                moat_mqtt_client_trace_(c, true, MOAT_MQTT_PUBLISH, r->packet_id, true);
        }
        if (st != MOAT_MQTT_CLIENT_OK)
            return st;
        c->resent_on_connect++;
    }
    return MOAT_MQTT_CLIENT_OK;
}
