/* doctor.c - `moat doctor SUBCOMMAND`: explains a failure in words, with the fix. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* Subcommands land in their own files; until one does, it says so. */
__attribute__((weak)) int moat_cli_doctor_chain(int argc, char **argv);
__attribute__((weak)) int moat_cli_doctor_endpoint(int argc, char **argv);

int moat_cli_doctor(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
        const char *summary;
    } subs[] = {
        {"chain", moat_cli_doctor_chain, "verify a certificate chain and explain what is wrong"},
        {"endpoint", moat_cli_doctor_endpoint, "connect to a broker and explain what fails"},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: moat doctor SUBCOMMAND ...\n");
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
            fprintf(f, "  %-9s %s\n", subs[i].name, subs[i].summary);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        if (!subs[i].run) {
            fprintf(stderr, "moat doctor: '%s' is not built into this binary\n", argv[1]);
            return 2;
        }
        return subs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "moat doctor: unknown subcommand '%s'\n", argv[1]);
    return 2;
}
