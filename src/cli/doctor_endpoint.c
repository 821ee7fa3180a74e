/* doctor_endpoint.c - `moat doctor endpoint HOST:PORT`: connects step by step (TCP, TLS, MQTT
 * CONNECT) and says at which step and why a device would fail, with the fix. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_tls.h"
#include "cli/cli_util.h"
#include "moat/mqtt_client.h"
#include "moat/posix_tcp.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: moat doctor endpoint HOST:PORT [--cafile FILE|aws] [--cert FILE]\n"
            "                            [--se LOCATOR [--slot N] | --key FILE] [--sni NAME]\n"
            "                            [--alpn PROTO] [-i CLIENT_ID] [--plain]\n"
            "Connects like a device would and explains each step: TCP, TLS (server chain,\n"
            "trust, SNI/ALPN, our certificate), then MQTT CONNECT.\n");
}

static bool split_host_port(const char *arg, char *host, size_t cap, uint16_t *port)
{
    const char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || (size_t)(colon - arg) >= cap)
        return false;
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = 0;
    char *end;
    long p = strtol(colon + 1, &end, 10);
    if (*end || p <= 0 || p > 65535)
        return false;
    *port = (uint16_t)p;
    return true;
}

static void print_chain(const moat_tls_info *info)
{
    if (info->chain_len == 0) {
        printf("    (the server presented no certificate we could read)\n");
        return;
    }
    unsigned top = info->chain_len - 1;
    if (strcmp(info->chain_subject[top], info->chain_issuer[top]) != 0)
        printf("    %s (not sent by the server)\n", info->chain_issuer[top]);
    for (unsigned i = info->chain_len; i-- > 0;)
        printf("    %*s└─ %s\n", (int)(2 * (info->chain_len - 1 - i)), "",
               info->chain_subject[i]);
}

static int step_tls(const char *host, const cli_tls_opts *to, const moat_transport *lower,
                    cli_tls *t)
{
    moat_tls_status st = cli_tls_open("moat doctor", to, host, lower, t, true);
    const moat_tls_info *info = t->tls ? moat_tls_get_info(t->tls) : NULL;
    if (info && info->chain_len) {
        printf("  server chain:\n");
        print_chain(info);
    }
    if (st != MOAT_TLS_OK) {
        printf("✗ TLS: %s\n  %s\n", moat_tls_strerror(st),
               t->tls ? moat_tls_explain(t->tls) : "(the key could not be opened)");
        return 1;
    }
    printf("✓ TLS: %s %s, server certificate trusted, SNI \"%s\"", info->version,
           info->ciphersuite, to->sni ? to->sni : host);
    if (to->alpn)
        printf(", ALPN %s -> %s", to->alpn, info->alpn[0] ? info->alpn : "(none selected)");
    printf("\n");
    if (t->key)
        printf("✓ the broker accepted our certificate (%s key, %u signature(s) in the "
               "handshake, %u bytes out / %u in)\n",
               t->key->backend, info->se_ops.sign, info->bytes_sent, info->bytes_received);
    return 0;
}

static int step_mqtt(const char *client_id, const moat_transport *tr)
{
    static uint8_t rx[4096], tx[4096];
    moat_mqtt_client c;
    moat_mqtt_client_buffers b = {.rx = rx, .rx_len = sizeof rx, .tx = tx, .tx_len = sizeof tx};
    moat_mqtt_client_status st = moat_mqtt_client_init(&c, tr, moat_posix_now_ms, &b, NULL, NULL);
    if (st != MOAT_MQTT_CLIENT_OK) {
        printf("✗ MQTT: %s\n", moat_mqtt_client_explain(st));
        return 1;
    }
    moat_mqtt_connect info = {
        .client_id = {(const uint8_t *)client_id, (uint16_t)strlen(client_id)},
        .keep_alive_s = 60,
        .clean_session = true,
    };
    bool present = false;
    st = moat_mqtt_client_connect(&c, &info, 5000, &present);
    if (st != MOAT_MQTT_CLIENT_OK) {
        printf("✗ MQTT CONNECT as \"%s\": %s\n", client_id, moat_mqtt_client_explain(st));
        return 1;
    }
    printf("✓ MQTT: CONNACK accepted for client ID \"%s\"\n", client_id);
    moat_mqtt_client_disconnect(&c);
    return 0;
}

int moat_cli_doctor_endpoint(int argc, char **argv)
{
    static const struct option longs[] = {
        {"cafile", required_argument, 0, 'C'}, {"cert", required_argument, 0, 'c'},
        {"key", required_argument, 0, 'k'},    {"se", required_argument, 0, 's'},
        {"slot", required_argument, 0, 'S'},   {"sni", required_argument, 0, 'n'},
        {"alpn", required_argument, 0, 'a'},   {"plain", no_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    cli_tls_opts to = {0};
    bool plain = false;
    unsigned long slot;
    char id_buf[48];
    snprintf(id_buf, sizeof id_buf, "moat-doctor-%d", (int)getpid());
    const char *client_id = id_buf;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "i:h", longs, NULL)) != -1) {
        switch (opt) {
        case 'C': to.cafile = optarg; break;
        case 'c': to.cert = optarg; break;
        case 'k': to.key = optarg; break;
        case 's': to.se = optarg; break;
        case 'S':
            if (!cli_parse_uint("moat doctor endpoint", "--slot", optarg, 15, &slot))
                return 2;
            to.slot = (unsigned)slot;
            break;
        case 'n': to.sni = optarg; break;
        case 'a': to.alpn = optarg; break;
        case 'P': plain = true; break;
        case 'i': client_id = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char host[256];
    uint16_t port;
    if (optind != argc - 1 || !split_host_port(argv[optind], host, sizeof host, &port)) {
        usage(stderr);
        return 2;
    }
    moat_posix_tcp tcp;
    moat_posix_tcp_init(&tcp);
    if (moat_posix_tcp_connect(&tcp, host, port, 5000) != MOAT_POSIX_TCP_OK) {
        printf("✗ TCP: %s\n", tcp.error);
        return 1;
    }
    printf("✓ TCP: connected to %s:%u\n", host, port);
    moat_transport lower;
    moat_posix_tcp_transport(&tcp, &lower);
    cli_tls t = {0};
    int rc = 0;
    const moat_transport *tr = &lower;
    if (!plain) {
        if (!to.cafile) {
            printf("  (no --cafile: checking against the bundled Amazon roots; give --cafile "
                   "FILE for another broker, or --plain for a non-TLS port)\n");
            to.cafile = "aws";
        }
        rc = step_tls(host, &to, &lower, &t);
        tr = &t.transport;
    }
    if (rc == 0)
        rc = step_mqtt(client_id, tr);
    cli_tls_close(&t);
    moat_posix_tcp_close(&tcp);
    printf(rc == 0 ? "verdict: a device with these settings connects.\n"
                   : "verdict: a device with these settings fails at the step marked ✗.\n");
    return rc;
}
