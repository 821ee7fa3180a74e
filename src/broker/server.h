/* broker/server.h - the broker's shared state and the objects every handler touches: the
 * server, connections, sessions and refcounted messages. Each concern's functions follow. */
#ifndef MOATD_SERVER_H
#define MOATD_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/ssl.h>

#include "broker/config.h"
#include "broker/dict.h"
#include "broker/hooks.h"
#include "broker/loop.h"
#include "broker/stats.h"
#include "broker/store.h"
#include "broker/topics.h"
#include "moat/mqtt_codec.h"

typedef struct moatd_conn moatd_conn;
typedef struct moatd_session moatd_session;

/* ---- messages: one immutable, refcounted copy per PUBLISH, shared by every subscriber ---- */
typedef struct moatd_msg {
    uint32_t refs;
    uint8_t qos;          /* QoS it was published with */
    bool retain;          /* stored as the topic's retained message */
    uint16_t topic_len;
    size_t payload_len;
    uint8_t *payload;     /* inside this allocation, after the topic */
    /* 2-byte length + topic + NUL: the PUBLISH variable header is sent straight from here */
    uint8_t topic_enc[];
} moatd_msg;

/* Copies topic and payload into one allocation with refs = 1. NULL when out of memory. */
moatd_msg *moatd_msg_new(const uint8_t *topic, size_t topic_len, const uint8_t *payload,
                         size_t payload_len, uint8_t qos, bool retain);
static inline const char *moatd_msg_topic(const moatd_msg *m)
{
    return (const char *)m->topic_enc + 2;
}
static inline moatd_msg *moatd_msg_ref(moatd_msg *m)
{
    m->refs++;
    return m;
}
void moatd_msg_unref(moatd_msg *m);

/* ---- profile rules (profile.c) ---- */
typedef struct {
    bool aws;
    bool allow_qos2;            /* AWS IoT: QoS 0 and 1 only */
    bool hash_matches_parent;   /* MQTT-4.7.1-2; AWS: no */
    bool retained_exact_only;   /* AWS: only exact-topic subscriptions get retained messages */
    bool reserved_dollar;       /* AWS: clients publish only to defined $aws/ topics */
    bool dollar_client_id_refused; /* AWS: '$' client ids are reserved */
    bool keepalive_zero_is_max; /* AWS: keep-alive 0 means the default (maximum) */
    size_t max_payload;         /* 0: no limit beyond max_packet */
    size_t max_topic_len;       /* 0: 65535 */
    int max_topic_slashes;      /* -1: no limit */
    uint32_t max_filters_per_subscribe; /* AWS: 8 per SUBSCRIBE; 0: no limit */
    uint32_t max_subscriptions; /* AWS: 50 per connection; 0: no limit */
    uint32_t keepalive_min, keepalive_max, client_id_max;
} moatd_rules;

void moatd_rules_init(moatd_rules *r, const moatd_config *cfg);
/* Effective keep-alive (seconds) for a requested one; 0 = none. */
uint32_t moatd_rules_keepalive(const moatd_rules *r, uint16_t requested);
/* Checks a CONNECT's client id: -1 if fine, else the CONNACK code to refuse with. */
int moatd_rules_client_id(const moatd_rules *r, const moat_mqtt_connect *c, char reason[256]);
/* Checks a client's PUBLISH (topic, size, QoS). false = refuse (close), reason filled. */
bool moatd_rules_publish(const moatd_server *srv, const moat_mqtt_publish *p,
                         char reason[256]);
/* Checks one SUBSCRIBE entry: false = refuse the connection (AWS QoS 2), else *grant holds the
 * granted QoS or MOAT_MQTT_SUBACK_FAILURE. */
bool moatd_rules_subscribe(const moatd_rules *r, const moat_mqtt_sub_entry *e, uint8_t *grant,
                           char reason[256]);

/* ---- output queue items (conn.c) ---- */
typedef struct moatd_out {
    struct moatd_out *next;
    moatd_msg *msg;       /* PUBLISH: hdr, msg->topic_enc, pid, msg->payload */
    size_t total;         /* bytes of the whole packet */
    size_t sent;          /* bytes already written */
    uint8_t *big;         /* a control packet too large for raw[] */
    uint8_t hdr[5];
    uint8_t hdr_len;
    uint8_t pid[2];
    uint8_t pid_len;
    uint8_t raw_len;
    uint8_t raw[24];      /* acks, CONNACK, PINGRESP, small SUBACK */
} moatd_out;

/* ---- services ---- */
typedef struct moatd_service_sub {
    moatd_sub_owner owner;      /* first: the tree hands back this pointer */
    int is_service;             /* always 1: tells it from a session */
    int64_t id;
    char *filter;
    moatd_service_cb *cb;
    void *ctx;
    struct moatd_service_sub *next;
} moatd_service_sub;

/* ---- sessions (session.c) ---- */
typedef struct {
    moatd_msg *msg;
    int64_t store_id;     /* 0 when not stored */
    uint16_t pid;
    uint8_t qos;
    uint8_t state;        /* moatd_msg_state */
    bool retain;
} moatd_flight;

typedef struct moatd_qitem {
    struct moatd_qitem *next;
    moatd_msg *msg;
    int64_t store_id;
    uint8_t qos;
    bool retain;
} moatd_qitem;

struct moatd_session {
    moatd_sub_owner owner;      /* first member: the topic tree's handle */
    int is_service;             /* always 0 */
    char *client_id;
    bool clean;
    moatd_conn *conn;           /* NULL while offline */
    moatd_dict *subs;           /* filter -> (void *)(uintptr_t)(qos + 1) */
    moatd_flight *flight;       /* outgoing QoS 1/2 awaiting acks, in send order */
    uint32_t nflight, capflight;
    moatd_qitem *q_head, *q_tail; /* waiting for an in-flight slot or for the client */
    uint32_t nqueued;
    uint16_t *qos2_in;          /* incoming QoS 2 ids awaiting PUBREL (MQTT-4.3.3-2) */
    uint32_t nqos2, capqos2;
    uint16_t next_pid;
    int64_t last_seen;          /* Unix seconds when it went offline */
};

/* ---- connections (conn.c) ---- */
#define MOATD_MEM_OUT_MAX (1024u * 1024u)
#define MOATD_RBUF_LEN 16384
typedef struct moatd_listener_rt {
    moatd_server *srv;
    int fd;
    char name[96];
    moatd_listener cfg;
    SSL_CTX *ssl_ctx;           /* NULL for plain TCP */
} moatd_listener_rt;

typedef enum { MOATD_TLS_NONE, MOATD_TLS_HANDSHAKE, MOATD_TLS_READY } moatd_tls_state;

struct moatd_conn {
    moatd_server *srv;
    int fd;                     /* -1: an in-memory connection (fuzzing, tests) */
    uint64_t id;
    const moatd_listener_rt *listener;
    char addr[64];
    SSL *ssl;
    moatd_tls_state tls;
    char *sni;
    char alpn[64];
    bool peer_verified;
    uint8_t *in;                /* input buffer, grows to the largest packet seen */
    size_t in_len, in_cap;
    moatd_out *out_head, *out_tail;
    size_t out_bytes;           /* queued and not yet written */
    uint8_t *stage;             /* TLS: bytes handed to SSL_write, kept until it succeeds */
    size_t stage_len;
    moatd_session *sess;
    bool connected;             /* a CONNECT was accepted */
    bool dead;                  /* closed; freed after the iteration */
    bool close_after_flush;     /* answer sent (e.g. CONNACK refusal), then close */
    bool want_flush;            /* in the server's flush list */
    int64_t accepted_ms, last_rx_ms;
    int64_t keepalive_ms;       /* 1.5 x keep-alive (MQTT-3.1.2-24); 0 = none */
    moatd_msg *will;            /* the will message, held until a clean DISCONNECT */
    void *auth_data;
    uint64_t dropped;           /* QoS 0 messages dropped because the client is slow */
    moatd_conn *prev, *next;    /* all connections (housekeeping walks them) */
    moatd_conn *flush_next;
    moatd_conn *dead_next;
    uint8_t *mem_buf;           /* in-memory connections: the first MOATD_MEM_OUT_MAX bytes
                                   "written", for tests */
    size_t mem_len, mem_cap;
};

struct moatd_server {
    moatd_config cfg;
    moatd_rules rules;
    moatd_loop *loop;
    moatd_listener_rt listeners[MOATD_MAX_LISTENERS];
    size_t nlisteners;
    moatd_topics *topics;
    moatd_dict *sessions;       /* client id -> moatd_session */
    moatd_dict *retained;       /* topic -> moatd_msg */
    moatd_store *store;         /* NULL: nothing is persisted */
    bool store_failed;
    moatd_stats stats;
    moatd_stats stats_prev;
    time_t stats_prev_time;
    moatd_auth auth;
    moatd_conn *conns;
    moatd_conn *flush_list;
    moatd_conn *dead_list;
    moatd_matches matches;
    moatd_service_sub *services;
    int64_t next_service_id;
    moatd_out *out_free;        /* recycled output items: no malloc per delivered message */
    size_t out_free_n;
    uint64_t next_conn_id;
    uint8_t rbuf[MOATD_RBUF_LEN]; /* every read lands here first (one thread, one buffer) */
    uint32_t housekeeping_ticks;
    bool stopping;
};

/* ---- server.c ---- */
/* Creates a server from a finished config (copied): topic tree, tables, loop. Does not listen
 * or open the store. NULL when out of memory. */
moatd_server *moatd_server_create(const moatd_config *cfg);
/* Opens the store (if cfg data_dir is set), loads it, opens the listeners. Returns 0, or -1
 * with one line in err. */
int moatd_server_start(moatd_server *srv, char *err, size_t errlen);
/* Runs until SIGTERM/SIGINT (or moatd_server_stop), then shuts down gracefully. */
void moatd_server_run(moatd_server *srv);
void moatd_server_stop(moatd_server *srv);
void moatd_server_free(moatd_server *srv);
/* End of an iteration: commit the store, then flush every connection with output, then free
 * closed connections. Called by the loop; exposed for in-memory use. */
void moatd_server_end_iteration(moatd_server *srv);

/* ---- conn.c ---- */
/* A connection over fd (already accepted, non-blocking), or an in-memory one when fd < 0:
 * its output is kept in mem_buf (up to MOATD_MEM_OUT_MAX bytes, the rest is dropped), for
 * tests and the fuzzer. NULL when out of memory. */
moatd_conn *moatd_conn_new(moatd_server *srv, int fd, const moatd_listener_rt *l,
                           const char *addr);
/* Appends bytes received from the client and handles every complete packet in them. Returns
 * false when the connection was closed (it is freed at the end of the iteration). */
bool moatd_conn_input(moatd_conn *c, const uint8_t *data, size_t len);
/* Closes the connection: publishes the will unless `clean`, detaches the session, logs
 * `reason`. Safe to call twice. */
void moatd_conn_close(moatd_conn *c, const char *reason, bool clean);
/* Queues a control packet (bytes copied). Returns false when out of memory. */
bool moatd_conn_send_raw(moatd_conn *c, const uint8_t *p, size_t len);
/* Queues a PUBACK, PUBREC, PUBREL, PUBCOMP or UNSUBACK for packet id pid. */
bool moatd_conn_send_ack(moatd_conn *c, moat_mqtt_type type, uint16_t pid);
/* Queues a PUBLISH of msg with the given QoS, packet id, retain and dup flags. */
bool moatd_conn_send_publish(moatd_conn *c, moatd_msg *m, uint8_t qos, uint16_t pid,
                             bool retain, bool dup);
/* Writes as much queued output as the socket takes; arms/disarms the write event. */
void moatd_conn_flush(moatd_conn *c);
void moatd_conn_free(moatd_conn *c);
/* Fills the info the auth hooks see. */
void moatd_conn_info_fill(const moatd_conn *c, moatd_conn_info *info);
/* Loop callback for a client socket. */
void moatd_conn_on_event(moatd_loop *loop, int fd, void *data, int mask);
/* Logs a packet-level refusal and closes: "client X at ADDR: reason". */
void moatd_conn_refuse(moatd_conn *c, const char *event, const char *reason);

/* ---- packet handlers ---- */
bool moatd_handle_connect(moatd_conn *c, const moat_mqtt_connect *p);
bool moatd_handle_publish(moatd_conn *c, const moat_mqtt_publish *p);
bool moatd_handle_puback(moatd_conn *c, moat_mqtt_type type, uint16_t pid);
bool moatd_handle_pubrel(moatd_conn *c, uint16_t pid);
bool moatd_handle_subscribe(moatd_conn *c, const moat_mqtt_subscribe *s);
bool moatd_handle_unsubscribe(moatd_conn *c, const moat_mqtt_subscribe *s);
bool moatd_handle_pingreq(moatd_conn *c);
bool moatd_handle_disconnect(moatd_conn *c);

/* ---- routing (proto_publish.c) ---- */
/* A message enters the broker (client PUBLISH, will, service): counted, kept as the topic's
 * retained message when m->retain, and routed to every matching subscriber and service.
 * `from` may be NULL (service). */
void moatd_publish(moatd_server *srv, moatd_msg *m, const moatd_conn *from);
/* Sets or clears the retained message of m's topic (retained.c). */
void moatd_retain_update(moatd_server *srv, moatd_msg *m);
/* Sends the retained messages matching filter to a session (retained.c). */
void moatd_retain_deliver(moatd_server *srv, moatd_session *s, const char *filter,
                          uint8_t qos);
void moatd_retain_free_all(moatd_server *srv);

/* ---- session.c ---- */
moatd_session *moatd_session_get(moatd_server *srv, const char *client_id);
/* Creates (and registers) a session. NULL when out of memory. */
moatd_session *moatd_session_create(moatd_server *srv, const char *client_id, bool clean);
/* Unsubscribes everything, drops queued messages, removes it from the table (and from the
 * store when persistent), frees it. */
void moatd_session_destroy(moatd_server *srv, moatd_session *s);
/* Delivers msg to the session at qos, with the retain flag: sent now, queued, or dropped. */
void moatd_session_deliver(moatd_server *srv, moatd_session *s, moatd_msg *m, uint8_t qos,
                           bool retain);
/* After CONNECT of a resumed session: resend in-flight messages (DUP), then the queue. */
void moatd_session_resume(moatd_server *srv, moatd_session *s);
/* PUBACK (QoS 1) / PUBREC / PUBCOMP from the client. False if pid is unknown. */
bool moatd_session_ack(moatd_server *srv, moatd_session *s, moat_mqtt_type type, uint16_t pid);
int moatd_session_subscribe(moatd_server *srv, moatd_session *s, const char *filter,
                            uint8_t qos);
int moatd_session_unsubscribe(moatd_server *srv, moatd_session *s, const char *filter);
bool moatd_session_qos2_seen(const moatd_session *s, uint16_t pid);
void moatd_session_qos2_add(moatd_server *srv, moatd_session *s, uint16_t pid);
void moatd_session_qos2_del(moatd_server *srv, moatd_session *s, uint16_t pid);
/* Destroys offline persistent sessions unused for longer than cfg.session_expiry seconds
 * (`now` in Unix seconds). */
void moatd_session_expire(moatd_server *srv, int64_t now);
/* Loads persistent sessions from the store into memory. */
int moatd_session_load_all(moatd_server *srv, char *err, size_t errlen);
void moatd_session_free_all(moatd_server *srv);

/* ---- will.c ---- */
/* Keeps a copy of the CONNECT's will on the connection. */
bool moatd_will_set(moatd_conn *c, const moat_mqtt_connect *p);
/* Publishes the will (abnormal close) and forgets it. */
void moatd_will_publish(moatd_conn *c);
void moatd_will_clear(moatd_conn *c);

/* ---- tls.c ---- */
/* Builds the server SSL_CTX for a TLS listener from cfg. NULL with err filled. */
SSL_CTX *moatd_tls_ctx_new(const moatd_config *cfg, char *err, size_t errlen);
/* Starts the server side of a handshake on c (SSL object bound to c->fd). */
bool moatd_tls_start(moatd_conn *c);
/* Advances the handshake; returns 1 when done, 0 when it needs more I/O, -1 on failure (c
 * closed). */
int moatd_tls_handshake(moatd_conn *c);
/* Reads decrypted bytes: >0 bytes, 0 for none now, -1 closed/error. */
ssize_t moatd_tls_read(moatd_conn *c, uint8_t *buf, size_t cap);
/* Writes; >=0 bytes written (0 = would block), -1 on error. */
ssize_t moatd_tls_write(moatd_conn *c, const uint8_t *buf, size_t len);

/* ---- auth ---- */
/* Runs the authorize hook; logs the denial with its reason. */
bool moatd_authorize(moatd_server *srv, const moatd_conn *c, moatd_action a, const char *topic);

/* Persistence helper: reports a store failure once in the log. */
void moatd_persist_check(moatd_server *srv, moatd_store_status st, const char *what);

#endif
