/* cli.h - the `moat` command line: one function per top-level command, each in its own file.
 * Each takes the arguments after the command name (argv[0] is the command name) and returns
 * the process exit status: 0 success, 1 the operation failed (the reason was printed),
 * 2 bad usage. */
#ifndef MOAT_CLI_H
#define MOAT_CLI_H

#include <stddef.h>

/* A command or subcommand: its name, its function, one line for the usage text. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

/* Runs the entry of `table` named by argv[1] with the arguments after it; prints the usage
 * (named `usage_line`) for --help/-h or no argument, and a clear error for an unknown name. */
int cli_dispatch(const char *prog, const char *usage_line, const cli_command *table, size_t n,
                 int argc, char **argv);

int moat_cli_pub(int argc, char **argv);    /* pub.c: publish messages (mosquitto_pub-like) */
int moat_cli_sub(int argc, char **argv);    /* sub.c: subscribe and print (mosquitto_sub-like) */
int moat_cli_se(int argc, char **argv);     /* se.c: secure element (ATECC608) commands */
int moat_cli_ca(int argc, char **argv);     /* ca.c: certificate authority tooling */
int moat_cli_cert(int argc, char **argv);   /* cert.c: issue / compress / store / read certs */
int moat_cli_doctor(int argc, char **argv); /* doctor.c: explain a failure */

/* doctor subcommands, dispatched by doctor.c */
int moat_cli_doctor_chain(int argc, char **argv);    /* doctor_chain.c */
int moat_cli_doctor_endpoint(int argc, char **argv); /* doctor_endpoint.c */

/* cert subcommands, dispatched by cert.c */
int moat_cli_cert_issue(int argc, char **argv);      /* cert_issue.c */
int moat_cli_cert_compress(int argc, char **argv);   /* cert_compressed.c */
int moat_cli_cert_decompress(int argc, char **argv); /* cert_compressed.c */
int moat_cli_cert_store(int argc, char **argv);      /* cert_compressed.c */
int moat_cli_cert_read(int argc, char **argv);       /* cert_compressed.c */
#endif
