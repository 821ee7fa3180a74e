/* test_atecc_locator.c - locator strings: the accepted forms open a ready device, the others
 * fail with a status and a message naming the problem and the accepted forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/atecc_locator.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/moat-loc-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static moat_atecc_loc_status open_loc(const char *loc, moat_atecc **dev, char *err)
{
    return moat_atecc_open_locator(loc, dev, err, 512);
}

static void test_emu_locator_creates_the_image_and_talks_to_the_chip(void **state)
{
    (void)state;
    char loc[160], err[512], img[128];
    snprintf(img, sizeof img, "%s/a.img", dir);
    snprintf(loc, sizeof loc, "emu:%s", img);
    moat_atecc *dev;
    assert_int_equal(open_loc(loc, &dev, err), MOAT_ATECC_LOC_OK);
    assert_int_equal(dev->addr7, 0x60);
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(dev, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
    moat_atecc_close_locator(dev);
    assert_int_equal(access(img, F_OK), 0);
}

static void test_address_suffix_sets_the_7bit_address(void **state)
{
    (void)state;
    char loc[128], err[512];
    snprintf(loc, sizeof loc, "emu:%s/b.img@0x35", dir);
    moat_atecc *dev;
    assert_int_equal(open_loc(loc, &dev, err), MOAT_ATECC_LOC_OK);
    assert_int_equal(dev->addr7, 0x35);
    /* the emulated chip answers at 0x60: nothing ACKs 0x35 */
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(dev, rev), MOAT_ATECC_ERR_NO_DEVICE);
    moat_atecc_close_locator(dev);
}

static void test_decimal_address_is_accepted(void **state)
{
    (void)state;
    char loc[128], err[512];
    snprintf(loc, sizeof loc, "emu:%s/c.img@54", dir);
    moat_atecc *dev;
    assert_int_equal(open_loc(loc, &dev, err), MOAT_ATECC_LOC_OK);
    assert_int_equal(dev->addr7, 0x36);
    moat_atecc_close_locator(dev);
}

static void test_eight_bit_address_is_a_syntax_error(void **state)
{
    (void)state;
    char err[512];
    moat_atecc *dev = (moat_atecc *)1;
    assert_int_equal(open_loc("i2c:/dev/i2c-1@0xC0", &dev, err), MOAT_ATECC_LOC_BAD_SYNTAX);
    assert_null(dev);
    assert_non_null(strstr(err, "7-bit"));
    assert_non_null(strstr(err, "emu+unix:SOCKET"));
}

static void test_unknown_scheme_lists_the_accepted_forms(void **state)
{
    (void)state;
    char err[512];
    moat_atecc *dev;
    assert_int_equal(open_loc("spi:/dev/spidev0.0", &dev, err), MOAT_ATECC_LOC_BAD_SYNTAX);
    assert_non_null(strstr(err, "unknown scheme"));
    assert_non_null(strstr(err, "i2c:/dev/i2c-N"));
}

static void test_empty_locator_says_how_to_give_one(void **state)
{
    (void)state;
    char err[512];
    moat_atecc *dev;
    assert_int_equal(open_loc("", &dev, err), MOAT_ATECC_LOC_BAD_SYNTAX);
    assert_non_null(strstr(err, "MOAT_SE"));
    assert_int_equal(open_loc("emu:", &dev, err), MOAT_ATECC_LOC_BAD_SYNTAX);
}

static void test_pkcs11_and_file_locators_are_not_atecc(void **state)
{
    (void)state;
    char err[512];
    moat_atecc *dev;
    assert_int_equal(open_loc("pkcs11:/usr/lib/x.so?token=a", &dev, err), MOAT_ATECC_LOC_NOT_ATECC);
    assert_int_equal(open_loc("file:key.pem", &dev, err), MOAT_ATECC_LOC_NOT_ATECC);
    assert_null(dev);
}

static void test_missing_socket_says_how_to_start_moat_se(void **state)
{
    (void)state;
    char loc[128], err[512];
    snprintf(loc, sizeof loc, "emu+unix:%s/none.sock", dir);
    moat_atecc *dev;
    assert_int_equal(open_loc(loc, &dev, err), MOAT_ATECC_LOC_OPEN_FAILED);
    assert_non_null(strstr(err, "moat-se --socket"));
}

static void test_missing_i2c_bus_is_an_open_failure_with_a_hint(void **state)
{
    (void)state;
    char err[512];
    moat_atecc *dev;
    assert_int_equal(open_loc("i2c:/dev/i2c-does-not-exist", &dev, err),
                     MOAT_ATECC_LOC_OPEN_FAILED);
    assert_non_null(strstr(err, "i2c-dev"));
}

static void test_corrupt_image_is_an_open_failure(void **state)
{
    (void)state;
    char img[128], loc[160], err[512];
    snprintf(img, sizeof img, "%s/bad.img", dir);
    FILE *f = fopen(img, "w");
    fputs("not an image", f);
    fclose(f);
    snprintf(loc, sizeof loc, "emu:%s", img);
    moat_atecc *dev;
    assert_int_equal(open_loc(loc, &dev, err), MOAT_ATECC_LOC_OPEN_FAILED);
    assert_non_null(strstr(err, img));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emu_locator_creates_the_image_and_talks_to_the_chip),
        cmocka_unit_test(test_address_suffix_sets_the_7bit_address),
        cmocka_unit_test(test_decimal_address_is_accepted),
        cmocka_unit_test(test_eight_bit_address_is_a_syntax_error),
        cmocka_unit_test(test_unknown_scheme_lists_the_accepted_forms),
        cmocka_unit_test(test_empty_locator_says_how_to_give_one),
        cmocka_unit_test(test_pkcs11_and_file_locators_are_not_atecc),
        cmocka_unit_test(test_missing_socket_says_how_to_start_moat_se),
        cmocka_unit_test(test_missing_i2c_bus_is_an_open_failure_with_a_hint),
        cmocka_unit_test(test_corrupt_image_is_an_open_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
