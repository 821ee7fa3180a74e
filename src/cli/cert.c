/* cert.c - `moat cert SUBCOMMAND`: dispatches issue (cert_issue.c) and the compressed-
 * certificate commands compress / decompress / store / read (cert_compressed.c). */
#include "cli/cli.h"

int moat_cli_cert(int argc, char **argv)
{
    static const cli_command subs[] = {
        {"issue", moat_cli_cert_issue, "issue device certificates from the signer CA"},
        {"compress", moat_cli_cert_compress, "certificate -> 72-byte compressed form"},
        {"decompress", moat_cli_cert_decompress, "compressed form -> certificate"},
        {"store", moat_cli_cert_store, "write compressed certificates into a chip"},
        {"read", moat_cli_cert_read, "rebuild the certificates stored in a chip"},
    };
    return cli_dispatch("moat cert", "usage: moat cert SUBCOMMAND ...", subs,
                        sizeof subs / sizeof subs[0], argc, argv);
}
