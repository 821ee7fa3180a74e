/* moat/mqtt_client.h - MQTT 3.1.1 client state machine for devices: CONNECT, PUBLISH QoS 0/1/2
 * both ways, SUBSCRIBE/UNSUBSCRIBE, keep-alive, persistent-session resume.
 *
 * No allocation, no OS headers. The caller allocates the context and every buffer, and gives
 * a transport ({ctx, send, recv}, moat/transport.h) and a millisecond clock. Every packet is
 * encoded and decoded by the shared codec (moat/mqtt_codec.h).
 *
 * Buffers the caller provides (moat_mqtt_client_buffers):
 *   rx       holds one incoming packet; its size is the largest packet the client accepts.
 *   tx       holds one outgoing QoS 0 PUBLISH, SUBSCRIBE or UNSUBSCRIBE. A QoS 0 PUBLISH
 *            bigger than tx is still sent (header from tx, payload straight from the caller).
 *   store    keeps the encoded bytes of every outgoing QoS 1/2 PUBLISH until the broker
 *            acknowledges it, so the client can resend it (with DUP) after a reconnect even if
 *            the application has reused its payload memory. This is why publish() copies
 *            QoS 1/2 messages: the application never has to keep a payload alive.
 *   outgoing one record per outgoing QoS 1/2 message in flight (sizes the send window).
 *   incoming_qos2  packet ids of incoming QoS 2 messages delivered and PUBREC'd but not yet
 *            released (PUBREL), oldest first; this is what makes QoS 2 delivery exactly-once.
 *            When it is full the oldest id is dropped (incoming_evicted counts it). That is
 *            safe when it holds at least as many ids as the broker's in-flight window: with
 *            its window full, a broker sends a new message only after our PUBREC for an older
 *            one arrived (mosquitto frees a slot at PUBREC; its window is
 *            max_inflight_messages, default 20), so the oldest ids are ones the broker will
 *            never send again, only release.
 *
 * Threading: one thread at a time per context. The publish callback may call
 * moat_mqtt_client_publish(), nothing else of this API.
 *
 * Typical use:
 *     moat_mqtt_client_init(&c, &transport, now_ms, &bufs, on_publish, app);
 *     moat_mqtt_client_connect(&c, &connect_info, 5000, &session_present);
 *     moat_mqtt_client_subscribe(&c, filters, 2, codes, 5000);
 *     for (;;) if (moat_mqtt_client_process_loop(&c, 100) != MOAT_MQTT_CLIENT_OK) reconnect;
 */
#ifndef MOAT_MQTT_CLIENT_H
#define MOAT_MQTT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/config.h"
#include "moat/mqtt_codec.h"
#include "moat/transport.h"

/* How long the client waits for PINGRESP after a PINGREQ before it declares the broker dead.
 * 0 means: the keep-alive interval itself, capped at MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS. */
#ifndef MOAT_MQTT_CLIENT_PINGRESP_TIMEOUT_MS
#define MOAT_MQTT_CLIENT_PINGRESP_TIMEOUT_MS 0u
#endif

typedef enum {
    MOAT_MQTT_CLIENT_OK = 0,
    MOAT_MQTT_CLIENT_ERR_ARGUMENT,         /* NULL pointer, QoS > 2, empty filter list... */
    MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED,    /* call connect() first (or again after an error) */
    MOAT_MQTT_CLIENT_ERR_ENCODE,           /* the codec refused the packet (bad topic, bad
                                              UTF-8, string too long); codec_status says why */
    MOAT_MQTT_CLIENT_ERR_TX_BUFFER_TOO_SMALL, /* the tx buffer cannot hold the packet */
    MOAT_MQTT_CLIENT_ERR_STORE_FULL,       /* no room left in the resend store: process acks
                                              (process_loop) or give a bigger store */
    MOAT_MQTT_CLIENT_ERR_INFLIGHT_FULL,    /* every outgoing record is in use: process acks
                                              (process_loop) or give more records */
    MOAT_MQTT_CLIENT_ERR_SEND_FAILED,      /* the transport could not send (connection lost) */
    MOAT_MQTT_CLIENT_ERR_SEND_TIMEOUT,     /* the transport took no bytes for the send timeout */
    MOAT_MQTT_CLIENT_ERR_RECV_FAILED,      /* the transport failed while receiving */
    MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED,/* the broker closed the connection */
    MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK, /* closed right after CONNECT, no CONNACK */
    MOAT_MQTT_CLIENT_ERR_CONNACK_TIMEOUT,  /* no CONNACK within the connect timeout */
    MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_PROTOCOL_VERSION, /* CONNACK 1 */
    MOAT_MQTT_CLIENT_ERR_CONNACK_IDENTIFIER_REJECTED,  /* CONNACK 2 */
    MOAT_MQTT_CLIENT_ERR_CONNACK_SERVER_UNAVAILABLE,   /* CONNACK 3 */
    MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_USERNAME_OR_PASSWORD, /* CONNACK 4 */
    MOAT_MQTT_CLIENT_ERR_CONNACK_NOT_AUTHORIZED,       /* CONNACK 5 */
    MOAT_MQTT_CLIENT_ERR_RX_TOO_LARGE,     /* an incoming packet is bigger than the rx buffer */
    MOAT_MQTT_CLIENT_ERR_MALFORMED,        /* the broker sent bytes the codec rejects;
                                              codec_status says why */
    MOAT_MQTT_CLIENT_ERR_PROTOCOL,         /* a packet a broker must not send now (e.g. a
                                              CONNACK after CONNACK, SUBSCRIBE) */
    MOAT_MQTT_CLIENT_ERR_INCOMING_FULL,    /* a QoS 2 message arrived but there are no
                                              incoming_qos2 records at all */
    MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT,      /* no SUBACK/UNSUBACK within the timeout */
    MOAT_MQTT_CLIENT_ERR_KEEPALIVE_TIMEOUT,/* no PINGRESP: the broker or the network is dead */
    MOAT_MQTT_CLIENT_STATUS_COUNT_         /* not a status: the number of them */
} moat_mqtt_client_status;

/* State of one outgoing QoS 1/2 message. */
typedef enum {
    MOAT_MQTT_CLIENT_OUT_FREE = 0,
    MOAT_MQTT_CLIENT_OUT_AWAIT_PUBACK,  /* QoS 1 PUBLISH sent, bytes in the store */
    MOAT_MQTT_CLIENT_OUT_AWAIT_PUBREC,  /* QoS 2 PUBLISH sent, bytes in the store */
    MOAT_MQTT_CLIENT_OUT_AWAIT_PUBCOMP, /* QoS 2 PUBREL sent; the PUBLISH bytes are released */
} moat_mqtt_client_out_state;

/* An outgoing in-flight record. Caller-allocated; the client owns its content. */
typedef struct {
    uint16_t packet_id;
    uint8_t state;     /* moat_mqtt_client_out_state */
    uint32_t seq;      /* send order, so a resume resends in the original order */
    uint32_t offset;   /* the PUBLISH bytes: store[offset .. offset + len) */
    uint32_t len;
} moat_mqtt_client_outgoing;

typedef struct {
    uint8_t *rx;
    size_t rx_len;
    uint8_t *tx;
    size_t tx_len;
    uint8_t *store;
    size_t store_len;
    moat_mqtt_client_outgoing *outgoing;
    size_t outgoing_count;
    uint16_t *incoming_qos2;  /* kept oldest first; the client owns the content */
    size_t incoming_count;
} moat_mqtt_client_buffers;

/* Called once for every application message (QoS 2: exactly once). `msg` and its topic and
 * payload views are valid only during the call. */
typedef void (*moat_mqtt_client_publish_cb)(void *user, const moat_mqtt_publish *msg);

/* Optional trace of every packet sent (outgoing true, once the whole packet is out) or
 * received: its moat_mqtt_type, its packet id (0 if it has none) and, for PUBLISH, the
 * DUP flag. For debugging output (e.g. `moat sub -d`). */
typedef void (*moat_mqtt_client_trace_cb)(void *user, bool outgoing, uint8_t type,
                                          uint16_t packet_id, bool dup);

typedef struct {
    /* set by init */
    moat_transport transport;
    uint32_t (*now_ms)(void);
    moat_mqtt_client_buffers buf;
    moat_mqtt_client_publish_cb on_publish;
    void *user;
    moat_mqtt_client_trace_cb trace;
    void *trace_user;
    /* connection */
    bool connected;
    uint32_t keep_alive_ms;
    uint32_t pingresp_timeout_ms;
    uint32_t last_tx_ms;     /* when a packet was last sent (keep-alive is client->broker) */
    bool ping_outstanding;
    uint32_t ping_sent_ms;
    /* receive state: rx[0 .. rx_used) holds bytes of the packet(s) being read */
    size_t rx_used;
    /* outgoing state */
    uint16_t next_packet_id;
    uint32_t next_seq;
    size_t store_used;
    /* a blocking SUBSCRIBE/UNSUBSCRIBE waiting for its ack */
    uint16_t wait_packet_id;
    uint8_t wait_type;       /* moat_mqtt_type awaited, 0 if none */
    bool wait_done;
    uint8_t *wait_codes;
    size_t wait_codes_count;
    size_t wait_inflight_max;   /* the goal of a running wait_inflight() */
    /* diagnostics */
    moat_mqtt_status codec_status;   /* the codec's verdict behind ERR_ENCODE / ERR_MALFORMED */
    int32_t transport_result;        /* last negative transport result */
    uint8_t connack_code;            /* the last CONNACK return code received */
    size_t discarded_on_connect;     /* in-flight messages dropped by the last connect()
                                        because the broker had no session (or clean session) */
    size_t resent_on_connect;        /* PUBLISH/PUBREL resent by the last connect() */
    size_t incoming_used;            /* entries in buf.incoming_qos2 */
    size_t incoming_evicted;         /* ids dropped from a full incoming_qos2 (see top) */
} moat_mqtt_client;

/* Short name of a status, e.g. "broker closed the connection before CONNACK". Never NULL. */
const char *moat_mqtt_client_strerror(moat_mqtt_client_status s);

/* Cause and fix in one or two sentences (with MOAT_CONFIG_EXPLAIN; otherwise the short name).
 * Never NULL. */
const char *moat_mqtt_client_explain(moat_mqtt_client_status s);

/* Maps a CONNACK return code (1..5) to its status; OK for 0, ERR_PROTOCOL for others. */
moat_mqtt_client_status moat_mqtt_client_status_from_connack(uint8_t return_code);

/* Prepares `c`. `transport`, `now_ms` (a monotonic millisecond clock; wrap-around is fine)
 * and `bufs` are required; rx and tx must be at least 16 bytes; store/outgoing may be empty
 * (then only QoS 0 can be published); incoming_qos2 may be empty (then an incoming QoS 2
 * message is a protocol error). `on_publish` may be NULL. Copies the structs; the buffers
 * they point to must outlive `c`. Keeps nothing else. */
moat_mqtt_client_status moat_mqtt_client_init(moat_mqtt_client *c, const moat_transport *transport,
                                              uint32_t (*now_ms)(void),
                                              const moat_mqtt_client_buffers *bufs,
                                              moat_mqtt_client_publish_cb on_publish, void *user);

/* Installs (or with NULL removes) a packet trace callback. */
void moat_mqtt_client_set_trace(moat_mqtt_client *c, moat_mqtt_client_trace_cb trace, void *user);

/* Replaces the transport, e.g. after the application opened a new connection for a
 * reconnect. In-flight state is kept. */
void moat_mqtt_client_set_transport(moat_mqtt_client *c, const moat_transport *transport);

/* Sends CONNECT over the (already open) transport and waits up to `timeout_ms` for CONNACK.
 * Returns OK if the broker accepted, the ERR_CONNACK_* status naming a refusal, or
 * ERR_CLOSED_BEFORE_CONNACK if the broker closed the connection without answering (on AWS
 * IoT: certificate unknown/inactive, or policy denies iot:Connect for this client id).
 * `*session_present` (may be NULL) receives the broker's flag.
 * Session resume: with clean_session false and session_present true, every unacknowledged
 * QoS 1/2 PUBLISH is resent with DUP and every PUBREC'd one gets its PUBREL again, in the
 * original order (resent_on_connect counts them). Otherwise the in-flight state is
 * discarded (discarded_on_connect counts what was dropped), as MQTT-3.1.2-6 requires. */
moat_mqtt_client_status moat_mqtt_client_connect(moat_mqtt_client *c, const moat_mqtt_connect *info,
                                                 uint32_t timeout_ms, bool *session_present);

/* Publishes `msg` (topic, payload, qos 0..2, retain; dup and packet_id are set by the client).
 * QoS 0 returns when the bytes are sent. QoS 1/2 copies the packet into the store, sends it
 * and returns; the acknowledgement is handled by process_loop(). `*packet_id` (may be NULL)
 * receives the id (0 for QoS 0). ERR_INFLIGHT_FULL / ERR_STORE_FULL mean: run process_loop()
 * until an ack frees room, then try again. */
moat_mqtt_client_status moat_mqtt_client_publish(moat_mqtt_client *c, const moat_mqtt_publish *msg,
                                                 uint16_t *packet_id);

/* Subscribes to `count` filters and waits up to `timeout_ms` for SUBACK, dispatching any
 * messages that arrive meanwhile. `codes[i]` receives the granted QoS of filter i, or
 * MOAT_MQTT_SUBACK_FAILURE (0x80) if the broker refused it: OK means the SUBACK arrived, not
 * that every filter was granted. */
moat_mqtt_client_status moat_mqtt_client_subscribe(moat_mqtt_client *c,
                                                   const moat_mqtt_sub_entry *filters,
                                                   size_t count, uint8_t *codes,
                                                   uint32_t timeout_ms);

/* Unsubscribes from `count` filters (qos fields unused) and waits up to `timeout_ms` for
 * UNSUBACK. */
moat_mqtt_client_status moat_mqtt_client_unsubscribe(moat_mqtt_client *c,
                                                     const moat_mqtt_sub_entry *filters,
                                                     size_t count, uint32_t timeout_ms);

/* Receives and handles packets for at most `timeout_ms` of waiting: delivers messages to the
 * callback, acknowledges them, handles acks of our messages, sends PINGREQ when keep-alive is
 * due and returns ERR_KEEPALIVE_TIMEOUT when PINGRESP does not follow in time. Returns OK
 * when the time is up. Waiting for input never exceeds `timeout_ms`; only a small control
 * packet (ack, PINGREQ) that the transport cannot take at once may add up to
 * MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS, because a half-written packet would corrupt the stream.
 * With timeout 0 it handles what is already readable and returns. */
moat_mqtt_client_status moat_mqtt_client_process_loop(moat_mqtt_client *c, uint32_t timeout_ms);

/* Number of outgoing QoS 1/2 messages not yet fully acknowledged. */
size_t moat_mqtt_client_inflight(const moat_mqtt_client *c);

/* Runs the process loop until at most `max_inflight` outgoing messages await their acks
 * (0: all acknowledged), for at most `timeout_ms`; returns as soon as that holds. Use it to
 * keep a window of messages in flight, or to flush before disconnect. ERR_ACK_TIMEOUT if the
 * acks did not come in time. */
moat_mqtt_client_status moat_mqtt_client_wait_inflight(moat_mqtt_client *c, size_t max_inflight,
                                                       uint32_t timeout_ms);

/* Sends DISCONNECT (so the broker discards the will) and marks the client disconnected. The
 * in-flight state is kept for a later connect with clean_session false. The caller closes
 * the transport. */
moat_mqtt_client_status moat_mqtt_client_disconnect(moat_mqtt_client *c);

#endif
