/* broker/store.h - moatd persistence: persistent sessions, their subscriptions and messages,
 * incoming QoS 2 ids and retained messages, in one SQLite database (WAL) under data_dir.
 *
 * Group commit: every write below joins the current transaction, opened on the first write
 * after a commit. The event loop calls moatd_store_commit() once at the end of each iteration,
 * BEFORE it flushes the PUBACK/PUBREC/SUBACK of that iteration to the sockets: an
 * acknowledged message is then on disk. With synchronous=NORMAL (default) a committed
 * transaction survives a kill -9 of the process; with FULL it also survives a power loss.
 *
 * Only persistent sessions (clean session = 0) are stored: the caller never stores a clean
 * session's state. Strings are NUL-terminated UTF-8 (MQTT forbids U+0000 in them).
 * Not thread-safe: one store is used by one thread (the event loop).
 */
#ifndef MOATD_STORE_H
#define MOATD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    MOATD_STORE_OK = 0,
    MOATD_STORE_ERR_ARGUMENT,      /* a NULL pointer or an impossible value from the caller */
    MOATD_STORE_ERR_DIR,           /* data_dir cannot be created or is not writable */
    MOATD_STORE_ERR_OPEN,          /* the database file cannot be opened (permissions, not a
                                      SQLite file, locked by another moatd) */
    MOATD_STORE_ERR_SCHEMA_NEWER,  /* the database was written by a newer moatd: upgrade moatd
                                      or point --data-dir elsewhere; it is left untouched */
    MOATD_STORE_ERR_IO,            /* a read/write/commit failed (disk full, I/O error) */
    MOATD_STORE_ERR_ABORTED,       /* a load callback asked to stop */
} moatd_store_status;

/* Durability of a commit (SQLite PRAGMA synchronous in WAL mode). */
typedef enum {
    MOATD_STORE_SYNC_NORMAL = 0, /* survives a crash or kill -9 of moatd; a power loss may lose
                                    the last transactions (never corrupts) */
    MOATD_STORE_SYNC_FULL,       /* fsync on every commit: also survives a power loss */
} moatd_store_sync;

/* Delivery state of a stored outgoing message. */
typedef enum {
    MOATD_MSG_QUEUED = 0,   /* not yet sent (packet_id 0) */
    MOATD_MSG_SENT_PUBLISH, /* PUBLISH sent, awaiting PUBACK (QoS 1) or PUBREC (QoS 2):
                               resend with DUP on reconnect */
    MOATD_MSG_SENT_PUBREL,  /* QoS 2: PUBREC received, PUBREL sent, awaiting PUBCOMP: resend
                               PUBREL on reconnect */
} moatd_msg_state;

/* An outgoing message of a persistent session, as stored and as loaded. */
typedef struct {
    int64_t id;              /* store-assigned, increasing: delivery order; set by _msg_add */
    const char *client_id;
    uint16_t packet_id;      /* 0 while MOATD_MSG_QUEUED */
    const char *topic;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t qos;             /* 1 or 2 (QoS 0 is never stored) */
    bool retain;
    moatd_msg_state state;
} moatd_store_msg;

typedef struct moatd_store moatd_store;

/* One line: the cause and the fix. */
const char *moatd_store_strerror(moatd_store_status s);

/* Opens (creating data_dir and the database if needed) data_dir/moatd.db in WAL mode with the
 * given durability, creates or checks the schema (table `meta`, key schema_version). On error
 * *out is NULL and err holds a one-line message naming the path and the cause. */
moatd_store_status moatd_store_open(moatd_store **out, const char *data_dir,
                                    moatd_store_sync sync, char *err, size_t errlen);

/* Commits any open transaction and closes. NULL is ignored. */
void moatd_store_close(moatd_store *st);

/* The SQLite error text of the last failure (for the log line), never NULL. */
const char *moatd_store_errmsg(const moatd_store *st);

/* The durability in effect, read back from SQLite (PRAGMA synchronous): for the start log
 * line and tests. */
moatd_store_sync moatd_store_sync_mode(moatd_store *st);

/* The schema version this moatd writes. */
int moatd_store_schema_version(void);

/* --- transactions (group commit) --- */

/* Opens a transaction now; optional: the first write opens one anyway. */
moatd_store_status moatd_store_begin(moatd_store *st);
/* Commits the open transaction, if any (no-op otherwise). On failure the transaction is rolled
 * back: the caller must not send the acknowledgements of this iteration. */
moatd_store_status moatd_store_commit(moatd_store *st);
/* Rolls back the open transaction, if any. */
void moatd_store_rollback(moatd_store *st);
/* True while a transaction is open (there are uncommitted writes). */
bool moatd_store_pending(const moatd_store *st);

/* --- sessions (persistent only) --- */

/* Creates or updates the session of client_id; last_seen is a Unix time (seconds). */
moatd_store_status moatd_store_session_put(moatd_store *st, const char *client_id,
                                           int64_t last_seen);
/* Deletes the session and everything of it: subscriptions, messages, QoS 2 ids. Used when a
 * client connects with clean session = 1 or the session expires. */
moatd_store_status moatd_store_session_delete(moatd_store *st, const char *client_id);

/* --- subscriptions --- */

/* Adds or replaces (same client and filter: new qos) a subscription. */
moatd_store_status moatd_store_sub_put(moatd_store *st, const char *client_id,
                                       const char *filter, uint8_t qos);
moatd_store_status moatd_store_sub_delete(moatd_store *st, const char *client_id,
                                          const char *filter);

/* --- outgoing messages of persistent sessions --- */

/* Stores a message (msg->id is ignored) and writes its new id to *id_out (may be NULL). */
moatd_store_status moatd_store_msg_add(moatd_store *st, const moatd_store_msg *msg,
                                       int64_t *id_out);
/* Records that message `id` was sent with packet_id (state SENT_PUBLISH) or that its PUBREL
 * was sent (state SENT_PUBREL). */
moatd_store_status moatd_store_msg_set_state(moatd_store *st, int64_t id, uint16_t packet_id,
                                             moatd_msg_state state);
/* Deletes message `id` (delivered, or dropped by a queue limit). */
moatd_store_status moatd_store_msg_delete(moatd_store *st, int64_t id);
/* Deletes the in-flight message of client_id with packet_id (on PUBACK or PUBCOMP). Not finding
 * it is not an error (a duplicate ack). */
moatd_store_status moatd_store_msg_ack(moatd_store *st, const char *client_id,
                                       uint16_t packet_id);

/* --- incoming QoS 2 packet ids awaiting PUBREL (exactly-once across a restart) --- */

moatd_store_status moatd_store_qos2_in_put(moatd_store *st, const char *client_id,
                                           uint16_t packet_id);
moatd_store_status moatd_store_qos2_in_delete(moatd_store *st, const char *client_id,
                                              uint16_t packet_id);

/* --- retained messages --- */

/* Sets or replaces the retained message of topic. A zero-length payload is NOT stored by this
 * call: the caller clears with moatd_store_retain_delete (MQTT-3.3.1-10). */
moatd_store_status moatd_store_retain_put(moatd_store *st, const char *topic,
                                          const uint8_t *payload, size_t payload_len,
                                          uint8_t qos);
moatd_store_status moatd_store_retain_delete(moatd_store *st, const char *topic);

/* --- start-up: rebuild memory state. Each loader calls cb once per row; pointers passed to
 * cb are valid only during the call (copy what you keep). cb returns true to go on, false
 * to stop (the loader then returns MOATD_STORE_ERR_ABORTED). Call these before any write. --- */

typedef bool (*moatd_store_session_cb)(void *ctx, const char *client_id, int64_t last_seen);
typedef bool (*moatd_store_sub_cb)(void *ctx, const char *client_id, const char *filter,
                                   uint8_t qos);
typedef bool (*moatd_store_msg_cb)(void *ctx, const moatd_store_msg *msg);
typedef bool (*moatd_store_qos2_cb)(void *ctx, const char *client_id, uint16_t packet_id);
typedef bool (*moatd_store_retain_cb)(void *ctx, const char *topic, const uint8_t *payload,
                                      size_t payload_len, uint8_t qos);

moatd_store_status moatd_store_load_sessions(moatd_store *st, moatd_store_session_cb cb,
                                             void *ctx);
moatd_store_status moatd_store_load_subs(moatd_store *st, moatd_store_sub_cb cb, void *ctx);
/* Messages come ordered by client_id, then id (delivery order). */
moatd_store_status moatd_store_load_msgs(moatd_store *st, moatd_store_msg_cb cb, void *ctx);
moatd_store_status moatd_store_load_qos2_in(moatd_store *st, moatd_store_qos2_cb cb,
                                            void *ctx);
moatd_store_status moatd_store_load_retained(moatd_store *st, moatd_store_retain_cb cb,
                                             void *ctx);

/* For --check-config, without taking the lock a running moatd holds: reports in *version
 * the schema version of data_dir/moatd.db (0 if the file does not exist yet) and in *in_use
 * whether a running moatd holds it. Fails only if the file exists and is not readable as a
 * moatd database, or its schema is newer than this moatd's. */
moatd_store_status moatd_store_probe(const char *data_dir, int *version, bool *in_use,
                                     char *err, size_t errlen);

/* Row counts (sessions, subscriptions, messages, retained), for tests and diagnostics. */
typedef struct {
    long long sessions, subscriptions, messages, retained;
} moatd_store_counts;
moatd_store_status moatd_store_count(moatd_store *st, moatd_store_counts *out);

#endif
