/*
 * netdelay -- a TCP relay that adds latency, for network-namespace drills
 * on kernels without tc netem (contrib/netns-cluster).
 *
 * nftables redirects the connections a namespace opens to other regions to
 * this relay (nat output: "ip daddr 10.X.r.0/24 meta mark != M redirect to
 * :PORT").  The relay reads the connection's original destination
 * (SO_ORIGINAL_DST), connects to it with SO_MARK M (so its own connection is
 * not redirected again), and relays both ways, holding every chunk it reads
 * for the destination's delay before it writes it on.  Each connection
 * passes through exactly one relay (the connecting side's), so a delay of
 * RTT/2 per direction makes a request and its answer take one RTT, as on a
 * long link.  Order is kept, EOF is passed on as a half close, an error on
 * either side closes both, and reading stops while 4 MiB wait in one
 * direction (the sender then sees TCP back-pressure, as on a slow link).
 *
 * It emulates latency at the TCP layer, not per packet: no loss, reordering
 * or bandwidth limit, and the handshake is not delayed (a fresh connection
 * costs no extra round trip).  Partitions need no relay: nftables drops.
 *
 * Usage: netdelay --port PORT --mark M --route CIDR=DELAY... [--ready-fd N]
 */
#include "config.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUTES 32
#define CHUNK 65536
#define MAX_QUEUED (4u << 20)

struct route {
	uint32_t net, mask;	/* host order */
	uint64_t delay_us;	/* one way */
};

struct chunk {
	struct chunk *next;
	uint64_t at_us;		/* deliver from then on */
	size_t len, off;
	int fin;		/* the reader saw EOF: shut the writer down */
	char data[];
};

struct dir {
	int from, to;
	struct chunk *head, *tail;
	size_t queued;
	int eof;		/* read EOF (a fin chunk is queued) */
	int done;		/* fin delivered */
};

struct conn {
	int fd[2];		/* 0 = accepted, 1 = upstream */
	int connecting;
	uint64_t delay_us;
	struct dir d[2];	/* 0: fd0 -> fd1, 1: fd1 -> fd0 */
};

static struct route routes[MAX_ROUTES];
static size_t n_routes;
static struct conn **conns;
static size_t n_conns, cap_conns;
static volatile sig_atomic_t stop;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void die(const char *what)
{
	fprintf(stderr, "netdelay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "netdelay: %s%s%s\n", msg, arg ? ": " : "",
		arg ? arg : "");
	fprintf(stderr, "usage: netdelay --port PORT --mark M "
		"--route CIDR=DELAY... [--ready-fd N]\n");
	return 2;
}

/* "10.1.2.0/24=20ms" (ms or us) -> a route; 0 on success. */
static int parse_route(const char *s, struct route *r)
{
	char ip[32], unit[4] = "";
	unsigned bits;
	double v;
	struct in_addr a;
	int n = 0;

	if (sscanf(s, "%31[0-9.]/%u=%lf%3[a-z]%n", ip, &bits, &v, unit, &n)
	    != 4 || s[n] != '\0' || bits > 32 || v < 0 || v > 60000 ||
	    inet_pton(AF_INET, ip, &a) != 1)
		return -1;
	if (strcmp(unit, "ms") == 0)
		v *= 1000;
	else if (strcmp(unit, "us") != 0)
		return -1;
	r->mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	r->net = ntohl(a.s_addr) & r->mask;
	r->delay_us = (uint64_t)v;
	return 0;
}

static uint64_t delay_for(uint32_t addr)
{
	for (size_t i = 0; i < n_routes; i++)
		if ((addr & routes[i].mask) == routes[i].net)
			return routes[i].delay_us;
	return 0;
}

static void conn_free(size_t i)
{
	struct conn *c = conns[i];

	for (int k = 0; k < 2; k++) {
		struct chunk *ch = c->d[k].head, *next;

		for (; ch != NULL; ch = next) {
			next = ch->next;
			free(ch);
		}
		close(c->fd[k]);
	}
	free(c);
	conns[i] = conns[--n_conns];
}

static void accept_one(int lfd, int mark)
{
	struct sockaddr_in dst;
	socklen_t dl = sizeof(dst);
	struct conn *c;
	int fd, up, one = 1;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &dl) != 0) {
		fprintf(stderr, "netdelay: no original destination (was the "
			"connection redirected by nftables?): %s\n",
			strerror(errno));
		close(fd);
		return;
	}
	up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (up < 0 ||
	    setsockopt(up, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0 ||
	    (connect(up, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
	     errno != EINPROGRESS)) {
		fprintf(stderr, "netdelay: connect upstream: %s\n",
			strerror(errno));
		if (up >= 0)
			close(up);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(up, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (n_conns == cap_conns) {
		size_t cap = cap_conns ? 2 * cap_conns : 64;
		struct conn **nc = realloc(conns, cap * sizeof(*nc));

		if (nc == NULL)
			goto nomem;
		conns = nc;
		cap_conns = cap;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto nomem;
	c->fd[0] = fd;
	c->fd[1] = up;
	c->connecting = 1;
	c->delay_us = delay_for(ntohl(dst.sin_addr.s_addr));
	c->d[0].from = fd;
	c->d[0].to = up;
	c->d[1].from = up;
	c->d[1].to = fd;
	conns[n_conns++] = c;
	return;
nomem:
	fprintf(stderr, "netdelay: out of memory: connection refused\n");
	close(up);
	close(fd);
}

/* Read what d->from has into a new chunk; -1 when the connection failed. */
static int dir_read(struct conn *c, struct dir *d, uint64_t now)
{
	struct chunk *ch = malloc(sizeof(*ch) + CHUNK);
	ssize_t n;

	if (ch == NULL)
		return -1;
	n = read(d->from, ch->data, CHUNK);
	if (n < 0) {
		free(ch);
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	}
	ch->next = NULL;
	ch->at_us = now + c->delay_us;
	ch->len = (size_t)n;
	ch->off = 0;
	ch->fin = n == 0;
	if (n == 0)
		d->eof = 1;
	if (d->tail != NULL)
		d->tail->next = ch;
	else
		d->head = ch;
	d->tail = ch;
	d->queued += (size_t)n;
	return 0;
}

/* Write what is due; -1 when the connection failed. */
static int dir_write(struct dir *d, uint64_t now)
{
	while (d->head != NULL && d->head->at_us <= now) {
		struct chunk *ch = d->head;

		if (ch->fin) {
			shutdown(d->to, SHUT_WR);
			d->done = 1;
		} else {
			ssize_t n = write(d->to, ch->data + ch->off,
					  ch->len - ch->off);

			if (n < 0)
				return errno == EAGAIN || errno == EINTR ?
				       0 : -1;
			ch->off += (size_t)n;
			d->queued -= (size_t)n;
			if (ch->off < ch->len)
				return 0;
		}
		d->head = ch->next;
		if (d->head == NULL)
			d->tail = NULL;
		free(ch);
	}
	return 0;
}

static int serve(int lfd, int mark)
{
	struct pollfd *pf = NULL;
	size_t cap_pf = 0;

	while (!stop) {
		uint64_t now = now_us(), next = UINT64_MAX;
		size_t n = 1;
		int timeout;

		if (cap_pf < 2 * n_conns + 1) {
			size_t cap = 2 * cap_conns + 1 > 2 * n_conns + 1 ?
				     2 * cap_conns + 1 : 2 * n_conns + 1;
			struct pollfd *np = realloc(pf, cap * sizeof(*np));

			if (np == NULL) {
				fprintf(stderr, "netdelay: out of memory\n");
				free(pf);
				return 1;
			}
			pf = np;
			cap_pf = cap;
		}
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		for (size_t i = 0; i < n_conns; i++) {
			struct conn *c = conns[i];

			for (int k = 0; k < 2; k++) {
				struct dir *in = &c->d[k];	/* reads fd[k] */
				struct dir *out = &c->d[1 - k];	/* writes fd[k] */
				short ev = 0;

				if (!in->eof && in->queued < MAX_QUEUED &&
				    !(k == 1 && c->connecting))
					ev |= POLLIN;
				if (k == 1 && c->connecting)
					ev |= POLLOUT;
				else if (out->head != NULL) {
					if (out->head->at_us <= now)
						ev |= POLLOUT;
					else if (out->head->at_us < next)
						next = out->head->at_us;
				}
				pf[n].fd = c->fd[k];
				pf[n].events = ev;
				pf[n].revents = 0;
				n++;
			}
		}
		timeout = next == UINT64_MAX ? 1000 :
			  (int)((next - now + 999) / 1000);
		if (poll(pf, n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			free(pf);
			die("poll");
		}
		now = now_us();
		/* connections: walk backwards, conn_free moves the last in */
		for (size_t i = n_conns; i-- > 0;) {
			struct conn *c = conns[i];
			int bad = 0;

			for (int k = 0; k < 2 && !bad; k++) {
				short re = pf[1 + 2 * i + k].revents;

				if (k == 1 && c->connecting && re) {
					int err = 0;
					socklen_t el = sizeof(err);

					getsockopt(c->fd[1], SOL_SOCKET,
						   SO_ERROR, &err, &el);
					if (err != 0)
						bad = 1;
					else
						c->connecting = 0;
					continue;
				}
				if (re & POLLIN)
					bad = dir_read(c, &c->d[k], now) != 0;
				else if (re & (POLLERR | POLLHUP) &&
					 !(re & POLLOUT) && !c->d[k].eof)
					bad = dir_read(c, &c->d[k], now) != 0;
			}
			for (int k = 0; k < 2 && !bad && !c->connecting; k++)
				bad = dir_write(&c->d[k], now) != 0;
			if (bad || (c->d[0].done && c->d[1].done))
				conn_free(i);
		}
		if (pf[0].revents & POLLIN)
			accept_one(lfd, mark);
	}
	free(pf);
	return 0;
}

int main(int argc, char **argv)
{
	long port = 0, mark = 0, ready_fd = -1;
	struct sockaddr_in sa;
	int lfd, one = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		char *end;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("usage: netdelay --port PORT --mark M "
			       "--route CIDR=DELAY... [--ready-fd N]\n");
			return 0;
		}
		if (i + 1 >= argc)
			return usage_error("option needs a value", a);
		if (strcmp(a, "--route") == 0) {
			if (n_routes == MAX_ROUTES)
				return usage_error("too many --route", NULL);
			if (parse_route(argv[++i], &routes[n_routes]) != 0)
				return usage_error("--route is CIDR=DELAY "
						   "(10.1.2.0/24=20ms)",
						   argv[i]);
			n_routes++;
			continue;
		}
		errno = 0;
		long v = strtol(argv[++i], &end, 10);

		if (errno != 0 || *end != '\0' || v < 0 || v > INT_MAX)
			return usage_error("not a number", argv[i]);
		if (strcmp(a, "--port") == 0 && v > 0 && v < 65536)
			port = v;
		else if (strcmp(a, "--mark") == 0 && v > 0)
			mark = v;
		else if (strcmp(a, "--ready-fd") == 0)
			ready_fd = v;
		else
			return usage_error("unknown option or bad value", a);
	}
	if (port == 0 || mark == 0)
		return usage_error("--port and --mark are required", NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 1024) != 0)
		die("bind/listen");
	if (ready_fd >= 0) {
		dprintf((int)ready_fd, "ready 0.0.0.0:%ld\n", port);
		close((int)ready_fd);
	}
	return serve(lfd, (int)mark);
}
