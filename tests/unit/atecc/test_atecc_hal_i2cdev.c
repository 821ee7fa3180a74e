/* test_atecc_hal_i2cdev.c - the Linux i2c-dev HAL without a real bus: a device node that is
 * not an I2C adapter gives bus errors with text, never a crash or a silent success. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "moat/atecc_locator.h"

static void test_node_that_is_not_an_adapter_fails_with_the_ioctl_named(void **state)
{
    (void)state;
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_i2cdev_open("/dev/null", &hal, err, sizeof err), 0);
    const uint8_t idle = 0x02;
    assert_int_equal(hal.write(hal.ctx, 0x60, &idle, 1), MOAT_ATECC_HAL_ERROR);
    assert_non_null(strstr(hal.last_error(hal.ctx), "/dev/null: I2C_SLAVE ioctl failed"));
    uint8_t b;
    assert_int_equal(hal.read(hal.ctx, 0x60, &b, 1), MOAT_ATECC_HAL_ERROR);
    assert_int_equal(hal.wake(hal.ctx), MOAT_ATECC_HAL_ERROR);
    moat_atecc_hal_i2cdev_close(&hal);
}

static void test_driver_on_a_non_adapter_reports_a_bus_error(void **state)
{
    (void)state;
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_i2cdev_open("/dev/null", &hal, err, sizeof err), 0);
    moat_atecc dev;
    moat_atecc_init(&dev, &hal, 0x35);
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&dev, rev), MOAT_ATECC_ERR_BUS);
    moat_atecc_hal_i2cdev_close(&hal);
}

static void test_missing_node_suggests_loading_i2c_dev(void **state)
{
    (void)state;
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_i2cdev_open("/dev/i2c-99-missing", &hal, err, sizeof err), -1);
    assert_non_null(strstr(err, "modprobe i2c-dev"));
}

static void test_i2c_locator_carries_the_address(void **state)
{
    (void)state;
    moat_atecc *dev;
    char err[256];
    assert_int_equal(moat_atecc_open_locator("i2c:/dev/null@0x36", &dev, err, sizeof err),
                     MOAT_ATECC_LOC_OK);
    assert_int_equal(dev->addr7, 0x36);
    moat_atecc_close_locator(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_that_is_not_an_adapter_fails_with_the_ioctl_named),
        cmocka_unit_test(test_driver_on_a_non_adapter_reports_a_bus_error),
        cmocka_unit_test(test_missing_node_suggests_loading_i2c_dev),
        cmocka_unit_test(test_i2c_locator_carries_the_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
