/* broker/loop.c - epoll event loop with per-fd callbacks and a short list of timers.
 * Timers are few (housekeeping, shutdown), so an unsorted list scanned per iteration is enough. */
#include "broker/loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int mask;
    moatd_file_proc *proc;
    void *data;
} file_event;

typedef struct timer {
    int64_t id;
    int64_t when_ms;
    moatd_timer_proc *proc;
    void *data;
    struct timer *next;
} timer;

struct moatd_loop {
    int epfd;
    int stop;
    file_event *files; /* indexed by fd */
    int nfiles;
    timer *timers;
    int64_t next_timer_id;
    moatd_before_sleep_proc *before_sleep;
    void *before_sleep_data;
    struct epoll_event events[256];
};

int64_t moatd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

moatd_loop *moatd_loop_create(void)
{
    moatd_loop *l = calloc(1, sizeof(*l));
    if (l == NULL)
        return NULL;
    l->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (l->epfd < 0) {
        free(l);
        return NULL;
    }
    l->next_timer_id = 1;
    return l;
}

void moatd_loop_free(moatd_loop *l)
{
    if (l == NULL)
        return;
    close(l->epfd);
    while (l->timers) {
        timer *t = l->timers;
        l->timers = t->next;
        free(t);
    }
    free(l->files);
    free(l);
}

/* The fd table grows to the highest fd seen (fds are small, dense integers). */
static int ensure_fd(moatd_loop *l, int fd)
{
    if (fd < l->nfiles)
        return 0;
    int n = l->nfiles ? l->nfiles : 64;
    while (n <= fd)
        n *= 2;
    file_event *f = realloc(l->files, (size_t)n * sizeof(*f));
    if (f == NULL)
        return -1;
    memset(f + l->nfiles, 0, (size_t)(n - l->nfiles) * sizeof(*f));
    l->files = f;
    l->nfiles = n;
    return 0;
}

static uint32_t to_epoll(int mask)
{
    uint32_t ev = 0;
    if (mask & MOATD_READABLE)
        ev |= EPOLLIN;
    if (mask & MOATD_WRITABLE)
        ev |= EPOLLOUT;
    return ev;
}

int moatd_loop_watch(moatd_loop *l, int fd, int mask, moatd_file_proc *proc, void *data)
{
    if (ensure_fd(l, fd) < 0) {
        errno = ENOMEM;
        return -1;
    }
    file_event *f = &l->files[fd];
    int op = f->mask == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    struct epoll_event ee = {.events = to_epoll(f->mask | mask), .data.fd = fd};
    if (epoll_ctl(l->epfd, op, fd, &ee) < 0)
        return -1;
    f->mask |= mask;
    f->proc = proc;
    f->data = data;
    return 0;
}

void moatd_loop_unwatch(moatd_loop *l, int fd, int mask)
{
    if (fd < 0 || fd >= l->nfiles || l->files[fd].mask == 0)
        return;
    file_event *f = &l->files[fd];
    int left = f->mask & ~mask;
    struct epoll_event ee = {.events = to_epoll(left), .data.fd = fd};
    epoll_ctl(l->epfd, left ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, fd, &ee);
    f->mask = left;
}

int moatd_loop_watched(const moatd_loop *l, int fd)
{
    return (fd >= 0 && fd < l->nfiles) ? l->files[fd].mask : 0;
}

int64_t moatd_loop_add_timer(moatd_loop *l, int64_t ms, moatd_timer_proc *proc, void *data)
{
    timer *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return -1;
    t->id = l->next_timer_id++;
    t->when_ms = moatd_now_ms() + ms;
    t->proc = proc;
    t->data = data;
    t->next = l->timers;
    l->timers = t;
    return t->id;
}

void moatd_loop_del_timer(moatd_loop *l, int64_t id)
{
    for (timer **p = &l->timers; *p; p = &(*p)->next) {
        if ((*p)->id == id) {
            timer *t = *p;
            *p = t->next;
            free(t);
            return;
        }
    }
}

void moatd_loop_set_before_sleep(moatd_loop *l, moatd_before_sleep_proc *proc, void *data)
{
    l->before_sleep = proc;
    l->before_sleep_data = data;
}

void moatd_loop_stop(moatd_loop *l)
{
    l->stop = 1;
}

/* Milliseconds until the nearest timer, capped so a stop request is noticed promptly. */
static int wait_ms(const moatd_loop *l)
{
    int64_t now = moatd_now_ms(), best = 1000;
    for (const timer *t = l->timers; t; t = t->next) {
        int64_t d = t->when_ms - now;
        if (d < best)
            best = d < 0 ? 0 : d;
    }
    return (int)best;
}

/* Runs due timers. A callback may add or delete timers, so restart the scan after each one. */
static void run_timers(moatd_loop *l)
{
    int64_t now = moatd_now_ms();
    int again = 1;
    while (again) {
        again = 0;
        for (timer *t = l->timers; t; t = t->next) {
            if (t->when_ms > now)
                continue;
            int64_t id = t->id;
            t->when_ms = INT64_MAX; /* not re-run in this pass */
            int64_t next = t->proc(l, id, t->data);
            for (timer *u = l->timers; u; u = u->next) {
                if (u->id == id && next >= 0)
                    u->when_ms = now + next;
            }
            if (next < 0)
                moatd_loop_del_timer(l, id);
            again = 1;
            break;
        }
    }
}

static void dispatch(moatd_loop *l, const struct epoll_event *e)
{
    int fd = e->data.fd;
    if (fd >= l->nfiles)
        return;
    file_event *f = &l->files[fd];
    int mask = 0;
    if (e->events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        mask |= MOATD_READABLE;
    if (e->events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
        mask |= MOATD_WRITABLE;
    mask &= f->mask;
    if (mask)
        f->proc(l, fd, f->data, mask);
}

void moatd_loop_run(moatd_loop *l)
{
    l->stop = 0;
    while (!l->stop) {
        if (l->before_sleep)
            l->before_sleep(l, l->before_sleep_data);
        if (l->stop)
            break;
        int n = epoll_wait(l->epfd, l->events, 256, wait_ms(l));
        for (int i = 0; i < n; i++)
            dispatch(l, &l->events[i]);
        run_timers(l);
    }
}
