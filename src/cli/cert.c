/* cert.c - `moat cert SUBCOMMAND`: dispatches issue (cert_issue.c) and the compressed-
 * certificate commands compress / decompress / store / read (cert_compressed.c). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* The compressed-certificate commands live in another file; a binary built without it
 * reports the command as missing instead of failing to link. */
__attribute__((weak)) int moat_cli_cert_compress(int argc, char **argv);
__attribute__((weak)) int moat_cli_cert_decompress(int argc, char **argv);
__attribute__((weak)) int moat_cli_cert_store(int argc, char **argv);
__attribute__((weak)) int moat_cli_cert_read(int argc, char **argv);

int moat_cli_cert(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
        const char *summary;
    } subs[] = {
        {"issue", moat_cli_cert_issue, "issue device certificates from the signer CA"},
        {"compress", moat_cli_cert_compress, "certificate -> 72-byte compressed form"},
        {"decompress", moat_cli_cert_decompress, "compressed form -> certificate"},
        {"store", moat_cli_cert_store, "write compressed certificates into a chip"},
        {"read", moat_cli_cert_read, "rebuild the certificates stored in a chip"},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: moat cert SUBCOMMAND ...\n");
        for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
            fprintf(f, "  %-11s %s\n", subs[i].name, subs[i].summary);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        if (!subs[i].run) {
            fprintf(stderr, "moat cert: '%s' is not built into this binary\n", argv[1]);
            return 2;
        }
        return subs[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "moat cert: unknown subcommand '%s'\n", argv[1]);
    return 2;
}
