/* test_store.c - moatd persistence on real SQLite files in a temp dir: what is committed is
 * there after close and reopen, deletes and acks, rollback, schema versioning and locking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include <cmocka.h>

#include "broker/store.h"
#include "moat_peer.h"

static char g_dir[256];
static char g_data[300];
static char g_err[1024];

static int setup(void **s)
{
    (void)s;
    snprintf(g_dir, sizeof g_dir, "/tmp/moat-store-test.XXXXXX");
    if (!mkdtemp(g_dir))
        return -1;
    snprintf(g_data, sizeof g_data, "%s/a/b/data", g_dir);
    return 0;
}

static int teardown(void **s)
{
    (void)s;
    return peer_sh("rm -rf '%s'", g_dir) == 0 ? 0 : -1;
}

static moatd_store *open_store(void)
{
    moatd_store *st = NULL;
    g_err[0] = '\0';
    assert_int_equal(moatd_store_open(&st, g_data, MOATD_STORE_SYNC_NORMAL, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    assert_non_null(st);
    return st;
}

static moatd_store *reopen(moatd_store *st)
{
    moatd_store_close(st);
    return open_store();
}

/* --- collectors for the loaders: rows are flattened into one text for easy asserts --- */

typedef struct {
    char text[4096];
    int rows;
    int stop_after;
} collect;

static void add(collect *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(collect *c, const char *fmt, ...)
{
    size_t n = strlen(c->text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text + n, sizeof c->text - n, fmt, ap);
    va_end(ap);
    c->rows++;
}

static bool on_session(void *ctx, const char *id, int64_t seen)
{
    add(ctx, "%s@%lld;", id, (long long)seen);
    return true;
}

static bool on_sub(void *ctx, const char *id, const char *filter, uint8_t qos)
{
    add(ctx, "%s:%s:%u;", id, filter, qos);
    collect *c = ctx;
    return c->stop_after == 0 || c->rows < c->stop_after;
}

static bool on_msg(void *ctx, const moatd_store_msg *m)
{
    add(ctx, "%s#%u:%s=%.*s/q%u%s/s%d;", m->client_id, m->packet_id, m->topic,
        (int)m->payload_len, (const char *)m->payload, m->qos, m->retain ? "r" : "",
        (int)m->state);
    return true;
}

static bool on_qos2(void *ctx, const char *id, uint16_t pid)
{
    add(ctx, "%s#%u;", id, pid);
    return true;
}

static bool on_retained(void *ctx, const char *topic, const uint8_t *p, size_t n, uint8_t qos)
{
    add(ctx, "%s=%.*s/q%u;", topic, (int)n, (const char *)p, qos);
    return true;
}

static moatd_store_msg msg(const char *client, const char *topic, const char *payload,
                           uint8_t qos)
{
    return (moatd_store_msg){.client_id = client, .topic = topic,
                             .payload = (const uint8_t *)payload,
                             .payload_len = strlen(payload), .qos = qos};
}

/* --- tests --- */

static void test_open_creates_the_data_dir_and_the_database(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    char path[512];
    snprintf(path, sizeof path, "%s/moatd.db", g_data);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fclose(f);
    moatd_store_close(st);
}

static void test_open_puts_the_database_in_wal_mode(void **s)
{
    (void)s;
    moatd_store *st = NULL;
    assert_int_equal(moatd_store_open(&st, g_data, MOATD_STORE_SYNC_FULL, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    moatd_store_close(st);
    char path[512];
    snprintf(path, sizeof path, "%s/moatd.db", g_data);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_the_chosen_synchronous_mode_is_in_effect(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    assert_int_equal(moatd_store_sync_mode(st), MOATD_STORE_SYNC_NORMAL);
    moatd_store_close(st);
    assert_int_equal(moatd_store_open(&st, g_data, MOATD_STORE_SYNC_FULL, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    assert_int_equal(moatd_store_sync_mode(st), MOATD_STORE_SYNC_FULL);
    moatd_store_close(st);
}

static void test_sessions_and_subscriptions_survive_reopen(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    assert_int_equal(moatd_store_session_put(st, "dev-1", 1000), MOATD_STORE_OK);
    assert_int_equal(moatd_store_session_put(st, "dev-1", 2000), MOATD_STORE_OK);
    assert_int_equal(moatd_store_session_put(st, "dev-2", 3000), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "dev-1", "a/+/c", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "dev-1", "a/+/c", 0), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "dev-1", "x/#", 2), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "dev-2", "y", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_delete(st, "dev-2", "y"), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    st = reopen(st);
    collect sess = {0}, subs = {0};
    assert_int_equal(moatd_store_load_sessions(st, on_session, &sess), MOATD_STORE_OK);
    assert_string_equal(sess.text, "dev-1@2000;dev-2@3000;");
    assert_int_equal(moatd_store_load_subs(st, on_sub, &subs), MOATD_STORE_OK);
    assert_string_equal(subs.text, "dev-1:a/+/c:0;dev-1:x/#:2;");
    moatd_store_close(st);
}

static void test_messages_keep_order_payload_and_state_across_reopen(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    int64_t id1, id2, id3;
    moatd_store_msg m1 = msg("dev-1", "t/1", "one", 1);
    moatd_store_msg m2 = msg("dev-1", "t/2", "two", 2);
    m2.retain = true;
    moatd_store_msg m3 = msg("dev-0", "t/3", "", 1);
    assert_int_equal(moatd_store_msg_add(st, &m1, &id1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_add(st, &m2, &id2), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_add(st, &m3, &id3), MOATD_STORE_OK);
    assert_true(id1 < id2 && id2 < id3);
    assert_int_equal(moatd_store_msg_set_state(st, id1, 17, MOATD_MSG_SENT_PUBLISH),
                     MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_set_state(st, id2, 18, MOATD_MSG_SENT_PUBREL),
                     MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    st = reopen(st);
    collect c = {0};
    assert_int_equal(moatd_store_load_msgs(st, on_msg, &c), MOATD_STORE_OK);
    assert_string_equal(c.text, "dev-0#0:t/3=/q1/s0;dev-1#17:t/1=one/q1/s1;"
                                "dev-1#18:t/2=two/q2r/s2;");
    moatd_store_close(st);
}

static void test_ack_deletes_the_inflight_message_only(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    int64_t id1;
    moatd_store_msg m1 = msg("dev-1", "t", "sent", 1);
    moatd_store_msg m2 = msg("dev-1", "t", "queued", 1);
    assert_int_equal(moatd_store_msg_add(st, &m1, &id1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_add(st, &m2, NULL), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_set_state(st, id1, 5, MOATD_MSG_SENT_PUBLISH),
                     MOATD_STORE_OK);
    /* a queued message has packet id 0: an ack for 0 or an unknown id removes nothing */
    assert_int_equal(moatd_store_msg_ack(st, "dev-1", 0), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_ack(st, "dev-1", 6), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_ack(st, "dev-2", 5), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_ack(st, "dev-1", 5), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    st = reopen(st);
    collect c = {0};
    assert_int_equal(moatd_store_load_msgs(st, on_msg, &c), MOATD_STORE_OK);
    assert_string_equal(c.text, "dev-1#0:t=queued/q1/s0;");
    moatd_store_close(st);
}

static void test_msg_delete_removes_by_id(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    int64_t id;
    moatd_store_msg m = msg("dev-1", "t", "x", 1);
    assert_int_equal(moatd_store_msg_add(st, &m, &id), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_delete(st, id), MOATD_STORE_OK);
    collect c = {0};
    assert_int_equal(moatd_store_load_msgs(st, on_msg, &c), MOATD_STORE_OK);
    assert_int_equal(c.rows, 0);
    moatd_store_close(st);
}

static void test_session_delete_removes_its_subs_messages_and_qos2_ids(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    moatd_store_msg m = msg("gone", "t", "x", 1);
    moatd_store_msg keep = msg("kept", "t", "y", 1);
    assert_int_equal(moatd_store_session_put(st, "gone", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_session_put(st, "kept", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "gone", "a", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_sub_put(st, "kept", "a", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_add(st, &m, NULL), MOATD_STORE_OK);
    assert_int_equal(moatd_store_msg_add(st, &keep, NULL), MOATD_STORE_OK);
    assert_int_equal(moatd_store_qos2_in_put(st, "gone", 9), MOATD_STORE_OK);
    assert_int_equal(moatd_store_session_delete(st, "gone"), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    moatd_store_counts n;
    assert_int_equal(moatd_store_count(st, &n), MOATD_STORE_OK);
    assert_int_equal(n.sessions, 1);
    assert_int_equal(n.subscriptions, 1);
    assert_int_equal(n.messages, 1);
    collect q = {0};
    assert_int_equal(moatd_store_load_qos2_in(st, on_qos2, &q), MOATD_STORE_OK);
    assert_int_equal(q.rows, 0);
    moatd_store_close(st);
}

static void test_qos2_ids_survive_reopen_until_deleted(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    assert_int_equal(moatd_store_qos2_in_put(st, "dev", 7), MOATD_STORE_OK);
    assert_int_equal(moatd_store_qos2_in_put(st, "dev", 7), MOATD_STORE_OK); /* DUP resend */
    assert_int_equal(moatd_store_qos2_in_put(st, "dev", 8), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    st = reopen(st);
    collect c = {0};
    assert_int_equal(moatd_store_load_qos2_in(st, on_qos2, &c), MOATD_STORE_OK);
    assert_string_equal(c.text, "dev#7;dev#8;");
    assert_int_equal(moatd_store_qos2_in_delete(st, "dev", 7), MOATD_STORE_OK);
    st = reopen(st); /* close commits the open transaction */
    collect d = {0};
    assert_int_equal(moatd_store_load_qos2_in(st, on_qos2, &d), MOATD_STORE_OK);
    assert_string_equal(d.text, "dev#8;");
    moatd_store_close(st);
}

static void test_retained_set_replace_and_clear(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    const uint8_t a[] = "first", b[] = "second", c2[] = "other";
    assert_int_equal(moatd_store_retain_put(st, "r/1", a, 5, 0), MOATD_STORE_OK);
    assert_int_equal(moatd_store_retain_put(st, "r/1", b, 6, 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_retain_put(st, "r/2", c2, 5, 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_retain_put(st, "r/3", c2, 5, 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_retain_delete(st, "r/3"), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    st = reopen(st);
    collect c = {0};
    assert_int_equal(moatd_store_load_retained(st, on_retained, &c), MOATD_STORE_OK);
    assert_string_equal(c.text, "r/1=second/q1;r/2=other/q1;");
    moatd_store_close(st);
}

static void test_retained_put_refuses_an_empty_payload(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    const uint8_t p[1] = {0};
    assert_int_equal(moatd_store_retain_put(st, "r", p, 0, 0), MOATD_STORE_ERR_ARGUMENT);
    moatd_store_close(st);
}

static void test_rollback_discards_the_iteration(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    assert_int_equal(moatd_store_session_put(st, "kept", 1), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    assert_false(moatd_store_pending(st));
    assert_int_equal(moatd_store_session_put(st, "lost", 1), MOATD_STORE_OK);
    assert_true(moatd_store_pending(st));
    moatd_store_rollback(st);
    assert_false(moatd_store_pending(st));
    st = reopen(st);
    collect c = {0};
    assert_int_equal(moatd_store_load_sessions(st, on_session, &c), MOATD_STORE_OK);
    assert_string_equal(c.text, "kept@1;");
    moatd_store_close(st);
}

static void test_commit_without_writes_is_a_no_op(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    assert_int_equal(moatd_store_begin(st), MOATD_STORE_OK);
    assert_int_equal(moatd_store_begin(st), MOATD_STORE_OK);
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    moatd_store_close(st);
}

static void test_loader_stops_when_the_callback_says_so(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    for (int i = 0; i < 5; i++) {
        char f[8];
        snprintf(f, sizeof f, "f%d", i);
        assert_int_equal(moatd_store_sub_put(st, "dev", f, 0), MOATD_STORE_OK);
    }
    assert_int_equal(moatd_store_commit(st), MOATD_STORE_OK);
    collect c = {.stop_after = 2};
    assert_int_equal(moatd_store_load_subs(st, on_sub, &c), MOATD_STORE_ERR_ABORTED);
    assert_int_equal(c.rows, 2);
    collect all = {0};
    assert_int_equal(moatd_store_load_subs(st, on_sub, &all), MOATD_STORE_OK);
    assert_int_equal(all.rows, 5);
    moatd_store_close(st);
}

static void test_a_newer_schema_is_refused_and_left_untouched(void **s)
{
    (void)s;
    moatd_store_close(open_store());
    char path[512];
    snprintf(path, sizeof path, "%s/moatd.db", g_data);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "UPDATE meta SET value = '99' WHERE key = "
                                      "'schema_version'", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    moatd_store *st = NULL;
    assert_int_equal(moatd_store_open(&st, g_data, MOATD_STORE_SYNC_NORMAL, g_err, sizeof g_err),
                     MOATD_STORE_ERR_SCHEMA_NEWER);
    assert_null(st);
    assert_non_null(strstr(g_err, "has schema version 99 but this moatd knows version 1"));
    int v = 0;
    bool in_use = true;
    assert_int_equal(moatd_store_probe(g_data, &v, &in_use, g_err, sizeof g_err),
                     MOATD_STORE_ERR_SCHEMA_NEWER);
    assert_int_equal(v, 99);
}

static void test_a_second_open_of_the_same_dir_is_refused(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    moatd_store *second = NULL;
    assert_int_equal(moatd_store_open(&second, g_data, MOATD_STORE_SYNC_NORMAL, g_err,
                                      sizeof g_err),
                     MOATD_STORE_ERR_OPEN);
    assert_null(second);
    assert_non_null(strstr(g_err, "another moatd is using this --data-dir"));
    int v = 0;
    bool in_use = false;
    assert_int_equal(moatd_store_probe(g_data, &v, &in_use, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    assert_true(in_use);
    moatd_store_close(st);
}

static void test_probe_of_a_fresh_dir_reports_no_database(void **s)
{
    (void)s;
    int v = 5;
    bool in_use = true;
    assert_int_equal(moatd_store_probe(g_data, &v, &in_use, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    assert_int_equal(v, 0);
    assert_false(in_use);
    moatd_store_close(open_store());
    assert_int_equal(moatd_store_probe(g_data, &v, &in_use, g_err, sizeof g_err),
                     MOATD_STORE_OK);
    assert_int_equal(v, moatd_store_schema_version());
}

static void test_a_file_as_data_dir_is_a_dir_error(void **s)
{
    (void)s;
    char path[512];
    snprintf(path, sizeof path, "%s/file", g_dir);
    FILE *f = fopen(path, "w");
    fclose(f);
    moatd_store *st = NULL;
    assert_int_equal(moatd_store_open(&st, path, MOATD_STORE_SYNC_NORMAL, g_err, sizeof g_err),
                     MOATD_STORE_ERR_DIR);
    assert_non_null(strstr(g_err, "is not a directory"));
}

static void test_a_non_sqlite_file_is_an_open_error(void **s)
{
    (void)s;
    peer_sh("mkdir -p '%s' && head -c 4096 /dev/urandom > '%s/moatd.db'", g_data, g_data);
    moatd_store *st = NULL;
    assert_int_equal(moatd_store_open(&st, g_data, MOATD_STORE_SYNC_NORMAL, g_err, sizeof g_err),
                     MOATD_STORE_ERR_OPEN);
    assert_non_null(strstr(g_err, "moatd.db"));
}

static void test_bad_arguments_are_refused(void **s)
{
    (void)s;
    moatd_store *st = open_store();
    moatd_store_msg q0 = msg("dev", "t", "x", 0);
    assert_int_equal(moatd_store_msg_add(st, &q0, NULL), MOATD_STORE_ERR_ARGUMENT);
    assert_int_equal(moatd_store_sub_put(st, "dev", "t", 3), MOATD_STORE_ERR_ARGUMENT);
    assert_int_equal(moatd_store_session_put(st, NULL, 0), MOATD_STORE_ERR_ARGUMENT);
    assert_int_equal(moatd_store_session_put(NULL, "x", 0), MOATD_STORE_ERR_ARGUMENT);
    moatd_store_close(st);
    assert_string_not_equal(moatd_store_strerror(MOATD_STORE_ERR_IO), "");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_creates_the_data_dir_and_the_database),
        T(test_open_puts_the_database_in_wal_mode),
        T(test_the_chosen_synchronous_mode_is_in_effect),
        T(test_sessions_and_subscriptions_survive_reopen),
        T(test_messages_keep_order_payload_and_state_across_reopen),
        T(test_ack_deletes_the_inflight_message_only),
        T(test_msg_delete_removes_by_id),
        T(test_session_delete_removes_its_subs_messages_and_qos2_ids),
        T(test_qos2_ids_survive_reopen_until_deleted),
        T(test_retained_set_replace_and_clear),
        T(test_retained_put_refuses_an_empty_payload),
        T(test_rollback_discards_the_iteration),
        T(test_commit_without_writes_is_a_no_op),
        T(test_loader_stops_when_the_callback_says_so),
        T(test_a_newer_schema_is_refused_and_left_untouched),
        T(test_a_second_open_of_the_same_dir_is_refused),
        T(test_probe_of_a_fresh_dir_reports_no_database),
        T(test_a_file_as_data_dir_is_a_dir_error),
        T(test_a_non_sqlite_file_is_an_open_error),
        T(test_bad_arguments_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
