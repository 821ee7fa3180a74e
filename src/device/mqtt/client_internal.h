/* device/mqtt/client_internal.h - what the MQTT client's files share: transport I/O, the
 * in-flight store and the packet dispatcher. Not part of the public API. */
#ifndef MOAT_DEVICE_MQTT_CLIENT_INTERNAL_H
#define MOAT_DEVICE_MQTT_CLIENT_INTERNAL_H

#include "moat/mqtt_client.h"

/* client_io.c */
uint32_t moat_mqtt_client_elapsed_(const moat_mqtt_client *c, uint32_t since);
moat_mqtt_client_status moat_mqtt_client_send_all_(moat_mqtt_client *c, const uint8_t *data,
                                                   size_t len);
moat_mqtt_client_status moat_mqtt_client_send_ack_(moat_mqtt_client *c, moat_mqtt_type type,
                                                   uint16_t packet_id);
/* Reads whatever arrives within wait_ms into rx. *got is the number of bytes read. */
moat_mqtt_client_status moat_mqtt_client_recv_some_(moat_mqtt_client *c, uint32_t wait_ms,
                                                    size_t *got);
/* Decodes the packet at the start of rx. *complete is false if more bytes are needed. */
moat_mqtt_client_status moat_mqtt_client_next_packet_(moat_mqtt_client *c, moat_mqtt_packet *pkt,
                                                      bool *complete);
void moat_mqtt_client_consume_(moat_mqtt_client *c, size_t len);
void moat_mqtt_client_trace_(moat_mqtt_client *c, bool outgoing, moat_mqtt_type type,
                             uint16_t packet_id, bool dup);
moat_mqtt_client_status moat_mqtt_client_fail_(moat_mqtt_client *c, moat_mqtt_client_status s);

/* client_state.c */
moat_mqtt_client_outgoing *moat_mqtt_client_find_out_(moat_mqtt_client *c, uint16_t packet_id);
moat_mqtt_client_outgoing *moat_mqtt_client_free_out_(moat_mqtt_client *c);
void moat_mqtt_client_release_bytes_(moat_mqtt_client *c, moat_mqtt_client_outgoing *rec);
uint16_t moat_mqtt_client_new_packet_id_(moat_mqtt_client *c);
bool moat_mqtt_client_incoming_has_(const moat_mqtt_client *c, uint16_t packet_id);
bool moat_mqtt_client_incoming_add_(moat_mqtt_client *c, uint16_t packet_id);
void moat_mqtt_client_incoming_remove_(moat_mqtt_client *c, uint16_t packet_id);
size_t moat_mqtt_client_discard_session_(moat_mqtt_client *c);
moat_mqtt_client_status moat_mqtt_client_resend_session_(moat_mqtt_client *c);

/* client_loop.c */
/* Runs the receive/dispatch/keep-alive loop for at most timeout_ms of waiting; returns early
 * with OK once until(c) is true (until may be NULL: run for the whole time). */
typedef bool (*moat_mqtt_client_until_)(const moat_mqtt_client *c);
moat_mqtt_client_status moat_mqtt_client_run_(moat_mqtt_client *c, uint32_t timeout_ms,
                                              moat_mqtt_client_until_ until);

#endif
