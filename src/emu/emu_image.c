/* emu_image.c - the EEPROM image file: "MOATSE01" | config(128) | OTP(64) | data(1208) |
 * CRC-16 of the EEPROM bytes. Loaded at open, written through atomically on every change. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu/emu_internal.h"

static bool read_all(int fd, uint8_t *buf, size_t cap, size_t *got)
{
    *got = 0;
    while (*got < cap) {
        ssize_t n = read(fd, buf + *got, cap - *got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return true;
}

static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static void encode_image(const moat_emu *emu, uint8_t img[EMU_IMAGE_SIZE])
{
    memcpy(img, EMU_IMAGE_MAGIC, 8);
    memcpy(img + 8, emu->eeprom, EMU_EEPROM_SIZE);
    moat_atecc_crc(emu->eeprom, EMU_EEPROM_SIZE, img + 8 + EMU_EEPROM_SIZE);
}

static bool decode_image(moat_emu *emu, const uint8_t *img, size_t len, char *err, size_t err_cap)
{
    const char *fix = "restore it from a backup, or delete it to start again from the "
                      "factory image (keys in it are lost)";
    if (len != EMU_IMAGE_SIZE) {
        snprintf(err, err_cap,
                 "emulator image %s is %zu bytes, expected %u (8-byte header, 1400-byte "
                 "EEPROM, 2-byte CRC): the file is truncated or not an image; %s",
                 emu->image_path, len, (unsigned)EMU_IMAGE_SIZE, fix);
        return false;
    }
    if (memcmp(img, EMU_IMAGE_MAGIC, 8) != 0) {
        snprintf(err, err_cap,
                 "emulator image %s does not start with \"%s\": not a moat-se image; %s",
                 emu->image_path, EMU_IMAGE_MAGIC, fix);
        return false;
    }
    uint8_t crc[2];
    moat_atecc_crc(img + 8, EMU_EEPROM_SIZE, crc);
    if (crc[0] != img[8 + EMU_EEPROM_SIZE] || crc[1] != img[9 + EMU_EEPROM_SIZE]) {
        snprintf(err, err_cap, "emulator image %s is corrupt (CRC mismatch); %s", emu->image_path,
                 fix);
        return false;
    }
    memcpy(emu->eeprom, img + 8, EMU_EEPROM_SIZE);
    return true;
}

bool moat_emu_image_load(moat_emu *emu, char *err, size_t err_cap)
{
    int fd = open(emu->image_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        moat_emu_factory_image(emu->eeprom);
        if (!moat_emu_image_save(emu)) {
            snprintf(err, err_cap,
                     "cannot create emulator image %s: %s (check the directory "
                     "exists and is writable)",
                     emu->image_path, strerror(errno));
            return false;
        }
        return true;
    }
    if (fd < 0) {
        snprintf(err, err_cap, "cannot open emulator image %s: %s", emu->image_path,
                 strerror(errno));
        return false;
    }
    uint8_t img[EMU_IMAGE_SIZE + 1];
    size_t got;
    bool ok = read_all(fd, img, sizeof img, &got);
    int saved = errno;
    close(fd);
    if (!ok) {
        snprintf(err, err_cap, "cannot read emulator image %s: %s", emu->image_path,
                 strerror(saved));
        return false;
    }
    return decode_image(emu, img, got, err, err_cap);
}

/* Write a sibling temp file, fsync, rename: a crash leaves either the old or the new image. */
bool moat_emu_image_save(moat_emu *emu)
{
    char tmp[sizeof emu->image_path + 32];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", emu->image_path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof tmp)
        return false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    uint8_t img[EMU_IMAGE_SIZE];
    encode_image(emu, img);
    bool ok = write_all(fd, img, sizeof img) && (emu->no_fsync || fsync(fd) == 0);
    if (close(fd) != 0)
        ok = false;
    if (ok && rename(tmp, emu->image_path) != 0)
        ok = false;
    if (!ok) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
        fprintf(stderr,
                "moat-se: cannot write image %s: %s (the change is kept in memory "
                "only)\n",
                emu->image_path, strerror(saved));
    }
    return ok;
}
