/* main.c - `moat`: dispatches to one command per file (see cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const cli_command commands[] = {
    {"pub", moat_cli_pub, "publish a message (like mosquitto_pub)"},
    {"sub", moat_cli_sub, "subscribe and print messages (like mosquitto_sub)"},
    {"se", moat_cli_se, "secure element: info, config, genkey, pubkey, sign, provision..."},
    {"ca", moat_cli_ca, "certificate authority: init, verification-cert"},
    {"cert", moat_cli_cert, "certificates: issue, compress, decompress, store, read"},
    {"doctor", moat_cli_doctor, "explain a failure: chain, endpoint"},
};

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("moat 0.1.0\n");
        return 0;
    }
    return cli_dispatch("moat", "usage: moat COMMAND [OPTIONS]  (moat COMMAND --help for more)",
                        commands, sizeof commands / sizeof commands[0], argc, argv);
}
