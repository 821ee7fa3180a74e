/* main.c - `moat`: dispatches to one command per file (see cli.h). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define MOAT_WEAK __attribute__((weak))
/* Commands are linked in as their files land; a missing one reports itself instead of
 * breaking the build of the others. */
MOAT_WEAK int moat_cli_pub(int argc, char **argv);
MOAT_WEAK int moat_cli_sub(int argc, char **argv);
MOAT_WEAK int moat_cli_se(int argc, char **argv);
MOAT_WEAK int moat_cli_ca(int argc, char **argv);
MOAT_WEAK int moat_cli_cert(int argc, char **argv);
MOAT_WEAK int moat_cli_doctor(int argc, char **argv);

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"pub", moat_cli_pub, "publish a message (like mosquitto_pub)"},
    {"sub", moat_cli_sub, "subscribe and print messages (like mosquitto_sub)"},
    {"se", moat_cli_se, "secure element: info, config, genkey, pubkey, sign, provision..."},
    {"ca", moat_cli_ca, "certificate authority: init, verification-cert"},
    {"cert", moat_cli_cert, "certificates: issue, compress, decompress, store, read"},
    {"doctor", moat_cli_doctor, "explain a failure: chain, endpoint"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: moat COMMAND [OPTIONS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n`moat COMMAND --help` shows a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("moat 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        if (!commands[i].run) {
            fprintf(stderr, "moat: '%s' is not built into this binary\n", argv[1]);
            return 2;
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "moat: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
