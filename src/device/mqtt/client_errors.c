/* client_errors.c - names and explanations (cause and fix) of the MQTT client's statuses.
 * The long texts compile away with MOAT_CONFIG_EXPLAIN 0 to save flash. */
#include "device/mqtt/client_internal.h"

typedef struct {
    const char *name;
#if MOAT_CONFIG_EXPLAIN
    const char *explain;
#endif
} status_text;

#if MOAT_CONFIG_EXPLAIN
#define S(name, explain) {name, explain}
#else
#define S(name, explain) {name}
#endif

static const status_text texts[MOAT_MQTT_CLIENT_STATUS_COUNT_] = {
    [MOAT_MQTT_CLIENT_OK] = S("ok", "success"),
    [MOAT_MQTT_CLIENT_ERR_ARGUMENT] = S("invalid argument",
        "invalid argument: a NULL pointer, a QoS above 2 or an empty filter list was passed"),
    [MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED] = S("not connected",
        "not connected: call connect() first; after any connection error, open a new "
        "transport and connect again"),
    [MOAT_MQTT_CLIENT_ERR_ENCODE] = S("packet refused by the encoder",
        "the packet cannot be encoded: a topic with '+' or '#', a bad filter, invalid UTF-8 "
        "or a string over 65535 bytes; fix the topic or message"),
    [MOAT_MQTT_CLIENT_ERR_TX_BUFFER_TOO_SMALL] = S("tx buffer too small",
        "the packet does not fit in the tx buffer: give a bigger tx buffer or shorter "
        "topics/client id/will"),
    [MOAT_MQTT_CLIENT_ERR_STORE_FULL] = S("resend store full",
        "no room in the resend store for this QoS 1/2 message: run process_loop() until "
        "acknowledgements free room, or give a bigger store (it must hold the largest message)"),
    [MOAT_MQTT_CLIENT_ERR_INFLIGHT_FULL] = S("too many messages in flight",
        "every outgoing in-flight record is in use: run process_loop() until the broker "
        "acknowledges some, or give more records"),
    [MOAT_MQTT_CLIENT_ERR_SEND_FAILED] = S("send failed",
        "the connection broke while sending: the broker or the network went away; "
        "reconnect (with clean session off, unacknowledged messages are resent)"),
    [MOAT_MQTT_CLIENT_ERR_SEND_TIMEOUT] = S("send timed out",
        "the transport accepted no bytes for the send timeout: the network or the broker "
        "is stalled; reconnect"),
    [MOAT_MQTT_CLIENT_ERR_RECV_FAILED] = S("receive failed",
        "the connection broke while receiving (reset or I/O error): the broker dropped the "
        "client (on AWS IoT: another connection with the same client id, or a policy denial "
        "of a publish/subscribe); reconnect and check the broker's log"),
    [MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED] = S("the broker closed the connection",
        "the broker closed the connection: another client connected with the same client "
        "id, or it refused a packet (on AWS IoT: a publish or subscribe the policy denies); "
        "check the broker's log"),
    [MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK] = S(
        "the broker closed the connection before CONNACK",
        "the broker closed the connection before CONNACK: on AWS IoT this means the "
        "certificate is not registered/active or the policy does not allow iot:Connect for "
        "this client ID; register and activate the certificate, attach a policy allowing "
        "iot:Connect on client/<your client id> (elsewhere: a broker that refuses the client, "
        "or a TLS port reached without TLS: 8883 needs --cafile/--cert)"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_TIMEOUT] = S("no CONNACK in time",
        "no CONNACK within the connect timeout: the peer is not an MQTT broker, or it is "
        "overloaded; check host and port (8883 for MQTT over TLS, 1883 plain)"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_PROTOCOL_VERSION] = S(
        "connection refused: unacceptable protocol version (CONNACK 1)",
        "the broker refused MQTT 3.1.1 (CONNACK 1): it only speaks another version; use a "
        "broker that supports MQTT 3.1.1"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_IDENTIFIER_REJECTED] = S(
        "connection refused: identifier rejected (CONNACK 2)",
        "the broker rejected the client id (CONNACK 2): it is empty with clean session off, "
        "too long or has characters the broker refuses; give a valid client id"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_SERVER_UNAVAILABLE] = S(
        "connection refused: server unavailable (CONNACK 3)",
        "the broker is up but its MQTT service is unavailable (CONNACK 3); retry later"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_USERNAME_OR_PASSWORD] = S(
        "connection refused: bad user name or password (CONNACK 4)",
        "the broker refused the user name or password (CONNACK 4); check -u/-P"),
    [MOAT_MQTT_CLIENT_ERR_CONNACK_NOT_AUTHORIZED] = S(
        "connection refused: not authorized (CONNACK 5)",
        "the broker says this client is not authorized (CONNACK 5): anonymous access is "
        "off or the ACL denies this client id; give credentials or fix the broker's ACL"),
    [MOAT_MQTT_CLIENT_ERR_RX_TOO_LARGE] = S("incoming packet larger than the rx buffer",
        "the broker sent a packet bigger than the rx buffer: give a bigger rx buffer or "
        "publish smaller messages on the subscribed topics"),
    [MOAT_MQTT_CLIENT_ERR_MALFORMED] = S("malformed packet from the broker",
        "the broker sent bytes that are not valid MQTT 3.1.1: the peer is not an MQTT "
        "broker (wrong port? TLS port without TLS?) or it is broken"),
    [MOAT_MQTT_CLIENT_ERR_PROTOCOL] = S("protocol violation by the broker",
        "the broker sent a packet it must not send at this point (e.g. no CONNACK first, or "
        "a SUBACK with the wrong number of codes); the connection was dropped"),
    [MOAT_MQTT_CLIENT_ERR_INCOMING_FULL] = S("no records for incoming QoS 2 messages",
        "a QoS 2 message arrived but the client has no incoming_qos2 records to deliver it "
        "exactly once: give some (more than the broker's in-flight window), or subscribe "
        "with QoS 0 or 1"),
    [MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT] = S("no acknowledgement in time",
        "the broker did not acknowledge the SUBSCRIBE/UNSUBSCRIBE within the timeout: it is "
        "overloaded or the network is slow; retry with a longer timeout"),
    [MOAT_MQTT_CLIENT_ERR_KEEPALIVE_TIMEOUT] = S("the broker did not answer PINGREQ",
        "the broker did not answer PINGREQ in time: the broker is dead or hung, or the "
        "network path is gone; reconnect (with backoff)"),
};

const char *moat_mqtt_client_strerror(moat_mqtt_client_status s)
{
    if ((unsigned)s >= MOAT_MQTT_CLIENT_STATUS_COUNT_ || !texts[s].name)
        return "unknown MQTT client status";
    return texts[s].name;
}

const char *moat_mqtt_client_explain(moat_mqtt_client_status s)
{
#if MOAT_CONFIG_EXPLAIN
    if ((unsigned)s < MOAT_MQTT_CLIENT_STATUS_COUNT_ && texts[s].explain)
        return texts[s].explain;
#endif
    return moat_mqtt_client_strerror(s);
}

moat_mqtt_client_status moat_mqtt_client_status_from_connack(uint8_t return_code)
{
    switch (return_code) {
    case MOAT_MQTT_CONNACK_ACCEPTED: return MOAT_MQTT_CLIENT_OK;
    case MOAT_MQTT_CONNACK_BAD_PROTOCOL_VERSION:
        return MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_PROTOCOL_VERSION;
    case MOAT_MQTT_CONNACK_IDENTIFIER_REJECTED:
        return MOAT_MQTT_CLIENT_ERR_CONNACK_IDENTIFIER_REJECTED;
    case MOAT_MQTT_CONNACK_SERVER_UNAVAILABLE:
        return MOAT_MQTT_CLIENT_ERR_CONNACK_SERVER_UNAVAILABLE;
    case MOAT_MQTT_CONNACK_BAD_USERNAME_OR_PASSWORD:
        return MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_USERNAME_OR_PASSWORD;
    case MOAT_MQTT_CONNACK_NOT_AUTHORIZED: return MOAT_MQTT_CLIENT_ERR_CONNACK_NOT_AUTHORIZED;
    default: return MOAT_MQTT_CLIENT_ERR_PROTOCOL;
    }
}
