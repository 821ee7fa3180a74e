/* test_atecc_hal_unix.c - the emulator-socket HAL against a scripted server: the exact request
 * bytes of wake/write/read, ACK/NACK answers, and the errors when the server rejects a request
 * or goes away. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "moat/atecc_locator.h"

/* One exchange: the request the server expects, then what it answers. */
typedef struct {
    uint8_t req[16];
    size_t req_len;
    uint8_t rsp[16];
    size_t rsp_len;
} exchange;

static char dir[64], sock_path[96];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/moat-halu-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(sock_path, sizeof sock_path, "%s/s.sock", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(sock_path);
    return rmdir(dir);
}

static int read_exact(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Forks a server that plays `ex` in order on one connection, then closes it. The child exits
 * 0 when every request matched. */
static pid_t serve(const exchange *ex, size_t n)
{
    unlink(sock_path);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", sock_path);
    assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(ls, 1), 0);
    pid_t pid = fork();
    if (pid == 0) {
        int c = accept(ls, NULL, NULL);
        for (size_t i = 0; i < n; i++) {
            uint8_t got[16];
            if (read_exact(c, got, ex[i].req_len) != 0 || memcmp(got, ex[i].req, ex[i].req_len))
                _exit(1);
            if (ex[i].rsp_len && write(c, ex[i].rsp, ex[i].rsp_len) != (ssize_t)ex[i].rsp_len)
                _exit(2);
        }
        close(c);
        _exit(0);
    }
    close(ls);
    return pid;
}

static int finish(pid_t pid)
{
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_requests_are_framed_as_documented(void **state)
{
    (void)state;
    const exchange ex[] = {
        {{'K', 0, 0, 0}, 4, {0x00}, 1},
        {{'W', 0x60, 0x00, 0x02, 0x03, 0xAA}, 6, {0x00}, 1},
        {{'R', 0x60, 0x00, 0x02, 0x00, 0x04}, 6, {0x00, 0x04, 0x11, 0x33, 0x43}, 5},
    };
    pid_t pid = serve(ex, 3);
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    assert_int_equal(hal.wake(hal.ctx), MOAT_ATECC_HAL_ACK);
    const uint8_t w[2] = {0x03, 0xAA};
    assert_int_equal(hal.write(hal.ctx, 0x60, w, 2), MOAT_ATECC_HAL_ACK);
    uint8_t r[4];
    assert_int_equal(hal.read(hal.ctx, 0x60, r, 4), MOAT_ATECC_HAL_ACK);
    const uint8_t token[4] = {0x04, 0x11, 0x33, 0x43};
    assert_memory_equal(r, token, 4);
    moat_atecc_hal_unix_close(&hal);
    assert_int_equal(finish(pid), 0);
}

static void test_nack_answer_is_a_nack(void **state)
{
    (void)state;
    const exchange ex[] = {{{'R', 0x35, 0x00, 0x02, 0x00, 0x01}, 6, {0x01}, 1}};
    pid_t pid = serve(ex, 1);
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    uint8_t b;
    assert_int_equal(hal.read(hal.ctx, 0x35, &b, 1), MOAT_ATECC_HAL_NACK);
    moat_atecc_hal_unix_close(&hal);
    assert_int_equal(finish(pid), 0);
}

static void test_rejected_request_is_a_bus_error_with_its_answer(void **state)
{
    (void)state;
    const exchange ex[] = {{{'W', 0x60, 0x00, 0x01, 0x02}, 5, {0xFF}, 1}};
    pid_t pid = serve(ex, 1);
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    const uint8_t idle = 0x02;
    assert_int_equal(hal.write(hal.ctx, 0x60, &idle, 1), MOAT_ATECC_HAL_ERROR);
    assert_non_null(strstr(hal.last_error(hal.ctx), "rejected the request (answer 0xFF)"));
    moat_atecc_hal_unix_close(&hal);
    assert_int_equal(finish(pid), 0);
}

static void test_server_gone_is_a_bus_error_naming_moat_se(void **state)
{
    (void)state;
    pid_t pid = serve(NULL, 0); /* accepts and closes at once */
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    assert_int_equal(finish(pid), 0);
    assert_int_equal(hal.wake(hal.ctx), MOAT_ATECC_HAL_ERROR);
    assert_non_null(strstr(hal.last_error(hal.ctx), "is moat-se still running?"));
    moat_atecc_hal_unix_close(&hal);
}

static void test_driver_over_a_vanished_server_reports_bus_error(void **state)
{
    (void)state;
    pid_t pid = serve(NULL, 0);
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    assert_int_equal(finish(pid), 0);
    moat_atecc dev;
    moat_atecc_init(&dev, &hal, 0x60);
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&dev, rev), MOAT_ATECC_ERR_BUS);
    moat_atecc_hal_unix_close(&hal);
}

static void test_read_longer_than_the_protocol_allows_is_refused_locally(void **state)
{
    (void)state;
    pid_t pid = serve(NULL, 0);
    moat_atecc_hal hal;
    char err[256];
    assert_int_equal(moat_atecc_hal_unix_open(sock_path, &hal, err, sizeof err), 0);
    uint8_t big[300];
    assert_int_equal(hal.read(hal.ctx, 0x60, big, sizeof big), MOAT_ATECC_HAL_ERROR);
    assert_non_null(strstr(hal.last_error(hal.ctx), "1..255"));
    moat_atecc_hal_unix_close(&hal);
    assert_int_equal(finish(pid), 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_requests_are_framed_as_documented, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nack_answer_is_a_nack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rejected_request_is_a_bus_error_with_its_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_server_gone_is_a_bus_error_naming_moat_se, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_driver_over_a_vanished_server_reports_bus_error, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_read_longer_than_the_protocol_allows_is_refused_locally, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
