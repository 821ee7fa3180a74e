/* broker/config.h - moatd configuration: defaults per profile, the config file (`key value`
 * lines) and command-line flags, merged into one moatd_config. Flags override the file.
 *
 * File format (docs/broker.md has the full key reference):
 *   # comment            blank lines are ignored
 *   key value            one setting per line; '-' and '_' in keys are the same
 *   listen 127.0.0.1:1883       repeatable: several plain TCP listeners
 *   tls_listen [::]:8883        repeatable: several TLS listeners
 * Sizes take k/m/g suffixes (1024-based): 128k. Durations take s/m/h suffixes: 90s, 20m.
 * Booleans: yes/no, true/false, on/off, 1/0.
 * Errors name the file, the line, the key and what is wrong, e.g.
 *   moatd.conf:12: 'max_packet' wants a size like 128k, got 'big'
 * Unknown keys are errors with a did-you-mean suggestion.
 */
#ifndef MOATD_CONFIG_H
#define MOATD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "broker/log.h"
#include "broker/store.h"

#define MOATD_MAX_LISTENERS 16
#define MOATD_MAX_ALPN 8
#define MOATD_PATH_MAX 1024

typedef enum {
    MOATD_PROFILE_AWS = 0, /* behaves as AWS IoT Core (default) */
    MOATD_PROFILE_MQTT,    /* plain MQTT 3.1.1 */
} moatd_profile;

typedef struct {
    char host[64];  /* address or host name as written, without brackets: "0.0.0.0", "::1" */
    uint16_t port;
    bool tls;
} moatd_listener;

typedef struct moatd_config {
    moatd_profile profile;

    moatd_listener listeners[MOATD_MAX_LISTENERS];
    size_t n_listeners;

    /* TLS (all TLS listeners share them). Empty string = not set. */
    char cert_file[MOATD_PATH_MAX];    /* server certificate chain, PEM */
    char key_file[MOATD_PATH_MAX];     /* its private key, PEM */
    char ca_file[MOATD_PATH_MAX];      /* CAs that client certificates must chain to */
    bool require_certificate;          /* reject TLS clients without a verified certificate */
    char ciphers[512];                 /* TLS 1.2 cipher list (OpenSSL syntax); "" = default */
    char ciphersuites[256];            /* TLS 1.3 suites; "" = OpenSSL default */
    char alpn[MOATD_MAX_ALPN][64];     /* accepted ALPN protocols, in server preference */
    size_t n_alpn;
    bool alpn_required;                /* refuse a handshake that offers ALPN none of ours */

    char data_dir[MOATD_PATH_MAX];     /* holds moatd.db; created if missing */
    moatd_store_sync sqlite_synchronous;

    /* limits */
    size_t max_packet;                 /* largest packet accepted (bytes, header included) */
    uint32_t max_inflight;             /* unacked outgoing QoS 1/2 messages per client */
    uint32_t max_queued_messages;      /* messages queued per client beyond in-flight */
    size_t max_outgoing_bytes;         /* bytes buffered for one client before it is slow:
                                          further QoS 0 messages to it are dropped */
    uint32_t max_connections;          /* 0 = no limit but the fd limit */
    uint32_t client_id_max;            /* longest client id accepted (bytes) */
    uint32_t keepalive_min;            /* smaller requested keep-alives are raised to this */
    uint32_t keepalive_max;            /* larger ones (and 0 in the aws profile) become this */
    uint32_t connect_timeout;          /* seconds from accept to a complete CONNECT; 0 = off */
    uint32_t session_expiry;           /* seconds a disconnected persistent session is kept;
                                          0 = forever */

    /* logging */
    moatd_log_format log_format;
    moatd_log_level log_level;
    char log_file[MOATD_PATH_MAX];     /* "" = stderr */

    uint32_t sys_interval;             /* seconds between $SYS publications; 0 = off */

    uint64_t set_mask;                 /* internal: which keys were set explicitly */

    /* set by flags, not by the file */
    char config_file[MOATD_PATH_MAX];  /* the file read, "" if none */
    bool check_config;                 /* --check-config */
    bool help;                         /* --help: usage was requested */
    bool version;                      /* --version */
} moatd_config;

typedef enum {
    MOATD_CONFIG_OK = 0,
    MOATD_CONFIG_ERR_USAGE,   /* a bad command line: unknown flag, missing value */
    MOATD_CONFIG_ERR_FILE,    /* the config file cannot be read */
    MOATD_CONFIG_ERR_VALUE,   /* a bad key or value (file or flag), or an inconsistent set
                                 (a TLS listener without --cert/--key) */
    MOATD_CONFIG_ERR_TLS,     /* --check-config: cert/key/cafile unreadable or not matching */
} moatd_config_status;

/* Fills `c` with the built-in defaults of `profile` (no listeners yet: see _finish). */
void moatd_config_defaults(moatd_config *c, moatd_profile profile);

/* The whole start-up path for main.c: defaults, then the file named by --config (if any),
 * then the other flags, then moatd_config_finish(). On error `err` holds one line (file:line:
 * key: what is wrong, or the bad flag). When c->help or c->version is set the caller prints
 * moatd_config_usage() / the version and exits 0. */
moatd_config_status moatd_config_from_args(moatd_config *c, int argc, char **argv, char *err,
                                           size_t errlen);

/* Sets one key (as in the file) to `value`. `where` prefixes error messages ("moatd.conf:12"
 * or "--max-packet"). Listener keys append. */
moatd_config_status moatd_config_set(moatd_config *c, const char *key, const char *value,
                                     const char *where, char *err, size_t errlen);

/* Reads a config file into `c` (on top of what is there). */
moatd_config_status moatd_config_load_file(moatd_config *c, const char *path, char *err,
                                           size_t errlen);

/* Applies the profile-dependent defaults of keys nobody set, the default listeners when none
 * was given, the default data_dir, and checks consistency (TLS listeners need cert and key;
 * require_certificate needs cafile; keepalive_min <= keepalive_max). */
moatd_config_status moatd_config_finish(moatd_config *c, char *err, size_t errlen);

/* --check-config: opens cert, key and cafile, checks the key matches the certificate, checks
 * data_dir is usable, then prints a summary to `out`. Returns OK or the first problem (also
 * in err). */
moatd_config_status moatd_config_check(const moatd_config *c, FILE *out, char *err,
                                       size_t errlen);

/* Prints the effective configuration as a config file (every key) to `out`. */
void moatd_config_dump(const moatd_config *c, FILE *out);

/* Prints the --help text. */
void moatd_config_usage(FILE *out);

const char *moatd_config_strerror(moatd_config_status s);
const char *moatd_profile_name(moatd_profile p);

/* Value parsers (exported for tests). Each returns false on a malformed value. */
bool moatd_config_parse_size(const char *s, size_t *out);       /* 128k, 1m, 4096 */
bool moatd_config_parse_seconds(const char *s, uint32_t *out);   /* 30, 90s, 20m, 1h */
bool moatd_config_parse_bool(const char *s, bool *out);
bool moatd_config_parse_listener(const char *s, moatd_listener *out); /* ADDR:PORT, [v6]:PORT,
                                                                          :PORT, PORT */

#endif
