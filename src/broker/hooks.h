/* broker/hooks.h - the seams where an identity and policy layer plugs into moatd: authenticate
 * at TLS and CONNECT, authorise every action, publish and subscribe from inside the broker. */
#ifndef MOATD_HOOKS_H
#define MOATD_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/mqtt_codec.h"

typedef struct moatd_server moatd_server;

/* What the broker knows about one connection; valid during the callback only. */
typedef struct {
    uint64_t conn_id;            /* unique per connection for the life of the process */
    const char *addr;            /* peer "ip:port" */
    const char *client_id;       /* NULL before CONNECT */
    const char *listener;        /* the listen address the client came through */
    bool tls;
    const char *sni;             /* server name the client asked for, NULL if none */
    const char *alpn;            /* negotiated ALPN protocol, NULL if none */
    bool peer_verified;          /* the TLS stack verified the peer chain against --cafile */
    const uint8_t *const *chain_der; /* peer certificate chain, leaf first (DER); NULL if none */
    const size_t *chain_der_len;
    size_t chain_count;
    void *auth_data;             /* the auth layer's own per-connection pointer (see below) */
} moatd_conn_info;

typedef enum {
    MOATD_AUTH_ALLOW = 0,
    MOATD_AUTH_DENY_CLOSE,       /* close without CONNACK, as AWS IoT does for a refused CONNECT */
    MOATD_AUTH_DENY_CONNACK,     /* answer CONNACK with `connack_code`, then close */
} moatd_auth_verdict;

typedef struct {
    moatd_auth_verdict verdict;
    uint8_t connack_code;        /* moat_mqtt_connack_code for DENY_CONNACK */
    char reason[256];            /* why; written in the denial log line */
} moatd_auth_decision;

typedef enum {
    MOATD_ACT_CONNECT,
    MOATD_ACT_PUBLISH,
    MOATD_ACT_SUBSCRIBE,
    MOATD_ACT_RECEIVE,           /* a message is about to be delivered to this client */
    MOATD_ACT_RETAIN,            /* a PUBLISH with RETAIN set is about to be stored */
} moatd_action;

const char *moatd_action_name(moatd_action a);

/* The authentication/authorisation interface. Every pointer may be NULL (= allow). Callbacks
 * run on the loop thread and must not block. `reason` has room for 256 bytes. */
typedef struct moatd_auth {
    void *ctx;
    /* After the TLS handshake. Return false to close the connection; fill reason. The
     * callback may set info->auth_data (through the pointer) to keep per-connection state. */
    bool (*on_tls_verified)(void *ctx, moatd_conn_info *info, char reason[256]);
    /* After a well-formed CONNECT passed the profile checks. */
    void (*on_connect)(void *ctx, moatd_conn_info *info, const moat_mqtt_connect *c,
                       moatd_auth_decision *out);
    /* Before each action; `topic` is the topic name or filter. */
    bool (*authorize)(void *ctx, const moatd_conn_info *info, moatd_action action,
                      const char *topic, char reason[256]);
    /* When the connection ends (reason as in the disconnect log line, e.g. "keep-alive
     * timeout"): for every connection that was CONNECTed or whose auth_data was set, so the
     * layer can free its per-connection state. */
    void (*on_disconnect)(void *ctx, const moatd_conn_info *info, const char *reason);
} moatd_auth;

/* The default layer: allows everything on TCP listeners; on TLS listeners allows only peers
 * whose certificate chain OpenSSL verified against the listener's --cafile (or no client
 * certificate when the listener does not require one). */
const moatd_auth *moatd_auth_default(void);

/* Installs an auth layer (copied). Call before moatd_server_run(). */
void moatd_server_set_auth(moatd_server *srv, const moatd_auth *auth);

/* Publishes a message from inside the broker, as if a client had: routed to subscribers and
 * services, stored if retained. The topic need not pass the profile's reserved-topic rule
 * (services own `$aws/`). Returns 0, or -1 if the topic is not a valid topic name. */
int moatd_service_publish(moatd_server *srv, const char *topic, const uint8_t *payload,
                          size_t len, uint8_t qos, bool retain);

/* A service's view of a message that matched its filter; valid during the callback. */
typedef struct {
    const char *topic;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t qos;
    bool retain;
    const moatd_conn_info *from; /* the publishing client, NULL for a service publish */
} moatd_service_msg;

typedef void moatd_service_cb(void *ctx, const moatd_service_msg *msg);

/* Registers a service subscription: every publish matching `filter` (also `$` topics, if the
 * filter names them) calls cb. Returns an id > 0, or -1 for an invalid filter. */
int64_t moatd_service_subscribe(moatd_server *srv, const char *filter, moatd_service_cb *cb,
                                void *ctx);
void moatd_service_unsubscribe(moatd_server *srv, int64_t id);

#endif
