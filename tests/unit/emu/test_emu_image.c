/* test_emu_image.c - the EEPROM image file: what survives a restart (zones, locks, keys,
 * counters), what does not (TempKey), and clear errors for a damaged image. */
#include "emu_harness.h"

#include <dirent.h>
#include <fcntl.h>

static void restart(harness *h)
{
    moat_emu_close(h->emu);
    h_reopen(h);
}

static void test_eeprom_survives_restart_but_tempkey_does_not(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    h_cmd_data(h, MOAT_ATECC_OP_GENKEY, 0x04, 0, NULL, 0, 64);
    uint8_t pub[64];
    memcpy(pub, h->rsp, 64);
    uint8_t msg[32] = {7};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x43, 0, msg, 32), 0);
    restart(h);
    h_wake(h);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x00, h_cfg_addr(84), NULL, 0, 4);
    assert_int_equal(h->rsp[2], 0x00); /* data locked */
    assert_int_equal(h->rsp[3], 0x00); /* config locked */
    h_cmd_data(h, MOAT_ATECC_OP_GENKEY, 0x00, 0, NULL, 0, 64);
    assert_memory_equal(h->rsp, pub, 64);
    /* the message digest buffer was volatile */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0xA0, 0, NULL, 0), MOAT_ATECC_STATUS_EXECUTION);
}

static void test_new_image_file_has_the_factory_layout(void **state)
{
    harness *h = *state;
    FILE *f = fopen(h->image, "rb");
    assert_non_null(f);
    uint8_t img[EMU_IMAGE_SIZE + 8];
    size_t n = fread(img, 1, sizeof img, f);
    fclose(f);
    assert_int_equal(n, 1410);
    assert_memory_equal(img, "MOATSE01", 8);
    uint8_t factory[EMU_EEPROM_SIZE];
    moat_emu_factory_image(factory);
    assert_memory_equal(img + 8, factory, EMU_EEPROM_SIZE);
}

static void test_no_temp_file_is_left_after_writes(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0, 1, NULL, 0), 0);
    DIR *d = opendir(h->dir);
    assert_non_null(d);
    int files = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            files++;
    closedir(d);
    assert_int_equal(files, 1);
}

static void expect_open_error(harness *h, const char *needle)
{
    moat_emu_close(h->emu);
    h->emu = NULL;
    char err[512] = "";
    moat_emu *e = moat_emu_open(h->image, err, sizeof err);
    assert_null(e);
    assert_non_null(strstr(err, h->image));
    if (strstr(err, needle) == NULL)
        fail_msg("error [%s] does not mention [%s]", err, needle);
}

static void test_short_image_names_file_and_expected_size(void **state)
{
    harness *h = *state;
    assert_int_equal(truncate(h->image, 100), 0);
    expect_open_error(h, "expected 1410");
    unlink(h->image);
    h_reopen(h); /* a missing file is recreated from the factory image */
}

static void test_image_with_wrong_magic_is_rejected(void **state)
{
    harness *h = *state;
    int fd = open(h->image, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "XXXX", 4), 4);
    close(fd);
    expect_open_error(h, "not a moat-se image");
    unlink(h->image);
    h_reopen(h);
}

static void test_image_with_flipped_bit_fails_crc(void **state)
{
    harness *h = *state;
    int fd = open(h->image, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, 500), 1);
    b ^= 0x10;
    assert_int_equal(pwrite(fd, &b, 1, 500), 1);
    close(fd);
    expect_open_error(h, "corrupt");
    unlink(h->image);
    h_reopen(h);
}

static void test_missing_directory_is_a_clear_error(void **state)
{
    (void)state;
    char err[512] = "";
    assert_null(moat_emu_open("/nonexistent-moat-dir/chip.img", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent-moat-dir/chip.img"));
    assert_null(moat_emu_open("", err, sizeof err));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_eeprom_survives_restart_but_tempkey_does_not),
        T(test_new_image_file_has_the_factory_layout),
        T(test_no_temp_file_is_left_after_writes),
        T(test_short_image_names_file_and_expected_size),
        T(test_image_with_wrong_magic_is_rejected),
        T(test_image_with_flipped_bit_fails_crc),
        T(test_missing_directory_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
