/* moat_peer.h - for C tests that need a real peer: run shell commands, start a server process
 * on a free 127.0.0.1 port, wait for it, and stop it. Header-only (static functions). */
#ifndef MOAT_TEST_PEER_H
#define MOAT_TEST_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A TCP port on 127.0.0.1 that nothing listens on right now. */
static inline unsigned short peer_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("peer_free_port");
        exit(2);
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* Waits until 127.0.0.1:port accepts a connection (up to ~10 s). Returns 0 when it does. */
static inline int peer_wait_port(unsigned short port)
{
    for (int i = 0; i < 400; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
        struct timespec ts = {0, 25 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Runs a shell command built like printf; returns its exit status. */
static inline int peer_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline int peer_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/* Starts `sh -c CMD` in its own process group; returns the pid. Output goes to log_path. */
static inline pid_t peer_start(const char *log_path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static inline pid_t peer_start(const char *log_path, const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        if (log_path && freopen(log_path, "w", stdout) && freopen(log_path, "a", stderr)) {
        }
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Stops a process started by peer_start (its whole group) and reaps it. */
static inline void peer_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(-pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* A fresh temporary directory (mkdtemp); path in a static buffer per call site. */
static inline void peer_tmpdir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/moat-test-XXXXXX");
    if (!mkdtemp(out)) {
        perror("mkdtemp");
        exit(2);
    }
}

#endif
