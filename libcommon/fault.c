/*
 * fault.c -- process-wide injected faults (see fault.h).
 *
 * A mutex guards the tables; an atomic bit mask says which kinds may be
 * in force, so a query on a healthy process is one relaxed load.  Expiry
 * is lazy: a query that finds a fault past its deadline clears it.
 */
#include "fault.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "util.h"

static const char *const kind_names[FAULT_NKINDS] = {
	"partition", "skew", "slow-disk", "slow-net"
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint active;		/* bit k: kind k may be set */
static uint64_t until[FAULT_NKINDS];	/* monotonic ms deadline, under mu */
static uint64_t drop_out[FAULT_MAX_PEERS], drop_in[FAULT_MAX_PEERS];
static size_t n_out, n_in;
static int64_t skew_ms;
static uint64_t disk_ms, net_ms;

int fault_kind_parse(const char *name)
{
	for (int k = 0; k < FAULT_NKINDS; k++)
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	return -1;
}

const char *fault_kind_name(enum fault_kind k)
{
	return (unsigned)k < FAULT_NKINDS ? kind_names[k] : "?";
}

static int check_ttl(uint64_t ttl_ms, struct err *e)
{
	if (ttl_ms == 0 || ttl_ms > FAULT_TTL_MAX_MS)
		return err_set(e, RC_BAD_INPUT, "a fault's time to live must be "
			       "from 1 ms to %d s, got %" PRIu64 " ms",
			       FAULT_TTL_MAX_MS / 1000, ttl_ms);
	return RC_OK;
}

/* Under mu: start kind k for ttl_ms. */
static void arm(enum fault_kind k, uint64_t ttl_ms)
{
	until[k] = util_mono_ms() + ttl_ms;
	atomic_fetch_or(&active, 1u << k);
}

static int check_peers(const uint64_t *p, size_t n, const char *what,
		       struct err *e)
{
	if (n > FAULT_MAX_PEERS)
		return err_set(e, RC_BAD_INPUT, "%s: at most %d peers, got %zu",
			       what, FAULT_MAX_PEERS, n);
	for (size_t i = 0; i < n; i++)
		if (p[i] == 0)
			return err_set(e, RC_BAD_INPUT, "%s: node ids start at "
				       "1", what);
	return RC_OK;
}

int fault_partition(const uint64_t *out, size_t nout, const uint64_t *in,
		    size_t nin, uint64_t ttl_ms, struct err *e)
{
	int rc;

	if ((rc = check_ttl(ttl_ms, e)) != RC_OK ||
	    (rc = check_peers(out, nout, "drop_out", e)) != RC_OK ||
	    (rc = check_peers(in, nin, "drop_in", e)) != RC_OK)
		return rc;
	if (nout == 0 && nin == 0)
		return err_set(e, RC_BAD_INPUT, "a partition needs peers to "
			       "drop messages to or from (to undo one, heal)");
	pthread_mutex_lock(&mu);
	if (nout > 0)
		memcpy(drop_out, out, nout * sizeof(*out));
	if (nin > 0)
		memcpy(drop_in, in, nin * sizeof(*in));
	n_out = nout;
	n_in = nin;
	arm(FAULT_PARTITION, ttl_ms);
	pthread_mutex_unlock(&mu);
	return RC_OK;
}

int fault_skew(int64_t offset_ms, uint64_t ttl_ms, struct err *e)
{
	int rc;

	if ((rc = check_ttl(ttl_ms, e)) != RC_OK)
		return rc;
	if (offset_ms < -FAULT_SKEW_MAX_MS || offset_ms > FAULT_SKEW_MAX_MS)
		return err_set(e, RC_BAD_INPUT, "a clock skew must be within "
			       "a day either way, got %" PRId64 " ms",
			       offset_ms);
	pthread_mutex_lock(&mu);
	skew_ms = offset_ms;
	arm(FAULT_SKEW, ttl_ms);
	pthread_mutex_unlock(&mu);
	return RC_OK;
}

static int slow(enum fault_kind k, uint64_t *slot, uint64_t delay_ms,
		uint64_t ttl_ms, struct err *e)
{
	int rc;

	if ((rc = check_ttl(ttl_ms, e)) != RC_OK)
		return rc;
	if (delay_ms == 0 || delay_ms > FAULT_DELAY_MAX_MS)
		return err_set(e, RC_BAD_INPUT, "a %s delay must be from 1 ms "
			       "to %d s, got %" PRIu64 " ms", kind_names[k],
			       FAULT_DELAY_MAX_MS / 1000, delay_ms);
	pthread_mutex_lock(&mu);
	*slot = delay_ms;
	arm(k, ttl_ms);
	pthread_mutex_unlock(&mu);
	return RC_OK;
}

int fault_slow_disk(uint64_t delay_ms, uint64_t ttl_ms, struct err *e)
{
	return slow(FAULT_SLOW_DISK, &disk_ms, delay_ms, ttl_ms, e);
}

int fault_slow_net(uint64_t delay_ms, uint64_t ttl_ms, struct err *e)
{
	return slow(FAULT_SLOW_NET, &net_ms, delay_ms, ttl_ms, e);
}

/* Under mu. */
static void clear_locked(enum fault_kind k)
{
	atomic_fetch_and(&active, ~(1u << k));
	until[k] = 0;
	switch (k) {
	case FAULT_PARTITION:
		n_out = n_in = 0;
		break;
	case FAULT_SKEW:
		skew_ms = 0;
		break;
	case FAULT_SLOW_DISK:
		disk_ms = 0;
		break;
	case FAULT_SLOW_NET:
		net_ms = 0;
		break;
	default:
		break;
	}
}

void fault_clear(enum fault_kind k)
{
	if ((unsigned)k >= FAULT_NKINDS)
		return;
	pthread_mutex_lock(&mu);
	clear_locked(k);
	pthread_mutex_unlock(&mu);
}

void fault_heal(void)
{
	pthread_mutex_lock(&mu);
	for (int k = 0; k < FAULT_NKINDS; k++)
		clear_locked((enum fault_kind)k);
	pthread_mutex_unlock(&mu);
}

/*
 * Lock mu when kind k may be in force and still is (an expired one is
 * cleared on the way); 1 = locked and in force, 0 = not locked.
 */
static int lock_if(enum fault_kind k)
{
	if ((atomic_load_explicit(&active, memory_order_relaxed) &
	     (1u << k)) == 0)
		return 0;
	pthread_mutex_lock(&mu);
	if (until[k] == 0) {
		pthread_mutex_unlock(&mu);
		return 0;
	}
	if (util_mono_ms() >= until[k]) {
		clear_locked(k);
		pthread_mutex_unlock(&mu);
		return 0;
	}
	return 1;
}

static bool in_list(const uint64_t *l, size_t n, uint64_t peer)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == peer)
			return true;
	return false;
}

bool fault_drop_to(uint64_t peer)
{
	bool r;

	if (!lock_if(FAULT_PARTITION))
		return false;
	r = in_list(drop_out, n_out, peer);
	pthread_mutex_unlock(&mu);
	return r;
}

bool fault_drop_from(uint64_t peer)
{
	bool r;

	if (!lock_if(FAULT_PARTITION))
		return false;
	r = in_list(drop_in, n_in, peer);
	pthread_mutex_unlock(&mu);
	return r;
}

int64_t fault_skew_ms(void)
{
	int64_t r;

	if (!lock_if(FAULT_SKEW))
		return 0;
	r = skew_ms;
	pthread_mutex_unlock(&mu);
	return r;
}

static uint64_t delay_of(enum fault_kind k, const uint64_t *slot)
{
	uint64_t r;

	if (!lock_if(k))
		return 0;
	r = *slot;
	pthread_mutex_unlock(&mu);
	return r;
}

uint64_t fault_disk_delay_ms(void)
{
	return delay_of(FAULT_SLOW_DISK, &disk_ms);
}

uint64_t fault_net_delay_ms(void)
{
	return delay_of(FAULT_SLOW_NET, &net_ms);
}

static void sleep_ms(uint64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
			       (long)(ms % 1000) * 1000000L };

	while (ms > 0 && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void fault_disk_wait(void)
{
	sleep_ms(fault_disk_delay_ms());
}

void fault_net_wait(void)
{
	sleep_ms(fault_net_delay_ms());
}

uint64_t fault_wall_ms(void *arg)
{
	uint64_t now = util_wall_ms();
	int64_t s = fault_skew_ms();

	(void)arg;
	if (s < 0 && (uint64_t)-s > now)
		return 0;
	return now + (uint64_t)s;
}

static json_t *ids_json(const uint64_t *l, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < n; i++)
		if (json_array_append_new(a, json_integer((json_int_t)l[i])))
			return json_decref(a), NULL;
	return a;
}

json_t *fault_status_json(void)
{
	json_t *a = json_array();

	for (int k = 0; a != NULL && k < FAULT_NKINDS; k++) {
		json_t *f = NULL;
		uint64_t left;

		if (!lock_if((enum fault_kind)k))
			continue;
		left = until[k] - util_mono_ms();
		switch (k) {
		case FAULT_PARTITION:
			f = json_pack("{s:s, s:o*, s:o*}", "kind",
				      kind_names[k], "drop_out",
				      ids_json(drop_out, n_out), "drop_in",
				      ids_json(drop_in, n_in));
			break;
		case FAULT_SKEW:
			f = json_pack("{s:s, s:I}", "kind", kind_names[k],
				      "offset_ms", (json_int_t)skew_ms);
			break;
		default:
			f = json_pack("{s:s, s:I}", "kind", kind_names[k],
				      "delay_ms", (json_int_t)(k ==
				      FAULT_SLOW_DISK ? disk_ms : net_ms));
			break;
		}
		pthread_mutex_unlock(&mu);
		if (f != NULL && json_object_set_new(f, "ttl_ms", json_integer(
			    (json_int_t)left)) != 0) {
			json_decref(f);
			f = NULL;
		}
		/* append_new releases f when it fails */
		if (f == NULL || json_array_append_new(a, f) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}
