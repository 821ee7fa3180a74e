/* se_open.c - one locator syntax for every key backend (CLI, config files, the library):
 * emu:, emu+unix:, i2c: (ATECC608), pkcs11:, file:. See moat/se.h. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/se/se_backends.h"

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

moat_se_status moat_se_open(const char *locator, unsigned slot, moat_se **out, char *err,
                            size_t err_cap)
{
    if (!locator || !out || !err || err_cap == 0)
        return MOAT_SE_ERR_ARGUMENT;
    *out = NULL;
    err[0] = 0;
    if (has_prefix(locator, "file:"))
        return moat_se_file_open(locator + 5, out, err, err_cap);
    if (has_prefix(locator, "pkcs11:")) {
        char module[512];
        const char *q = strchr(locator, '?');
        size_t n = q ? (size_t)(q - locator) - 7 : strlen(locator) - 7;
        if (n == 0 || n >= sizeof module) {
            snprintf(err, err_cap, "pkcs11: locator needs a module path, e.g. "
                     "pkcs11:/usr/lib/softhsm/libsofthsm2.so?token=t&object=k&pin=1234");
            return MOAT_SE_ERR_LOCATOR;
        }
        memcpy(module, locator + 7, n);
        module[n] = 0;
        return moat_se_pkcs11_open(module, q ? q + 1 : "", out, err, err_cap);
    }
    if (has_prefix(locator, "emu:") || has_prefix(locator, "emu+unix:") ||
        has_prefix(locator, "i2c:"))
        return moat_se_atecc_open(locator, slot, out, err, err_cap);
    snprintf(err, err_cap, "'%s' is not a key locator. %s", locator,
             moat_se_strerror(MOAT_SE_ERR_LOCATOR));
    return MOAT_SE_ERR_LOCATOR;
}

void moat_se_close(moat_se *se)
{
    if (!se)
        return;
    if (se->ops && se->ops->close)
        se->ops->close(se->ctx);
    free(se);
}
