/* cli/connect.h - what `moat pub` and `moat sub` share: the connection options (mosquitto-like
 * flags), opening the transport (the one place TLS plugs in), CONNECT, and error printing. */
#ifndef MOAT_CLI_CONNECT_H
#define MOAT_CLI_CONNECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "moat/mqtt_client.h"
#include "cli/cli_tls.h"
#include "cli/cli_util.h"
#include "moat/posix_tcp.h"

typedef struct {
    const char *prog;          /* "moat pub" / "moat sub", for messages */
    const char *host;          /* -h, default 127.0.0.1 */
    uint16_t port;             /* -p, default 1883 (8883 once TLS options are given) */
    bool port_given;
    const char *client_id;     /* -i, default PROG-PID */
    char default_id[40];
    uint16_t keep_alive;       /* -k seconds, default 60 */
    const char *username;      /* -u */
    const char *password;      /* -P */
    bool clean_session;        /* true unless -c */
    cli_tls_opts tls;          /* --cafile --cert --key --se --slot --alpn --sni */
    const char *will_topic, *will_payload;
    uint8_t will_qos;
    bool will_retain;
    bool debug;                /* -d */
    uint32_t connect_timeout_ms;
} cli_conn_opts;

/* A connection: the transport and the MQTT client with its buffers (heap: this is the CLI). */
typedef struct {
    moat_posix_tcp tcp;
    cli_tls tls;               /* used when TLS options are given */
    moat_transport transport;
    moat_mqtt_client client;
    moat_mqtt_client_buffers bufs;
    const cli_conn_opts *opts;
    bool session_present;
} cli_session;

void cli_conn_defaults(cli_conn_opts *o, const char *prog);

/* If argv[i] is a connection option, applies it and returns how many arguments it used (1 or
 * 2); returns 0 if it is not one, -1 after printing a usage error. */
int cli_conn_option(cli_conn_opts *o, int argc, char **argv, int i);

/* A command's own options (pub's, sub's): the same contract as cli_conn_option, with the
 * command's option struct as `opts`. */
typedef int (*cli_own_option_fn)(void *opts, int argc, char **argv, int i);

/* Walks argv[1..]: --help prints usage(stdout); every other argument is tried as a connection
 * option, then with own(opts, ...); an unknown one is named with a pointer to --help.
 * Returns 0 when all were taken, 1 after the help, 2 after a usage error. */
int cli_parse_args(cli_conn_opts *o, int argc, char **argv, cli_own_option_fn own,
                   void *opts, void (*usage)(FILE *f));

/* True when option argv[i] has a value after it; otherwise prints "PROG: OPT needs a value". */
bool cli_has_value(const char *prog, int argc, char **argv, int i);

/* Checks a topic name (filter false) or topic filter (filter true) given on the command line,
 * including the 65535-byte limit of an MQTT string. */
moat_mqtt_status cli_check_topic(const char *topic, bool filter);

/* Checks the options together (e.g. -c needs -i); prints the problem and returns false. */
bool cli_conn_check(cli_conn_opts *o);

/* The connection options' help text. */
const char *cli_conn_usage(void);

/* Opens the byte stream to the broker and fills s->transport: TCP, then TLS over it when any
 * TLS option is given. Prints the error (cause and fix) and returns false on failure. */
bool cli_open_transport(const cli_conn_opts *o, cli_session *s);

/* Allocates the buffers, opens the transport and sends CONNECT; prints any failure with its
 * cause and fix. Returns false on failure (s is then closed). */
bool cli_session_open(cli_session *s, const cli_conn_opts *o, moat_mqtt_client_publish_cb cb,
                      void *user);

/* Sends DISCONNECT if connected, closes the transport, frees the buffers. */
void cli_session_close(cli_session *s);

/* Prints "PROG: WHAT: cause and fix" for a client status, with the transport's own words and
 * the codec's reason when they add something. */
void cli_print_client_error(const cli_session *s, const char *what, moat_mqtt_client_status st);

#endif
