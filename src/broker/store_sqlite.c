/* broker/store_sqlite.c - the moatd persistence API over one SQLite database in WAL mode:
 * schema creation and version check, cached prepared statements, group-commit transactions.
 */
#include "broker/store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STORE_SCHEMA_VERSION 1
#define STORE_DB_NAME "moatd.db"

/* Every statement the store runs more than once, prepared once at open. */
enum {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK,
    Q_SESSION_PUT, Q_SESSION_DEL, Q_SESSION_DEL_SUBS, Q_SESSION_DEL_MSGS, Q_SESSION_DEL_QOS2,
    Q_SUB_PUT, Q_SUB_DEL,
    Q_MSG_ADD, Q_MSG_STATE, Q_MSG_DEL, Q_MSG_ACK,
    Q_QOS2_PUT, Q_QOS2_DEL,
    Q_RETAIN_PUT, Q_RETAIN_DEL,
    Q_LOAD_SESSIONS, Q_LOAD_SUBS, Q_LOAD_MSGS, Q_LOAD_QOS2, Q_LOAD_RETAINED,
    Q_COUNT,
};

static const char *const q_sql[Q_COUNT] = {
    [Q_BEGIN] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SESSION_PUT] = "INSERT INTO sessions(client_id, last_seen) VALUES(?1, ?2) "
                      "ON CONFLICT(client_id) DO UPDATE SET last_seen = excluded.last_seen",
    [Q_SESSION_DEL] = "DELETE FROM sessions WHERE client_id = ?1",
    [Q_SESSION_DEL_SUBS] = "DELETE FROM subs WHERE client_id = ?1",
    [Q_SESSION_DEL_MSGS] = "DELETE FROM msgs WHERE client_id = ?1",
    [Q_SESSION_DEL_QOS2] = "DELETE FROM qos2_in WHERE client_id = ?1",
    [Q_SUB_PUT] = "INSERT INTO subs(client_id, filter, qos) VALUES(?1, ?2, ?3) "
                  "ON CONFLICT(client_id, filter) DO UPDATE SET qos = excluded.qos",
    [Q_SUB_DEL] = "DELETE FROM subs WHERE client_id = ?1 AND filter = ?2",
    [Q_MSG_ADD] = "INSERT INTO msgs(client_id, packet_id, topic, payload, qos, retain, state) "
                  "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_MSG_STATE] = "UPDATE msgs SET packet_id = ?2, state = ?3 WHERE id = ?1",
    [Q_MSG_DEL] = "DELETE FROM msgs WHERE id = ?1",
    [Q_MSG_ACK] = "DELETE FROM msgs WHERE client_id = ?1 AND packet_id = ?2 AND state != 0",
    [Q_QOS2_PUT] = "INSERT OR IGNORE INTO qos2_in(client_id, packet_id) VALUES(?1, ?2)",
    [Q_QOS2_DEL] = "DELETE FROM qos2_in WHERE client_id = ?1 AND packet_id = ?2",
    [Q_RETAIN_PUT] = "INSERT INTO retained(topic, payload, qos) VALUES(?1, ?2, ?3) "
                     "ON CONFLICT(topic) DO UPDATE SET payload = excluded.payload, "
                     "qos = excluded.qos",
    [Q_RETAIN_DEL] = "DELETE FROM retained WHERE topic = ?1",
    [Q_LOAD_SESSIONS] = "SELECT client_id, last_seen FROM sessions ORDER BY client_id",
    [Q_LOAD_SUBS] = "SELECT client_id, filter, qos FROM subs ORDER BY client_id, filter",
    [Q_LOAD_MSGS] = "SELECT id, client_id, packet_id, topic, payload, qos, retain, state "
                    "FROM msgs ORDER BY client_id, id",
    [Q_LOAD_QOS2] = "SELECT client_id, packet_id FROM qos2_in ORDER BY client_id, packet_id",
    [Q_LOAD_RETAINED] = "SELECT topic, payload, qos FROM retained ORDER BY topic",
};

static const char SCHEMA_SQL[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS sessions(client_id TEXT PRIMARY KEY,"
    "  last_seen INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS subs(client_id TEXT NOT NULL, filter TEXT NOT NULL,"
    "  qos INTEGER NOT NULL, PRIMARY KEY(client_id, filter)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS msgs(id INTEGER PRIMARY KEY, client_id TEXT NOT NULL,"
    "  packet_id INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,"
    "  qos INTEGER NOT NULL, retain INTEGER NOT NULL, state INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS msgs_by_client ON msgs(client_id, packet_id);"
    "CREATE TABLE IF NOT EXISTS qos2_in(client_id TEXT NOT NULL, packet_id INTEGER NOT NULL,"
    "  PRIMARY KEY(client_id, packet_id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS retained(topic TEXT PRIMARY KEY, payload BLOB NOT NULL,"
    "  qos INTEGER NOT NULL);";

struct moatd_store {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    bool in_tx;
    char errmsg[2048];
};

const char *moatd_store_strerror(moatd_store_status s)
{
    switch (s) {
    case MOATD_STORE_OK: return "ok";
    case MOATD_STORE_ERR_ARGUMENT: return "invalid argument to the store (a moatd bug)";
    case MOATD_STORE_ERR_DIR:
        return "the data directory cannot be created or written: check --data-dir and its "
               "permissions";
    case MOATD_STORE_ERR_OPEN:
        return "the database cannot be opened: check permissions, and that no other moatd "
               "uses the same --data-dir";
    case MOATD_STORE_ERR_SCHEMA_NEWER:
        return "the database was written by a newer moatd: run that version, or use another "
               "--data-dir";
    case MOATD_STORE_ERR_IO:
        return "a database read or write failed (disk full or I/O error): check the disk of "
               "--data-dir";
    case MOATD_STORE_ERR_ABORTED: return "loading was stopped by the caller";
    }
    return "unknown store status";
}

/* Runs a one-off query whose answer is one integer; false (and *out untouched) when it
 * cannot be prepared or returns no row. */
static bool query_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *q = NULL;
    bool ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK &&
              sqlite3_step(q) == SQLITE_ROW;
    if (ok)
        *out = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return ok;
}

moatd_store_sync moatd_store_sync_mode(moatd_store *st)
{
    int64_t v = 1;
    query_int(st->db, "PRAGMA synchronous", &v);
    /* SQLite's values: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA */
    return v >= 2 ? MOATD_STORE_SYNC_FULL : MOATD_STORE_SYNC_NORMAL;
}

int moatd_store_schema_version(void)
{
    return STORE_SCHEMA_VERSION;
}

const char *moatd_store_errmsg(const moatd_store *st)
{
    return st ? st->errmsg : "no store";
}

static moatd_store_status fail(moatd_store *st, moatd_store_status s, const char *what)
{
    snprintf(st->errmsg, sizeof st->errmsg, "%s: %s", what, sqlite3_errmsg(st->db));
    return s;
}

/* Creates data_dir and its missing parents, like mkdir -p. */
static int mkdir_p(const char *dir, char *err, size_t errlen)
{
    char path[1024];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        snprintf(err, errlen, "data directory path too long: '%s'", dir);
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
            return -1;
        }
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data directory '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "data directory '%s' is not a directory", path);
        return -1;
    }
    return 0;
}

static const char SCHEMA_VERSION_SQL[] = "SELECT value FROM meta WHERE key = 'schema_version'";

static int read_schema_version(sqlite3 *db)
{
    int64_t v = 0;
    query_int(db, SCHEMA_VERSION_SQL, &v);
    return (int)v;
}

/* The refusal for a database written by a newer moatd, shared by open and probe. */
static void schema_newer_msg(char *err, size_t errlen, const char *path, int version)
{
    snprintf(err, errlen,
             "'%s' has schema version %d but this moatd knows version %d: run a newer "
             "moatd or use another --data-dir",
             path, version, STORE_SCHEMA_VERSION);
}

/* Creates the tables (or checks them) inside one exclusive transaction: this also takes the
 * lock that keeps a second moatd off the same database. */
static moatd_store_status setup_schema(moatd_store *st, const char *path)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(st->errmsg, sizeof st->errmsg,
                 "'%s' is locked: another moatd is using this --data-dir (%s)", path,
                 sqlite3_errmsg(st->db));
        return MOATD_STORE_ERR_OPEN;
    }
    if (sqlite3_exec(st->db, SCHEMA_SQL, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(st->errmsg, sizeof st->errmsg, "cannot create the schema in '%s': %s", path,
                 msg ? msg : "?");
        sqlite3_free(msg);
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return MOATD_STORE_ERR_OPEN;
    }
    int v = read_schema_version(st->db);
    if (v > STORE_SCHEMA_VERSION) {
        schema_newer_msg(st->errmsg, sizeof st->errmsg, path, v);
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return MOATD_STORE_ERR_SCHEMA_NEWER;
    }
    char sql[128];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '%d')",
             STORE_SCHEMA_VERSION);
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
        return fail(st, MOATD_STORE_ERR_IO, "cannot write the schema version");
    }
    return MOATD_STORE_OK;
}

static moatd_store_status configure(moatd_store *st, const char *path, moatd_store_sync sync)
{
    char *msg = NULL;
    /* WAL: a commit appends to the log; NORMAL syncs only at checkpoints, which keeps every
     * committed transaction across a process crash. FULL syncs the WAL on every commit.
     * EXCLUSIVE locking holds the database lock from the first transaction until close, so
     * a second moatd on the same --data-dir fails at start instead of interleaving writes. */
    const char *pragmas =
        sync == MOATD_STORE_SYNC_FULL
            ? "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
            : "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; "
              "PRAGMA synchronous=NORMAL;";
    int rc = sqlite3_exec(st->db, pragmas, NULL, NULL, &msg);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        snprintf(st->errmsg, sizeof st->errmsg,
                 "'%s' is locked: another moatd is using this --data-dir", path);
        sqlite3_free(msg);
        return MOATD_STORE_ERR_OPEN;
    }
    if (rc != SQLITE_OK) {
        snprintf(st->errmsg, sizeof st->errmsg, "'%s' is not a usable SQLite database: %s",
                 path, msg ? msg : "?");
        sqlite3_free(msg);
        return MOATD_STORE_ERR_OPEN;
    }
    sqlite3_exec(st->db, "PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;", NULL, NULL,
                 NULL);
    return MOATD_STORE_OK;
}

static moatd_store_status prepare_all(moatd_store *st)
{
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, q_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i],
                               NULL) != SQLITE_OK)
            return fail(st, MOATD_STORE_ERR_OPEN, "cannot prepare a statement");
    return MOATD_STORE_OK;
}

moatd_store_status moatd_store_open(moatd_store **out, const char *data_dir,
                                    moatd_store_sync sync, char *err, size_t errlen)
{
    char dummy[8];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!out || !data_dir || !data_dir[0]) {
        snprintf(err, errlen, "no data directory given");
        return MOATD_STORE_ERR_ARGUMENT;
    }
    *out = NULL;
    if (mkdir_p(data_dir, err, errlen) != 0)
        return MOATD_STORE_ERR_DIR;
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", data_dir, STORE_DB_NAME);
    moatd_store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return MOATD_STORE_ERR_OPEN;
    }
    moatd_store_status s = MOATD_STORE_OK;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        snprintf(st->errmsg, sizeof st->errmsg, "cannot open '%s': %s", path,
                 st->db ? sqlite3_errmsg(st->db) : "out of memory");
        s = MOATD_STORE_ERR_OPEN;
    }
    if (s == MOATD_STORE_OK)
        s = configure(st, path, sync);
    if (s == MOATD_STORE_OK)
        s = setup_schema(st, path);
    if (s == MOATD_STORE_OK)
        s = prepare_all(st);
    if (s != MOATD_STORE_OK) {
        snprintf(err, errlen, "%s", st->errmsg);
        moatd_store_close(st);
        return s;
    }
    *out = st;
    return MOATD_STORE_OK;
}

void moatd_store_close(moatd_store *st)
{
    if (!st)
        return;
    if (st->in_tx)
        moatd_store_commit(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->q[i]);
    sqlite3_close(st->db);
    free(st);
}

/* --- statement helpers --- */

static sqlite3_stmt *stmt(moatd_store *st, int q)
{
    sqlite3_stmt *s = st->q[q];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

/* Runs a bound write statement to completion. */
static moatd_store_status run(moatd_store *st, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return fail(st, MOATD_STORE_ERR_IO, what);
    return MOATD_STORE_OK;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

/* Every write joins the open transaction, opening one if needed (group commit). */
static moatd_store_status ensure_tx(moatd_store *st)
{
    if (!st)
        return MOATD_STORE_ERR_ARGUMENT;
    return st->in_tx ? MOATD_STORE_OK : moatd_store_begin(st);
}

/* Joins the open transaction and hands back write statement q, reset and unbound; NULL
 * (with *r saying why) when no transaction can be opened. */
static sqlite3_stmt *write_stmt(moatd_store *st, int q, moatd_store_status *r)
{
    *r = ensure_tx(st);
    return *r == MOATD_STORE_OK ? stmt(st, q) : NULL;
}

/* The shape of most writes: statement q keyed by ?1 = key (a client id or topic), then
 * ?2 = key2 when not NULL, then the integer n in the next parameter when has_n. */
static moatd_store_status write_key(moatd_store *st, int q, const char *key, const char *key2,
                                    bool has_n, int64_t n, const char *what)
{
    if (!key)
        return MOATD_STORE_ERR_ARGUMENT;
    moatd_store_status r;
    sqlite3_stmt *s = write_stmt(st, q, &r);
    if (!s)
        return r;
    int i = 1;
    bind_text(s, i++, key);
    if (key2)
        bind_text(s, i++, key2);
    if (has_n)
        sqlite3_bind_int64(s, i, n);
    return run(st, s, what);
}

moatd_store_status moatd_store_begin(moatd_store *st)
{
    if (!st)
        return MOATD_STORE_ERR_ARGUMENT;
    if (st->in_tx)
        return MOATD_STORE_OK;
    moatd_store_status s = run(st, stmt(st, Q_BEGIN), "cannot begin a transaction");
    if (s == MOATD_STORE_OK)
        st->in_tx = true;
    return s;
}

moatd_store_status moatd_store_commit(moatd_store *st)
{
    if (!st)
        return MOATD_STORE_ERR_ARGUMENT;
    if (!st->in_tx)
        return MOATD_STORE_OK;
    moatd_store_status s = run(st, stmt(st, Q_COMMIT), "commit failed");
    if (s != MOATD_STORE_OK)
        moatd_store_rollback(st);
    st->in_tx = false;
    return s;
}

void moatd_store_rollback(moatd_store *st)
{
    if (!st || !st->in_tx)
        return;
    sqlite3_stmt *s = stmt(st, Q_ROLLBACK);
    sqlite3_step(s);
    sqlite3_reset(s);
    st->in_tx = false;
}

bool moatd_store_pending(const moatd_store *st)
{
    return st && st->in_tx;
}

/* --- sessions --- */

moatd_store_status moatd_store_session_put(moatd_store *st, const char *client_id,
                                           int64_t last_seen)
{
    return write_key(st, Q_SESSION_PUT, client_id, NULL, true, last_seen,
                     "cannot store a session");
}

moatd_store_status moatd_store_session_delete(moatd_store *st, const char *client_id)
{
    static const int qs[] = {Q_SESSION_DEL, Q_SESSION_DEL_SUBS, Q_SESSION_DEL_MSGS,
                             Q_SESSION_DEL_QOS2};
    moatd_store_status r = MOATD_STORE_OK;
    for (size_t i = 0; r == MOATD_STORE_OK && i < sizeof qs / sizeof qs[0]; i++)
        r = write_key(st, qs[i], client_id, NULL, false, 0, "cannot delete a session");
    return r;
}

/* --- subscriptions --- */

moatd_store_status moatd_store_sub_put(moatd_store *st, const char *client_id,
                                       const char *filter, uint8_t qos)
{
    if (!filter || qos > 2)
        return MOATD_STORE_ERR_ARGUMENT;
    return write_key(st, Q_SUB_PUT, client_id, filter, true, qos, "cannot store a subscription");
}

moatd_store_status moatd_store_sub_delete(moatd_store *st, const char *client_id,
                                          const char *filter)
{
    if (!filter)
        return MOATD_STORE_ERR_ARGUMENT;
    return write_key(st, Q_SUB_DEL, client_id, filter, false, 0, "cannot delete a subscription");
}

/* --- outgoing messages --- */

moatd_store_status moatd_store_msg_add(moatd_store *st, const moatd_store_msg *m,
                                       int64_t *id_out)
{
    if (!m || !m->client_id || !m->topic || (!m->payload && m->payload_len) || m->qos < 1 ||
        m->qos > 2 || m->payload_len > (size_t)INT32_MAX)
        return MOATD_STORE_ERR_ARGUMENT;
    moatd_store_status r;
    sqlite3_stmt *s = write_stmt(st, Q_MSG_ADD, &r);
    if (!s)
        return r;
    bind_text(s, 1, m->client_id);
    sqlite3_bind_int(s, 2, m->packet_id);
    bind_text(s, 3, m->topic);
    /* zeroblob keeps the column a BLOB (never NULL) for empty payloads */
    if (m->payload_len)
        sqlite3_bind_blob(s, 4, m->payload, (int)m->payload_len, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(s, 4, 0);
    sqlite3_bind_int(s, 5, m->qos);
    sqlite3_bind_int(s, 6, m->retain ? 1 : 0);
    sqlite3_bind_int(s, 7, (int)m->state);
    r = run(st, s, "cannot store a message");
    if (r == MOATD_STORE_OK && id_out)
        *id_out = sqlite3_last_insert_rowid(st->db);
    return r;
}

moatd_store_status moatd_store_msg_set_state(moatd_store *st, int64_t id, uint16_t packet_id,
                                             moatd_msg_state state)
{
    moatd_store_status r;
    sqlite3_stmt *s = write_stmt(st, Q_MSG_STATE, &r);
    if (!s)
        return r;
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int(s, 2, packet_id);
    sqlite3_bind_int(s, 3, (int)state);
    return run(st, s, "cannot update a message");
}

moatd_store_status moatd_store_msg_delete(moatd_store *st, int64_t id)
{
    moatd_store_status r;
    sqlite3_stmt *s = write_stmt(st, Q_MSG_DEL, &r);
    if (!s)
        return r;
    sqlite3_bind_int64(s, 1, id);
    return run(st, s, "cannot delete a message");
}

moatd_store_status moatd_store_msg_ack(moatd_store *st, const char *client_id,
                                       uint16_t packet_id)
{
    return write_key(st, Q_MSG_ACK, client_id, NULL, true, packet_id,
                     "cannot delete an acknowledged message");
}

/* --- incoming QoS 2 ids --- */

moatd_store_status moatd_store_qos2_in_put(moatd_store *st, const char *client_id,
                                           uint16_t packet_id)
{
    return write_key(st, Q_QOS2_PUT, client_id, NULL, true, packet_id,
                     "cannot write a QoS 2 packet id");
}

moatd_store_status moatd_store_qos2_in_delete(moatd_store *st, const char *client_id,
                                              uint16_t packet_id)
{
    return write_key(st, Q_QOS2_DEL, client_id, NULL, true, packet_id,
                     "cannot write a QoS 2 packet id");
}

/* --- retained --- */

moatd_store_status moatd_store_retain_put(moatd_store *st, const char *topic,
                                          const uint8_t *payload, size_t payload_len,
                                          uint8_t qos)
{
    if (!topic || !payload || payload_len == 0 || payload_len > (size_t)INT32_MAX || qos > 2)
        return MOATD_STORE_ERR_ARGUMENT;
    moatd_store_status r;
    sqlite3_stmt *s = write_stmt(st, Q_RETAIN_PUT, &r);
    if (!s)
        return r;
    bind_text(s, 1, topic);
    sqlite3_bind_blob(s, 2, payload, (int)payload_len, SQLITE_STATIC);
    sqlite3_bind_int(s, 3, qos);
    return run(st, s, "cannot store a retained message");
}

moatd_store_status moatd_store_retain_delete(moatd_store *st, const char *topic)
{
    return write_key(st, Q_RETAIN_DEL, topic, NULL, false, 0,
                     "cannot delete a retained message");
}

/* --- loaders --- */

static const char *col_text(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? (const char *)t : "";
}

/* A BLOB column and its length; SQLite hands back NULL for an empty one, callers get "". */
static const uint8_t *col_blob(sqlite3_stmt *s, int i, size_t *len)
{
    static const uint8_t empty[1];
    const void *p = sqlite3_column_blob(s, i);
    *len = (size_t)sqlite3_column_bytes(s, i);
    return p ? p : empty;
}

/* Steps a SELECT to its end, calling row(st, s, cb, ctx) for each row. */
typedef bool (*row_fn)(sqlite3_stmt *s, void (*cb)(void), void *ctx);

static moatd_store_status load(moatd_store *st, int q, row_fn row, void (*cb)(void), void *ctx)
{
    if (!st || !cb)
        return MOATD_STORE_ERR_ARGUMENT;
    sqlite3_stmt *s = stmt(st, q);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (!row(s, cb, ctx)) {
            sqlite3_reset(s);
            return MOATD_STORE_ERR_ABORTED;
        }
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? MOATD_STORE_OK : fail(st, MOATD_STORE_ERR_IO, "load failed");
}

static bool session_row(sqlite3_stmt *s, void (*cb)(void), void *ctx)
{
    return ((moatd_store_session_cb)cb)(ctx, col_text(s, 0), sqlite3_column_int64(s, 1));
}

static bool sub_row(sqlite3_stmt *s, void (*cb)(void), void *ctx)
{
    return ((moatd_store_sub_cb)cb)(ctx, col_text(s, 0), col_text(s, 1),
                                    (uint8_t)sqlite3_column_int(s, 2));
}

static bool msg_row(sqlite3_stmt *s, void (*cb)(void), void *ctx)
{
    moatd_store_msg m = {
        .id = sqlite3_column_int64(s, 0),
        .client_id = col_text(s, 1),
        .packet_id = (uint16_t)sqlite3_column_int(s, 2),
        .topic = col_text(s, 3),
        .qos = (uint8_t)sqlite3_column_int(s, 5),
        .retain = sqlite3_column_int(s, 6) != 0,
        .state = (moatd_msg_state)sqlite3_column_int(s, 7),
    };
    m.payload = col_blob(s, 4, &m.payload_len);
    return ((moatd_store_msg_cb)cb)(ctx, &m);
}

static bool qos2_row(sqlite3_stmt *s, void (*cb)(void), void *ctx)
{
    return ((moatd_store_qos2_cb)cb)(ctx, col_text(s, 0), (uint16_t)sqlite3_column_int(s, 1));
}

static bool retain_row(sqlite3_stmt *s, void (*cb)(void), void *ctx)
{
    size_t n;
    const uint8_t *p = col_blob(s, 1, &n);
    return ((moatd_store_retain_cb)cb)(ctx, col_text(s, 0), p, n,
                                       (uint8_t)sqlite3_column_int(s, 2));
}

moatd_store_status moatd_store_load_sessions(moatd_store *st, moatd_store_session_cb cb,
                                             void *ctx)
{
    return load(st, Q_LOAD_SESSIONS, session_row, (void (*)(void))cb, ctx);
}

moatd_store_status moatd_store_load_subs(moatd_store *st, moatd_store_sub_cb cb, void *ctx)
{
    return load(st, Q_LOAD_SUBS, sub_row, (void (*)(void))cb, ctx);
}

moatd_store_status moatd_store_load_msgs(moatd_store *st, moatd_store_msg_cb cb, void *ctx)
{
    return load(st, Q_LOAD_MSGS, msg_row, (void (*)(void))cb, ctx);
}

moatd_store_status moatd_store_load_qos2_in(moatd_store *st, moatd_store_qos2_cb cb,
                                            void *ctx)
{
    return load(st, Q_LOAD_QOS2, qos2_row, (void (*)(void))cb, ctx);
}

moatd_store_status moatd_store_load_retained(moatd_store *st, moatd_store_retain_cb cb,
                                             void *ctx)
{
    return load(st, Q_LOAD_RETAINED, retain_row, (void (*)(void))cb, ctx);
}

static long long count_rows(moatd_store *st, const char *sql, bool *ok)
{
    int64_t n = 0;
    if (!query_int(st->db, sql, &n))
        *ok = false;
    return n;
}

moatd_store_status moatd_store_count(moatd_store *st, moatd_store_counts *out)
{
    if (!st || !out)
        return MOATD_STORE_ERR_ARGUMENT;
    bool ok = true;
    out->sessions = count_rows(st, "SELECT count(*) FROM sessions", &ok);
    out->subscriptions = count_rows(st, "SELECT count(*) FROM subs", &ok);
    out->messages = count_rows(st, "SELECT count(*) FROM msgs", &ok);
    out->retained = count_rows(st, "SELECT count(*) FROM retained", &ok);
    return ok ? MOATD_STORE_OK : fail(st, MOATD_STORE_ERR_IO, "count failed");
}

moatd_store_status moatd_store_probe(const char *data_dir, int *version, bool *in_use,
                                     char *err, size_t errlen)
{
    char path[1100];
    struct stat sb;
    *version = 0;
    *in_use = false;
    snprintf(path, sizeof path, "%s/%s", data_dir, STORE_DB_NAME);
    if (stat(path, &sb) != 0)
        return MOATD_STORE_OK;
    sqlite3 *db = NULL;
    moatd_store_status s = MOATD_STORE_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open '%s': %s", path, db ? sqlite3_errmsg(db) : "?");
        s = MOATD_STORE_ERR_OPEN;
    } else {
        sqlite3_stmt *q = NULL;
        int rc = sqlite3_prepare_v2(db, SCHEMA_VERSION_SQL, -1, &q, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(q);
        if (rc == SQLITE_ROW)
            *version = atoi((const char *)sqlite3_column_text(q, 0));
        else if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            *in_use = true;
        else if (rc != SQLITE_DONE) {
            snprintf(err, errlen, "'%s' is not a moatd database: %s", path, sqlite3_errmsg(db));
            s = MOATD_STORE_ERR_OPEN;
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    if (s == MOATD_STORE_OK && *version > STORE_SCHEMA_VERSION) {
        schema_newer_msg(err, errlen, path, *version);
        s = MOATD_STORE_ERR_SCHEMA_NEWER;
    }
    return s;
}
