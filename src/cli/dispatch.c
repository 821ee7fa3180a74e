/* dispatch.c - one dispatcher for `moat COMMAND` and every `moat COMMAND SUBCOMMAND`. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static void usage(FILE *f, const char *usage_line, const cli_command *table, size_t n)
{
    int width = 11;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(table[i].name) > width)
            width = (int)strlen(table[i].name);
    fprintf(f, "%s\n", usage_line);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-*s %s\n", width, table[i].name, table[i].summary);
}

int cli_dispatch(const char *prog, const char *usage_line, const cli_command *table, size_t n,
                 int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr, usage_line, table, n);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout, usage_line, table, n);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(argv[1], table[i].name) == 0)
            return table[i].run(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, argv[1]);
    usage(stderr, usage_line, table, n);
    return 2;
}
