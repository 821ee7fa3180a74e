/* atecc_internal.h - helpers shared by the driver's command files (not public API). */
#ifndef MOAT_ATECC_INTERNAL_H
#define MOAT_ATECC_INTERNAL_H

#include "moat/atecc.h"

/* Executes a command whose successful response has exactly `want` bytes (0: a status only);
 * any other length is MOAT_ATECC_ERR_BAD_LENGTH. */
moat_atecc_status moat_atecc_exec_fixed(moat_atecc *dev, uint8_t opcode, uint8_t param1,
                                        uint16_t param2, const uint8_t *data, size_t data_len,
                                        uint8_t *out, size_t want);

/* Records a non-OK status as dev->last_error and returns it. */
moat_atecc_status moat_atecc_fail(moat_atecc *dev, moat_atecc_status s);

#endif
