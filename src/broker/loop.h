/* broker/loop.h - the moatd event loop: epoll file events and millisecond timers.
 * One loop runs on one thread; every callback runs on that thread (Redis ae.c shape). */
#ifndef MOATD_LOOP_H
#define MOATD_LOOP_H

#include <stdint.h>

#define MOATD_READABLE 1
#define MOATD_WRITABLE 2

typedef struct moatd_loop moatd_loop;

/* Called when fd is ready; `mask` holds the MOATD_READABLE/WRITABLE bits that fired. */
typedef void moatd_file_proc(moatd_loop *loop, int fd, void *data, int mask);
/* Called when a timer fires. Returns the delay in ms until it fires again, or -1 to drop it. */
typedef int64_t moatd_timer_proc(moatd_loop *loop, int64_t id, void *data);
/* Called once per iteration, after the events were handled and before the loop sleeps. */
typedef void moatd_before_sleep_proc(moatd_loop *loop, void *data);

/* Creates a loop. Returns NULL (with errno) if epoll cannot be created. */
moatd_loop *moatd_loop_create(void);
void moatd_loop_free(moatd_loop *loop);

/* Watches fd for the events in `mask` (added to those already watched) with one callback per
 * fd. Returns 0, or -1 with errno. */
int moatd_loop_watch(moatd_loop *loop, int fd, int mask, moatd_file_proc *proc, void *data);
/* Stops watching the events in `mask` for fd; all of them removes fd from the loop. */
void moatd_loop_unwatch(moatd_loop *loop, int fd, int mask);
/* The events currently watched for fd (0 if none). */
int moatd_loop_watched(const moatd_loop *loop, int fd);

/* Adds a timer firing in `ms` milliseconds; returns its id (> 0). */
int64_t moatd_loop_add_timer(moatd_loop *loop, int64_t ms, moatd_timer_proc *proc, void *data);
void moatd_loop_del_timer(moatd_loop *loop, int64_t id);

void moatd_loop_set_before_sleep(moatd_loop *loop, moatd_before_sleep_proc *proc, void *data);

/* Runs until moatd_loop_stop(); returns then. */
void moatd_loop_run(moatd_loop *loop);
/* Makes moatd_loop_run() return after the current iteration. Safe from any callback. */
void moatd_loop_stop(moatd_loop *loop);

/* Monotonic milliseconds. */
int64_t moatd_now_ms(void);

#endif
