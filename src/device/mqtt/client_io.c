/* client_io.c - the MQTT client's byte I/O: whole-packet sends over a transport that may take
 * one byte at a time, and reassembly of incoming packets from short reads. */
#include <string.h>

#include "device/mqtt/client_internal.h"

uint32_t moat_mqtt_client_elapsed_(const moat_mqtt_client *c, uint32_t since)
{
    return (uint32_t)(c->now_ms() - since); /* unsigned difference survives clock wrap */
}

void moat_mqtt_client_trace_(moat_mqtt_client *c, bool outgoing, moat_mqtt_type type,
                             uint16_t packet_id, bool dup)
{
    if (c->trace)
        c->trace(c->trace_user, outgoing, (uint8_t)type, packet_id, dup);
}

moat_mqtt_client_status moat_mqtt_client_fail_(moat_mqtt_client *c, moat_mqtt_client_status s)
{
    c->connected = false;
    return s;
}

/* Sends every byte or fails: a packet cut in the middle would corrupt the stream, so a send
 * that stalls for MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS ends the connection. */
moat_mqtt_client_status moat_mqtt_client_send_all_(moat_mqtt_client *c, const uint8_t *data,
                                                   size_t len)
{
    uint32_t start = c->now_ms();
    size_t done = 0;
    while (done < len) {
        uint32_t elapsed = moat_mqtt_client_elapsed_(c, start);
        if (elapsed >= MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS)
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_SEND_TIMEOUT);
        int32_t r = c->transport.send(c->transport.ctx, data + done, len - done,
                                      MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS - elapsed);
        if (r < 0) {
            c->transport_result = r;
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_SEND_FAILED);
        }
        if ((size_t)r > len - done) /* a transport breaking its contract */
            return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_SEND_FAILED);
        done += (size_t)r;
    }
    c->last_tx_ms = c->now_ms();
    return MOAT_MQTT_CLIENT_OK;
}

moat_mqtt_client_status moat_mqtt_client_send_ack_(moat_mqtt_client *c, moat_mqtt_type type,
                                                   uint16_t packet_id)
{
    uint8_t pkt[4];
    size_t n = 0;
    moat_mqtt_status st;
    if (type == MOAT_MQTT_PINGREQ || type == MOAT_MQTT_DISCONNECT)
        st = moat_mqtt_encode_empty(pkt, sizeof pkt, type, &n);
    else
        st = moat_mqtt_encode_ack(pkt, sizeof pkt, type, packet_id, &n);
    if (st != MOAT_MQTT_OK) {
        c->codec_status = st;
        return MOAT_MQTT_CLIENT_ERR_ENCODE;
    }
    moat_mqtt_client_status s = moat_mqtt_client_send_all_(c, pkt, n);
    if (s == MOAT_MQTT_CLIENT_OK)
        moat_mqtt_client_trace_(c, true, type, packet_id, false);
    return s;
}

moat_mqtt_client_status moat_mqtt_client_recv_some_(moat_mqtt_client *c, uint32_t wait_ms,
                                                    size_t *got)
{
    *got = 0;
    size_t room = c->buf.rx_len - c->rx_used;
    if (room == 0) /* next_packet_ already rejected anything that cannot fit */
        return MOAT_MQTT_CLIENT_OK;
    int32_t r = c->transport.recv(c->transport.ctx, c->buf.rx + c->rx_used, room, wait_ms);
    if (r < 0) {
        c->transport_result = r;
        return moat_mqtt_client_fail_(c, r == MOAT_TRANSPORT_CLOSED
                                             ? MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED
                                             : MOAT_MQTT_CLIENT_ERR_RECV_FAILED);
    }
    if ((size_t)r > room)
        return moat_mqtt_client_fail_(c, MOAT_MQTT_CLIENT_ERR_RECV_FAILED);
    c->rx_used += (size_t)r;
    *got = (size_t)r;
    return MOAT_MQTT_CLIENT_OK;
}

moat_mqtt_client_status moat_mqtt_client_next_packet_(moat_mqtt_client *c, moat_mqtt_packet *pkt,
                                                      bool *complete)
{
    *complete = false;
    if (c->rx_used == 0)
        return MOAT_MQTT_CLIENT_OK;
    /* The decoder says NEED_MORE until the whole packet is in, and refuses a packet larger
     * than rx (TOO_LARGE) or with bad header flags as soon as its header is. */
    moat_mqtt_status st = moat_mqtt_decode(c->buf.rx, c->rx_used, c->buf.rx_len, pkt);
    if (st == MOAT_MQTT_NEED_MORE)
        return MOAT_MQTT_CLIENT_OK;
    if (st != MOAT_MQTT_OK) {
        c->codec_status = st;
        return moat_mqtt_client_fail_(c, st == MOAT_MQTT_ERR_TOO_LARGE
                                             ? MOAT_MQTT_CLIENT_ERR_RX_TOO_LARGE
                                             : MOAT_MQTT_CLIENT_ERR_MALFORMED);
    }
    *complete = true;
    return MOAT_MQTT_CLIENT_OK;
}

void moat_mqtt_client_consume_(moat_mqtt_client *c, size_t len)
{
    if (len >= c->rx_used) {
        c->rx_used = 0;
        return;
    }
    memmove(c->buf.rx, c->buf.rx + len, c->rx_used - len);
    c->rx_used -= len;
}
