/* doctor.c - `moat doctor SUBCOMMAND`: explains a failure in words, with the fix. */
#include "cli/cli.h"

int moat_cli_doctor(int argc, char **argv)
{
    static const cli_command subs[] = {
        {"chain", moat_cli_doctor_chain, "verify a certificate chain and explain what is wrong"},
        {"endpoint", moat_cli_doctor_endpoint, "connect to a broker and explain what fails"},
    };
    return cli_dispatch("moat doctor", "usage: moat doctor SUBCOMMAND ...", subs,
                        sizeof subs / sizeof subs[0], argc, argv);
}
