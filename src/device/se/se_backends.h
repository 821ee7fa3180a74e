/* se_backends.h - constructors of the secure-element backends, used by se_open.c (the locator
 * parser). Each writes a reason (cause and fix) into err on failure. */
#ifndef MOAT_SE_BACKENDS_H
#define MOAT_SE_BACKENDS_H

#include <stddef.h>

#include "moat/se.h"

/* file:KEY.pem - a P-256 private key in a PEM file (development only). */
moat_se_status moat_se_file_open(const char *path, moat_se **out, char *err, size_t err_cap);

/* pkcs11:MODULE?token=T&object=K&pin=P - `query` is the part after '?'. */
moat_se_status moat_se_pkcs11_open(const char *module, const char *query, moat_se **out,
                                   char *err, size_t err_cap);

/* emu:, emu+unix:, i2c: - an ATECC608 through the driver; `slot` is the key slot. */
moat_se_status moat_se_atecc_open(const char *locator, unsigned slot, moat_se **out, char *err,
                                  size_t err_cap);

#endif
