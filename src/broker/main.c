/* broker/main.c - the moatd program: parse flags and the config file (config.c), open the log,
 * start the server and run it until SIGTERM. */
#include <stdio.h>
#include <string.h>

#include "broker/config.h"
#include "broker/log.h"
#include "broker/server.h"

static int run(const moatd_config *cfg)
{
    char err[512];
    if (moatd_log_open(cfg->log_format, cfg->log_level, cfg->log_file, err, sizeof(err)) < 0) {
        fprintf(stderr, "moatd: %s\n", err);
        return 1;
    }
    moatd_server *srv = moatd_server_create(cfg);
    if (srv == NULL) {
        fprintf(stderr, "moatd: out of memory\n");
        return 1;
    }
    int rc = 0;
    if (moatd_server_start(srv, err, sizeof(err)) < 0) {
        moatd_log(MOATD_LOG_ERROR, "start", "error", err, NULL);
        fprintf(stderr, "moatd: %s\n", err);
        rc = 1;
    } else {
        moatd_server_run(srv);
    }
    moatd_server_free(srv);
    moatd_log_close();
    return rc;
}

int main(int argc, char **argv)
{
    static moatd_config cfg;
    char err[512];
    moatd_config_status st = moatd_config_from_args(&cfg, argc, argv, err, sizeof(err));
    if (st != MOATD_CONFIG_OK) {
        fprintf(stderr, "moatd: %s\n", err);
        if (st == MOATD_CONFIG_ERR_USAGE)
            fprintf(stderr, "Run 'moatd --help' for the options.\n");
        return 2;
    }
    if (cfg.help) {
        moatd_config_usage(stdout);
        return 0;
    }
    if (cfg.version) {
        printf("%s\n", MOATD_VERSION_STRING);
        return 0;
    }
    if (cfg.check_config) {
        st = moatd_config_check(&cfg, stdout, err, sizeof(err));
        if (st != MOATD_CONFIG_OK) {
            fprintf(stderr, "moatd: %s\n", err);
            return 1;
        }
        return 0;
    }
    return run(&cfg);
}
