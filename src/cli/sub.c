/* sub.c - `moat sub`: subscribe to filters and print each message, like mosquitto_sub, on the
 * embedded MQTT client (keep-alive, dead-broker detection, persistent sessions with -c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/connect.h"

#define SUB_MAX_FILTERS 32
#define SUB_EXIT_TIMEOUT 27 /* what mosquitto_sub -W returns when the time is up */

typedef struct {
    cli_conn_opts conn;
    const char *filters[SUB_MAX_FILTERS];
    size_t nfilters;
    uint8_t qos;
    unsigned long count;    /* -C: exit after this many messages, 0 = never */
    unsigned long timeout_s;/* -W: exit after this many seconds, 0 = never */
    bool verbose;           /* -v: "topic payload" */
    bool no_newline;        /* -N */
    unsigned long received;
} sub_opts;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: moat sub -t FILTER [-t FILTER...] [-q 0|1|2] [-C N] [-W SECONDS] [-v] "
               "[-N] [connection options]\n"
               "  -t FILTER     topic filter to subscribe to (repeatable, + and # wildcards)\n"
               "  -q QOS        requested quality of service (default 0)\n"
               "  -C N          exit after N messages\n"
               "  -W SECONDS    exit with status 27 if the time is up first\n"
               "  -v            print \"topic payload\" instead of the payload alone\n"
               "  -N            no newline after each message\n%s",
            cli_conn_usage());
}

static int parse_own(void *opts, int argc, char **argv, int i)
{
    sub_opts *o = opts;
    const char *a = argv[i];
    if (!strcmp(a, "-v") || !strcmp(a, "-N")) {
        o->verbose |= !strcmp(a, "-v");
        o->no_newline |= !strcmp(a, "-N");
        return 1;
    }
    if (strcmp(a, "-t") && strcmp(a, "-q") && strcmp(a, "-C") && strcmp(a, "-W"))
        return 0;
    if (!cli_has_value(o->conn.prog, argc, argv, i))
        return -1;
    const char *v = argv[i + 1];
    unsigned long n;
    if (!strcmp(a, "-t")) {
        if (o->nfilters == SUB_MAX_FILTERS) {
            fprintf(stderr, "moat sub: at most %d -t filters\n", SUB_MAX_FILTERS);
            return -1;
        }
        o->filters[o->nfilters++] = v;
        return 2;
    }
    unsigned long max = !strcmp(a, "-q") ? 2 : 1000000000ul;
    if (!cli_parse_uint("moat sub", a, v, max, &n))
        return -1;
    if (!strcmp(a, "-q"))
        o->qos = (uint8_t)n;
    else if (!strcmp(a, "-C"))
        o->count = n;
    else
        o->timeout_s = n;
    return 2;
}

static int parse(sub_opts *o, int argc, char **argv)
{
    cli_conn_defaults(&o->conn, "moat sub");
    int r = cli_parse_args(&o->conn, argc, argv, parse_own, o, usage);
    if (r != 0)
        return r;
    if (o->nfilters == 0) {
        fprintf(stderr, "moat sub: give at least one -t FILTER (see moat sub --help)\n");
        return 2;
    }
    for (size_t i = 0; i < o->nfilters; i++) {
        moat_mqtt_status st = cli_check_topic(o->filters[i], true);
        if (st != MOAT_MQTT_OK) {
            fprintf(stderr, "moat sub: '%s' is not a valid topic filter: %s\n", o->filters[i],
                    moat_mqtt_strerror(st));
            return 2;
        }
    }
    return cli_conn_check(&o->conn) ? 0 : 2;
}

static void on_message(void *user, const moat_mqtt_publish *m)
{
    sub_opts *o = user;
    if (o->count && o->received >= o->count)
        return; /* -C reached: what still arrives before we disconnect is not printed */
    if (o->verbose)
        printf("%.*s ", (int)m->topic.len, (const char *)m->topic.data);
    fwrite(m->payload, 1, m->payload_len, stdout);
    if (!o->no_newline)
        putchar('\n');
    fflush(stdout);
    o->received++;
}

/* Subscribes to every filter; warns about each refused one. False if none was granted. */
static bool subscribe_all(cli_session *s, sub_opts *o)
{
    moat_mqtt_sub_entry e[SUB_MAX_FILTERS];
    uint8_t codes[SUB_MAX_FILTERS];
    for (size_t i = 0; i < o->nfilters; i++) {
        e[i].filter = (moat_mqtt_str){(const uint8_t *)o->filters[i],
                                      (uint16_t)strlen(o->filters[i])};
        e[i].qos = o->qos;
    }
    moat_mqtt_client_status st =
        moat_mqtt_client_subscribe(&s->client, e, o->nfilters, codes, MOAT_MQTT_CLIENT_ACK_TIMEOUT_MS);
    if (st != MOAT_MQTT_CLIENT_OK) {
        cli_print_client_error(s, "subscribing failed", st);
        return false;
    }
    size_t granted = 0;
    for (size_t i = 0; i < o->nfilters; i++) {
        if (codes[i] == MOAT_MQTT_SUBACK_FAILURE)
            fprintf(stderr, "moat sub: the broker refused the subscription to '%s' (SUBACK "
                            "0x80): its ACL or policy does not allow this client to subscribe "
                            "to it (on AWS IoT: iot:Subscribe on topicfilter/...)\n",
                    o->filters[i]);
        else
            granted++;
        if (o->conn.debug && codes[i] != MOAT_MQTT_SUBACK_FAILURE)
            fprintf(stderr, "moat sub: subscribed to '%s' (granted QoS %u)\n", o->filters[i],
                    (unsigned)codes[i]);
    }
    return granted > 0;
}

/* Returns the exit status. */
static int receive(cli_session *s, sub_opts *o)
{
    uint32_t t0 = moat_posix_now_ms();
    while (!stop_requested && (!o->count || o->received < o->count)) {
        uint32_t elapsed = moat_posix_now_ms() - t0;
        if (o->timeout_s && elapsed >= o->timeout_s * 1000u) {
            fprintf(stderr, "moat sub: timed out after %lu s\n", o->timeout_s);
            return SUB_EXIT_TIMEOUT;
        }
        moat_mqtt_client_status st = moat_mqtt_client_process_loop(&s->client, 100);
        if (st != MOAT_MQTT_CLIENT_OK) {
            cli_print_client_error(s, "connection lost", st);
            return 1;
        }
    }
    return 0;
}

int moat_cli_sub(int argc, char **argv)
{
    sub_opts o;
    memset(&o, 0, sizeof o);
    int r = parse(&o, argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a signal interrupts poll() at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    cli_session s;
    if (!cli_session_open(&s, &o.conn, on_message, &o))
        return 1;
    int rc = subscribe_all(&s, &o) ? receive(&s, &o) : 1;
    cli_session_close(&s);
    return rc;
}
