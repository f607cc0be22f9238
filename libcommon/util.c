/*
 * util.c -- clocks, strict number parsing, durable file writes (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fault.h"

uint64_t util_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t util_mono_ms(void)
{
	return util_mono_ns() / 1000000u;
}

uint64_t util_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int is_digits(const char *s, int allow_minus)
{
	if (allow_minus && *s == '-')
		s++;
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int util_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out,
		   const char *what, struct err *e)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !is_digits(s, 0))
		return err_set(e, RC_BAD_INPUT,
			       "%s must be a non-negative integer, got '%s'",
			       what, s ? s : "");
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v < min || v > max)
		return err_set(e, RC_BAD_INPUT,
			       "%s must be between %" PRIu64 " and %" PRIu64
			       ", got '%s'", what, min, max, s);
	*out = v;
	return RC_OK;
}

int util_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out,
		   const char *what, struct err *e)
{
	long long v;
	char *end;

	if (s == NULL || !is_digits(s, 1))
		return err_set(e, RC_BAD_INPUT, "%s must be an integer, got '%s'",
			       what, s ? s : "");
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v < min || v > max)
		return err_set(e, RC_BAD_INPUT,
			       "%s must be between %" PRId64 " and %" PRId64
			       ", got '%s'", what, min, max, s);
	*out = v;
	return RC_OK;
}

static int fsync_dir_of(const char *path, struct err *e)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, rc = RC_OK;

	if (slash == NULL) {
		snprintf(dir, sizeof(dir), ".");
	} else if (slash == path) {
		snprintf(dir, sizeof(dir), "/");
	} else {
		if ((size_t)(slash - path) >= sizeof(dir))
			return err_set(e, RC_BAD_INPUT, "path too long: '%s'",
				       path);
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, RC_IO, "cannot open directory '%s': %s", dir,
			       strerror(errno));
	if (fsync(fd) != 0)
		rc = err_set(e, RC_IO, "cannot sync directory '%s': %s", dir,
			     strerror(errno));
	close(fd);
	return rc;
}

int util_write_file_atomic(const char *path, const void *data, size_t len,
			   struct err *e)
{
	char tmp[PATH_MAX];
	const char *p = data;
	int fd, n;

	n = snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return err_set(e, RC_BAD_INPUT, "path too long: '%s'", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, RC_IO, "cannot create '%s': %s", tmp,
			       strerror(errno));
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int saved = errno;

			close(fd);
			unlink(tmp);
			return err_set(e, RC_IO, "cannot write '%s': %s", tmp,
				       strerror(saved));
		}
		p += w;
		len -= (size_t)w;
	}
	fault_disk_wait();	/* a slow-disk drill (chaos) */
	if (fsync(fd) != 0) {
		int saved = errno;

		close(fd);
		unlink(tmp);
		return err_set(e, RC_IO, "cannot sync '%s': %s", tmp,
			       strerror(saved));
	}
	if (close(fd) != 0) {
		int saved = errno;

		unlink(tmp);
		return err_set(e, RC_IO, "cannot close '%s': %s", tmp,
			       strerror(saved));
	}
	if (rename(tmp, path) != 0) {
		int saved = errno;

		unlink(tmp);
		return err_set(e, RC_IO, "cannot rename '%s' to '%s': %s", tmp,
			       path, strerror(saved));
	}
	return fsync_dir_of(path, e);
}

int util_read_file(const char *path, size_t max, char **out, size_t *len,
		   struct err *e)
{
	size_t got = 0, cap = 4096;
	char *buf, *bigger;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno == ENOENT ? RC_NOT_FOUND : RC_IO,
			       "cannot open '%s': %s", path, strerror(errno));
	if (cap > max + 1)
		cap = max + 1;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		close(fd);
		return err_set(e, RC_NOMEM, "out of memory reading '%s'", path);
	}
	/*
	 * Read to EOF rather than trusting st_size, so pipes and /proc files
	 * work; one byte past max is enough to know the file is too large.
	 */
	for (;;) {
		ssize_t r;

		if (got == cap) {
			if (cap > max)
				break;
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			bigger = realloc(buf, cap + 1);
			if (bigger == NULL) {
				free(buf);
				close(fd);
				return err_set(e, RC_NOMEM,
					       "out of memory reading '%s'",
					       path);
			}
			buf = bigger;
		}
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			free(buf);
			close(fd);
			return err_set(e, RC_IO, "cannot read '%s': %s", path,
				       strerror(saved));
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got > max) {
		free(buf);
		return err_set(e, RC_TOO_LARGE,
			       "'%s' is larger than %zu bytes", path, max);
	}
	buf[got] = '\0';
	*out = buf;
	if (len)
		*len = got;
	return RC_OK;
}

int util_mkdir(const char *path, struct err *e)
{
	struct stat st;

	if (mkdir(path, 0755) == 0)
		return RC_OK;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return RC_OK;
	if (errno == EEXIST)
		return err_set(e, RC_IO, "'%s' exists and is not a directory",
			       path);
	return err_set(e, RC_IO, "cannot create directory '%s': %s", path,
		       strerror(errno));
}

int util_lock_dir(const char *dir, const char *prog, int *fd_out,
		  struct err *e)
{
	char path[PATH_MAX], pid[32], other[32] = "";
	int fd, n;
	ssize_t r;

	n = snprintf(path, sizeof(path), "%s/LOCK", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return err_set(e, RC_BAD_INPUT, "path too long: '%s'", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(e, RC_IO, "cannot open '%s': %s", path,
			       strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int saved = errno;

		r = pread(fd, other, sizeof(other) - 1, 0);
		other[r > 0 ? r : 0] = '\0';
		other[strcspn(other, "\n")] = '\0';
		close(fd);
		if (saved == EWOULDBLOCK)
			return err_set(e, RC_UNAVAILABLE,
				       "data dir '%s' is in use by another %s "
				       "(pid %s)", dir, prog,
				       other[0] ? other : "unknown");
		return err_set(e, RC_IO, "cannot lock '%s': %s", path,
			       strerror(saved));
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int saved = errno;

		close(fd);
		return err_set(e, RC_IO, "cannot write '%s': %s", path,
			       strerror(saved));
	}
	*fd_out = fd;
	return RC_OK;
}
