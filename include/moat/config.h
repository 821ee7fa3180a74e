/* moat/config.h - compile-time configuration of libmoat, every tunable with its default.
 *
 * Override any value by defining it before this header is included, or by passing
 * -DMOAT_CONFIG_FILE="my_moat_config.h": that file is included first.
 */
#ifndef MOAT_CONFIG_H
#define MOAT_CONFIG_H

#ifdef MOAT_CONFIG_FILE
#include MOAT_CONFIG_FILE
#endif

/* 1: status codes come with long explanations (cause and fix) from the *_explain()
 * functions. 0: the explanation functions return the short name only, which saves flash on
 * the smallest MCUs. On by default; the footprint benchmark reports both. */
#ifndef MOAT_CONFIG_EXPLAIN
#define MOAT_CONFIG_EXPLAIN 1
#endif

/* Largest MQTT packet the codec accepts by default (AWS IoT: 128 KiB payload + headers). */
#ifndef MOAT_MQTT_MAX_PACKET_DEFAULT
#define MOAT_MQTT_MAX_PACKET_DEFAULT (128u * 1024u + 1024u)
#endif

/* How many QoS 1/2 packets the client keeps in flight (outgoing and incoming each). */
#ifndef MOAT_MQTT_CLIENT_MAX_INFLIGHT
#define MOAT_MQTT_CLIENT_MAX_INFLIGHT 8u
#endif

/* How long the client waits for CONNACK, SUBACK, PINGRESP etc., in milliseconds. */
#ifndef MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS
#define MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS 5000u
#endif

/* Timeout of one transport send call made by the client, in milliseconds. */
#ifndef MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS
#define MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS 5000u
#endif

#endif
