/* connect.c - connection options and session set-up shared by `moat pub` and `moat sub`:
 * flag parsing, the transport (cli_open_transport is where TLS plugs in), CONNECT, errors. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/connect.h"
#include "moat/se_atecc.h"

#define CLI_TX_LEN 4096u
#define CLI_STORE_LEN (2u * MOAT_MQTT_MAX_PACKET_DEFAULT)
#define CLI_OUTGOING 64u  /* the QoS 1/2 send window */
#define CLI_INCOMING 64u

void cli_conn_defaults(cli_conn_opts *o, const char *prog)
{
    memset(o, 0, sizeof *o);
    o->prog = prog;
    o->host = "127.0.0.1";
    o->port = 1883;
    o->keep_alive = 60;
    o->clean_session = true;
    o->connect_timeout_ms = 10000;
    snprintf(o->default_id, sizeof o->default_id, "%s-%ld",
             strcmp(prog, "moat sub") == 0 ? "moat-sub" : "moat-pub", (long)getpid());
    o->client_id = o->default_id;
}

const char *cli_conn_usage(void)
{
    return "connection:\n"
           "  -h HOST             broker host name or address (default 127.0.0.1)\n"
           "  -p PORT             broker port (default 1883)\n"
           "  -i ID               client id (default moat-pub-PID / moat-sub-PID)\n"
           "  -k SECONDS          keep-alive interval, 0 = off (default 60)\n"
           "  -u USER, -P PASS    user name and password\n"
           "  -c                  clean session off: keep the session on the broker (needs -i)\n"
           "  --will-topic T      last will topic, sent by the broker if we vanish\n"
           "  --will-payload M    last will message (default empty)\n"
           "  --will-qos Q        last will QoS 0..2\n"
           "  --will-retain       retain the last will\n"
           "TLS (any of these turns it on; the port defaults to 8883):\n"
           "  --cafile F          the broker's root CA(s), PEM; 'aws' = bundled Amazon roots\n"
           "  --cert F            device certificate (PEM; the signer may follow it)\n"
           "  --se LOCATOR        device key: emu:IMG, emu+unix:SOCK, i2c:/dev/i2c-N[@0xAA],\n"
           "                      pkcs11:MODULE?token=T&object=K&pin=P, file:KEY.pem\n"
           "  --slot N            ATECC608 key slot (default 0)\n"
           "  --key F             PEM private key (development; same as --se file:F)\n"
           "  --alpn P            ALPN protocol, e.g. x-amzn-mqtt-ca for AWS IoT on port 443\n"
           "  --sni NAME          server name sent and checked (default: the -h host)\n"
           "  -d, --debug         print what the client does\n";
}

/* Options that take a string value: where to store it. */
static const char **string_slot(cli_conn_opts *o, const char *a)
{
    static const struct {
        const char *name;
        size_t offset;
    } table[] = {
        {"-h", offsetof(cli_conn_opts, host)},
        {"-i", offsetof(cli_conn_opts, client_id)},
        {"-u", offsetof(cli_conn_opts, username)},
        {"-P", offsetof(cli_conn_opts, password)},
        {"--cafile", offsetof(cli_conn_opts, tls.cafile)},
        {"--cert", offsetof(cli_conn_opts, tls.cert)},
        {"--key", offsetof(cli_conn_opts, tls.key)},
        {"--se", offsetof(cli_conn_opts, tls.se)},
        {"--alpn", offsetof(cli_conn_opts, tls.alpn)},
        {"--sni", offsetof(cli_conn_opts, tls.sni)},
        {"--will-topic", offsetof(cli_conn_opts, will_topic)},
        {"--will-payload", offsetof(cli_conn_opts, will_payload)},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(a, table[i].name) == 0)
            return (const char **)(void *)((char *)o + table[i].offset);
    return NULL;
}

static int numeric_option(cli_conn_opts *o, const char *a, const char *val)
{
    unsigned long v;
    if (strcmp(a, "-p") == 0) {
        if (!cli_parse_uint(o->prog, a, val, 65535, &v))
            return -1;
        if (v == 0) {
            fprintf(stderr, "%s: -p needs a port from 1 to 65535, not 0\n", o->prog);
            return -1;
        }
        o->port = (uint16_t)v;
        o->port_given = true;
        return 2;
    }
    if (strcmp(a, "--slot") == 0) {
        if (!cli_parse_uint(o->prog, a, val, 15, &v))
            return -1;
        o->tls.slot = (unsigned)v;
        return 2;
    }
    if (strcmp(a, "-k") == 0) {
        if (!cli_parse_uint(o->prog, a, val, 65535, &v))
            return -1;
        o->keep_alive = (uint16_t)v;
        return 2;
    }
    if (strcmp(a, "--will-qos") == 0) {
        if (!cli_parse_uint(o->prog, a, val, 2, &v))
            return -1;
        o->will_qos = (uint8_t)v;
        return 2;
    }
    return 0;
}

int cli_conn_option(cli_conn_opts *o, int argc, char **argv, int i)
{
    const char *a = argv[i];
    if (strcmp(a, "-c") == 0) {
        o->clean_session = false;
        return 1;
    }
    if (strcmp(a, "--will-retain") == 0) {
        o->will_retain = true;
        return 1;
    }
    if (strcmp(a, "-d") == 0 || strcmp(a, "--debug") == 0) {
        o->debug = true;
        return 1;
    }
    const char **slot = string_slot(o, a);
    bool numeric = !strcmp(a, "-p") || !strcmp(a, "-k") || !strcmp(a, "--will-qos") ||
                   !strcmp(a, "--slot");
    if (!slot && !numeric)
        return 0;
    if (!cli_has_value(o->prog, argc, argv, i))
        return -1;
    if (numeric)
        return numeric_option(o, a, argv[i + 1]);
    *slot = argv[i + 1];
    return 2;
}

bool cli_has_value(const char *prog, int argc, char **argv, int i)
{
    if (i + 1 < argc)
        return true;
    fprintf(stderr, "%s: %s needs a value\n", prog, argv[i]);
    return false;
}

int cli_parse_args(cli_conn_opts *o, int argc, char **argv, cli_own_option_fn own,
                   void *opts, void (*usage)(FILE *f))
{
    for (int i = 1; i < argc;) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 1;
        }
        int used = cli_conn_option(o, argc, argv, i);
        if (used == 0)
            used = own(opts, argc, argv, i);
        if (used == 0)
            fprintf(stderr, "%s: unknown option '%s' (see %s --help)\n", o->prog, argv[i],
                    o->prog);
        if (used <= 0)
            return 2;
        i += used;
    }
    return 0;
}

moat_mqtt_status cli_check_topic(const char *topic, bool filter)
{
    size_t len = strlen(topic);
    if (len > 65535)
        return MOAT_MQTT_ERR_STRING_TOO_LONG;
    return filter ? moat_mqtt_validate_topic_filter((const uint8_t *)topic, len)
                  : moat_mqtt_validate_topic_name((const uint8_t *)topic, len);
}

bool cli_conn_check(cli_conn_opts *o)
{
    if (!o->clean_session && o->client_id == o->default_id) {
        fprintf(stderr, "%s: -c (keep the session) needs -i ID: the broker finds a session by "
                        "its client id, and a generated id is new every run\n", o->prog);
        return false;
    }
    if ((o->will_payload || o->will_qos || o->will_retain) && !o->will_topic) {
        fprintf(stderr, "%s: --will-payload/--will-qos/--will-retain need --will-topic\n",
                o->prog);
        return false;
    }
    if (o->password && !o->username) {
        fprintf(stderr, "%s: -P needs -u: MQTT 3.1.1 sends no password without a user name "
                        "(MQTT-3.1.2-22)\n", o->prog);
        return false;
    }
    if ((o->tls.cafile || o->tls.cert || o->tls.key || o->tls.se) && !o->port_given)
        o->port = 8883;
    return true;
}

bool cli_open_transport(const cli_conn_opts *o, cli_session *s)
{
    moat_posix_tcp_init(&s->tcp);
    if (o->debug)
        fprintf(stderr, "%s: connecting to %s port %u\n", o->prog, o->host, (unsigned)o->port);
    if (moat_posix_tcp_connect(&s->tcp, o->host, o->port, o->connect_timeout_ms) !=
        MOAT_POSIX_TCP_OK) {
        fprintf(stderr, "%s: %s\n", o->prog, s->tcp.error);
        return false;
    }
    moat_posix_tcp_transport(&s->tcp, &s->transport);
    if (!cli_tls_wanted(&o->tls))
        return true;
    moat_transport tcp = s->transport;
    if (cli_tls_open(o->prog, &o->tls, o->host, &tcp, &s->tls, false) != MOAT_TLS_OK)
        return false;
    if (o->debug) {
        const moat_tls_info *ti = moat_tls_get_info(s->tls.tls);
        fprintf(stderr, "%s: TLS %s %s, %u secure-element signature(s)\n", o->prog, ti->version,
                ti->ciphersuite, ti->se_ops.sign);
        const moat_atecc *chip = moat_se_atecc_device(s->tls.key);
        if (chip) /* on a real ATECC608 every command costs milliseconds: show them */
            fprintf(stderr, "%s: chip commands so far: %u GenKey, %u Nonce, %u Sign, %u Read\n",
                    o->prog, chip->stats.commands[MOAT_ATECC_KIND_GENKEY],
                    chip->stats.commands[MOAT_ATECC_KIND_NONCE],
                    chip->stats.commands[MOAT_ATECC_KIND_SIGN],
                    chip->stats.commands[MOAT_ATECC_KIND_READ]);
    }
    s->transport = s->tls.transport;
    return true;
}

static moat_mqtt_str view(const char *s)
{
    moat_mqtt_str v = {(const uint8_t *)(s ? s : ""), (uint16_t)(s ? strlen(s) : 0)};
    return v;
}

static bool strings_fit(const cli_conn_opts *o)
{
    const char *all[] = {o->client_id, o->username, o->password, o->will_topic, o->will_payload};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (all[i] && strlen(all[i]) > 65535) {
            fprintf(stderr, "%s: an option value is longer than MQTT's 65535-byte limit\n",
                    o->prog);
            return false;
        }
    }
    return true;
}

static moat_mqtt_connect connect_info(const cli_conn_opts *o)
{
    moat_mqtt_connect c = {
        .client_id = view(o->client_id),
        .keep_alive_s = o->keep_alive,
        .clean_session = o->clean_session,
        .has_will = o->will_topic != NULL,
        .will_topic = view(o->will_topic),
        .will_payload = view(o->will_payload),
        .will_qos = o->will_qos,
        .will_retain = o->will_retain,
        .has_username = o->username != NULL,
        .username = view(o->username),
        .has_password = o->password != NULL,
        .password = view(o->password),
    };
    return c;
}

static bool alloc_buffers(cli_session *s)
{
    moat_mqtt_client_buffers *b = &s->bufs;
    b->rx_len = MOAT_MQTT_MAX_PACKET_DEFAULT;
    b->tx_len = CLI_TX_LEN;
    b->store_len = CLI_STORE_LEN;
    b->outgoing_count = CLI_OUTGOING;
    b->incoming_count = CLI_INCOMING;
    b->rx = malloc(b->rx_len);
    b->tx = malloc(b->tx_len);
    b->store = malloc(b->store_len);
    b->outgoing = calloc(CLI_OUTGOING, sizeof *b->outgoing);
    b->incoming_qos2 = calloc(CLI_INCOMING, sizeof *b->incoming_qos2);
    if (b->rx && b->tx && b->store && b->outgoing && b->incoming_qos2)
        return true;
    fprintf(stderr, "%s: out of memory\n", s->opts->prog);
    return false;
}

/* -d: one line per packet, like mosquitto_sub -d. */
static void print_trace(void *user, bool outgoing, uint8_t type, uint16_t id, bool dup)
{
    const cli_conn_opts *o = user;
    fprintf(stderr, "%s: %s %s", o->prog, outgoing ? "sent" : "received",
            moat_mqtt_type_name(type));
    if (id)
        fprintf(stderr, " (id %u%s)", (unsigned)id, dup ? ", DUP" : "");
    fputc('\n', stderr);
}

static void report_session(const cli_session *s)
{
    const cli_conn_opts *o = s->opts;
    if (!o->debug)
        return;
    fprintf(stderr, "%s: connected as '%s' (keep-alive %u s, clean session %s, session present "
                    "%s)\n", o->prog, o->client_id, (unsigned)o->keep_alive,
            o->clean_session ? "on" : "off", s->session_present ? "yes" : "no");
    if (s->client.discarded_on_connect)
        fprintf(stderr, "%s: the broker has no session for us: %zu unacknowledged messages "
                        "were discarded\n", o->prog, s->client.discarded_on_connect);
    if (s->client.resent_on_connect)
        fprintf(stderr, "%s: session resumed: resent %zu unacknowledged packets\n", o->prog,
                s->client.resent_on_connect);
}

bool cli_session_open(cli_session *s, const cli_conn_opts *o, moat_mqtt_client_publish_cb cb,
                      void *user)
{
    memset(s, 0, sizeof *s);
    s->opts = o;
    moat_posix_tcp_init(&s->tcp);
    if (!strings_fit(o) || !alloc_buffers(s) || !cli_open_transport(o, s)) {
        cli_session_close(s);
        return false;
    }
    moat_mqtt_client_status st =
        moat_mqtt_client_init(&s->client, &s->transport, moat_posix_now_ms, &s->bufs, cb, user);
    moat_mqtt_connect info = connect_info(o);
    if (o->debug)
        moat_mqtt_client_set_trace(&s->client, print_trace, (void *)o);
    if (st == MOAT_MQTT_CLIENT_OK)
        st = moat_mqtt_client_connect(&s->client, &info, o->connect_timeout_ms,
                                      &s->session_present);
    if (st != MOAT_MQTT_CLIENT_OK) {
        char what[320];
        snprintf(what, sizeof what, "connecting to %s:%u as '%s' failed", o->host,
                 (unsigned)o->port, o->client_id);
        cli_print_client_error(s, what, st);
        cli_session_close(s);
        return false;
    }
    report_session(s);
    return true;
}

void cli_session_close(cli_session *s)
{
    if (s->client.connected)
        moat_mqtt_client_disconnect(&s->client);
    cli_tls_close(&s->tls);
    moat_posix_tcp_close(&s->tcp);
    free(s->bufs.rx);
    free(s->bufs.tx);
    free(s->bufs.store);
    free(s->bufs.outgoing);
    free(s->bufs.incoming_qos2);
    memset(&s->bufs, 0, sizeof s->bufs);
}

void cli_print_client_error(const cli_session *s, const char *what, moat_mqtt_client_status st)
{
    const char *prog = s->opts->prog;
    fprintf(stderr, "%s: %s: %s\n", prog, what, moat_mqtt_client_explain(st));
    switch (st) {
    case MOAT_MQTT_CLIENT_ERR_ENCODE:
    case MOAT_MQTT_CLIENT_ERR_MALFORMED:
        fprintf(stderr, "  (codec: %s)\n", moat_mqtt_strerror(s->client.codec_status));
        break;
    case MOAT_MQTT_CLIENT_ERR_SEND_FAILED:
    case MOAT_MQTT_CLIENT_ERR_RECV_FAILED:
    case MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK:
        if (s->tcp.error[0])
            fprintf(stderr, "  (transport: %s)\n", s->tcp.error);
        break;
    case MOAT_MQTT_CLIENT_ERR_KEEPALIVE_TIMEOUT:
        fprintf(stderr, "  (no PINGRESP within %u ms of the PINGREQ; keep-alive %u s)\n",
                (unsigned)s->client.pingresp_timeout_ms, (unsigned)s->opts->keep_alive);
        break;
    default:
        break;
    }
}
