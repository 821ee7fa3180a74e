/* pub.c - `moat pub`: publish one message, a file, stdin lines, or the same message N times
 * (--repeat, the benchmark's load), like mosquitto_pub, on the embedded MQTT client. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/connect.h"

#define PUB_ACK_TIMEOUT_MS 10000u

typedef struct {
    cli_conn_opts conn;
    const char *topic;
    const char *message;
    const char *file;
    bool lines;
    bool null_msg;
    bool stats;
    unsigned long repeat;
    uint8_t qos;
    bool retain;
} pub_opts;

static void usage(FILE *f)
{
    fprintf(f, "usage: moat pub -t TOPIC (-m MSG | -f FILE | -l | -n) [-q 0|1|2] [-r] "
               "[--repeat N] [--stats] [connection options]\n"
               "  -t TOPIC      topic to publish to\n"
               "  -m MSG        the message\n"
               "  -f FILE       send the whole file as one message\n"
               "  -l            send each line of standard input as a message\n"
               "  -n            send an empty (null) message\n"
               "  -q QOS        quality of service 0, 1 or 2 (default 0)\n"
               "  -r            retain the message\n"
               "  --repeat N    publish the message N times (QoS 1/2: a window of 64 in flight)\n"
               "  --stats       print the message rate on standard error\n%s",
            cli_conn_usage());
}

static int parse_own(void *opts, int argc, char **argv, int i)
{
    pub_opts *o = opts;
    const char *a = argv[i];
    const char *prog = o->conn.prog;
    if (!strcmp(a, "-l") || !strcmp(a, "-n") || !strcmp(a, "-r") || !strcmp(a, "--stats")) {
        o->lines |= !strcmp(a, "-l");
        o->null_msg |= !strcmp(a, "-n");
        o->retain |= !strcmp(a, "-r");
        o->stats |= !strcmp(a, "--stats");
        return 1;
    }
    if (strcmp(a, "-t") && strcmp(a, "-m") && strcmp(a, "-f") && strcmp(a, "-q") &&
        strcmp(a, "--repeat"))
        return 0;
    if (!cli_has_value(prog, argc, argv, i))
        return -1;
    const char *v = argv[i + 1];
    unsigned long n;
    if (!strcmp(a, "-t"))
        o->topic = v;
    else if (!strcmp(a, "-m"))
        o->message = v;
    else if (!strcmp(a, "-f"))
        o->file = v;
    else if (!strcmp(a, "-q")) {
        if (!cli_parse_uint(prog, a, v, 2, &n))
            return -1;
        o->qos = (uint8_t)n;
    } else {
        if (!cli_parse_uint(prog, a, v, 100000000ul, &n))
            return -1;
        if (n == 0) {
            fprintf(stderr, "%s: --repeat needs at least 1\n", prog);
            return -1;
        }
        o->repeat = n;
    }
    return 2;
}

/* 0 ok, 1 help shown, 2 usage error */
static int parse(pub_opts *o, int argc, char **argv)
{
    cli_conn_defaults(&o->conn, "moat pub");
    o->repeat = 1;
    int r = cli_parse_args(&o->conn, argc, argv, parse_own, o, usage);
    if (r != 0)
        return r;
    int sources = (o->message != NULL) + (o->file != NULL) + o->lines + o->null_msg;
    if (!o->topic || sources != 1) {
        fprintf(stderr, "moat pub: give -t TOPIC and exactly one of -m, -f, -l, -n "
                        "(see moat pub --help)\n");
        return 2;
    }
    moat_mqtt_status ts = cli_check_topic(o->topic, false);
    if (ts != MOAT_MQTT_OK) {
        fprintf(stderr, "moat pub: '%s' is not a valid topic to publish to: %s\n", o->topic,
                moat_mqtt_strerror(ts));
        return 2;
    }
    if (o->lines && o->repeat > 1) {
        fprintf(stderr, "moat pub: --repeat works with -m, -f or -n, not -l\n");
        return 2;
    }
    return cli_conn_check(&o->conn) ? 0 : 2;
}

/* Publishes, waiting for acks to free the window when it is full. */
static bool publish(cli_session *s, const pub_opts *o, const uint8_t *payload, size_t len)
{
    moat_mqtt_publish m = {
        .topic = {(const uint8_t *)o->topic, (uint16_t)strlen(o->topic)},
        .payload = payload, .payload_len = len, .qos = o->qos, .retain = o->retain,
    };
    for (;;) {
        moat_mqtt_client_status st = moat_mqtt_client_publish(&s->client, &m, NULL);
        if (st == MOAT_MQTT_CLIENT_ERR_INFLIGHT_FULL ||
            (st == MOAT_MQTT_CLIENT_ERR_STORE_FULL && moat_mqtt_client_inflight(&s->client))) {
            size_t n = moat_mqtt_client_inflight(&s->client);
            st = moat_mqtt_client_wait_inflight(&s->client, n - 1, PUB_ACK_TIMEOUT_MS);
            if (st == MOAT_MQTT_CLIENT_OK)
                continue;
        }
        if (st == MOAT_MQTT_CLIENT_OK)
            return true;
        char what[300];
        snprintf(what, sizeof what, "publishing to '%s' failed", o->topic);
        cli_print_client_error(s, what, st);
        return false;
    }
}

/* Reads a whole file; the caller frees *out. */
static bool read_file(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "moat pub: cannot open '%s': %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = MOAT_MQTT_MAX_PACKET_DEFAULT;
    *out = malloc(cap + 1);
    *len = *out ? fread(*out, 1, cap + 1, f) : 0;
    bool ok = *out && !ferror(f) && *len <= cap - 1024;
    if (*out && !ok)
        fprintf(stderr, "moat pub: '%s' is unreadable or larger than %u bytes, the most one "
                        "message may carry here\n", path, (unsigned)(cap - 1024));
    fclose(f);
    return ok;
}

/* -l: one message per line; keeps the connection alive while stdin is quiet. */
static bool publish_lines(cli_session *s, const pub_opts *o, unsigned long *count)
{
    char *line = NULL;
    size_t cap = 0;
    bool ok = true;
    for (;;) {
        struct pollfd p = {.fd = 0, .events = POLLIN};
        if (poll(&p, 1, 100) == 0) {
            moat_mqtt_client_status st = moat_mqtt_client_process_loop(&s->client, 0);
            if (st != MOAT_MQTT_CLIENT_OK) {
                cli_print_client_error(s, "waiting for input", st);
                ok = false;
                break;
            }
            continue;
        }
        ssize_t n = getline(&line, &cap, stdin);
        if (n < 0)
            break;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        if (!publish(s, o, (const uint8_t *)line, (size_t)n)) {
            ok = false;
            break;
        }
        (*count)++;
    }
    free(line);
    return ok;
}

static bool run(cli_session *s, const pub_opts *o, unsigned long *count)
{
    if (o->lines)
        return publish_lines(s, o, count);
    uint8_t *data = NULL;
    size_t len = 0;
    if (o->file && !read_file(o->file, &data, &len)) {
        free(data);
        return false;
    }
    const uint8_t *payload = o->file ? data : (const uint8_t *)(o->message ? o->message : "");
    if (o->message)
        len = strlen(o->message);
    bool ok = true;
    for (unsigned long i = 0; ok && i < o->repeat; i++) {
        ok = publish(s, o, payload, len);
        *count += ok;
    }
    free(data);
    return ok;
}

int moat_cli_pub(int argc, char **argv)
{
    pub_opts o;
    memset(&o, 0, sizeof o);
    int r = parse(&o, argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    cli_session s;
    if (!cli_session_open(&s, &o.conn, NULL, NULL))
        return 1;
    uint32_t t0 = moat_posix_now_ms();
    unsigned long count = 0;
    bool ok = run(&s, &o, &count);
    if (ok) {
        moat_mqtt_client_status st =
            moat_mqtt_client_wait_inflight(&s.client, 0, PUB_ACK_TIMEOUT_MS);
        if (st != MOAT_MQTT_CLIENT_OK) {
            cli_print_client_error(&s, "waiting for the broker's acknowledgements", st);
            ok = false;
        }
    }
    uint32_t ms = moat_posix_now_ms() - t0;
    if (o.stats)
        fprintf(stderr, "moat pub: %lu messages (QoS %u) in %.3f s: %.0f msgs/s\n", count,
                (unsigned)o.qos, ms / 1000.0, ms ? count * 1000.0 / ms : (double)count);
    if (o.conn.debug && ok)
        fprintf(stderr, "moat pub: %lu message(s) published to '%s'\n", count, o.topic);
    cli_session_close(&s);
    return ok ? 0 : 1;
}
