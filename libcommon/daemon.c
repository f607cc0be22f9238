/*
 * daemon.c -- signals and readiness for daemons (see daemon.h).
 */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sigset_t daemon_sigs;

int daemon_signals_init(struct err *e)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) != 0)
		return err_set(e, RC_IO, "cannot ignore SIGPIPE: %s",
			       strerror(errno));
	sigemptyset(&daemon_sigs);
	sigaddset(&daemon_sigs, SIGTERM);
	sigaddset(&daemon_sigs, SIGINT);
	sigaddset(&daemon_sigs, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &daemon_sigs, NULL) != 0)
		return err_set(e, RC_IO, "cannot block signals");
	return RC_OK;
}

int daemon_wait_signal(void)
{
	int sig = 0;

	while (sigwait(&daemon_sigs, &sig) != 0)
		;
	return sig;
}

int daemon_ready(int fd, const char *addr, struct err *e)
{
	char line[300];
	int n;

	if (fd < 0)
		return RC_OK;
	n = snprintf(line, sizeof(line), "ready %s\n", addr);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		close(fd);
		return err_set(e, RC_BAD_INPUT, "address too long");
	}
	if (write(fd, line, (size_t)n) != n) {
		int saved = errno;

		close(fd);
		return err_set(e, RC_IO, "cannot write to ready fd %d: %s", fd,
			       strerror(saved));
	}
	close(fd);
	return RC_OK;
}
