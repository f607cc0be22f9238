/*
 * daemon.h -- what every rangedb daemon does the same way around its main
 * loop: signal handling and start-up readiness.
 *
 * Daemons stay in the foreground and never fork.  Before starting any
 * thread, a daemon calls daemon_signals_init(): SIGTERM, SIGINT and SIGHUP
 * are blocked in every thread (threads inherit the mask) and SIGPIPE is
 * ignored; the main thread later sits in daemon_wait_signal() until one of
 * them arrives, then shuts down cleanly.
 *
 * Readiness follows s6: with --ready-fd N the daemon writes one line
 * "ready ADDR\n" to fd N once it serves requests, then closes that fd, so a
 * supervisor or test learns the bound address without polling.
 */
#ifndef RANGEDB_DAEMON_H
#define RANGEDB_DAEMON_H

#include "err.h"

int daemon_signals_init(struct err *e);

/* Block until SIGTERM, SIGINT or SIGHUP; returns the signal number. */
int daemon_wait_signal(void);

/* Write "ready ADDR\n" to fd and close it; fd < 0 does nothing. */
int daemon_ready(int fd, const char *addr, struct err *e);

#endif
