/*
 * li_parallel_for: a fixed-chunk parallel loop over pthreads; see parallel.h.
 * Workers pull chunk numbers from an atomic counter; which thread runs a chunk varies
 * between runs, so callers must make each item's result depend only on the item.
 */
#include "parallel.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

typedef struct job {
	int64_t n, chunk;
	atomic_llong next;
	li_parallel_fn fn;
	void *ctx;
} job;

typedef struct worker {
	job *j;
	int tid;
} worker;

int li_parallel_threads(int req)
{
	if (req > 0)
		return req > 256 ? 256 : req;
	long c = sysconf(_SC_NPROCESSORS_ONLN);
	if (c < 1)
		c = 1;
	return c > 256 ? 256 : (int)c;
}

static void *run(void *arg)
{
	worker *w = arg;
	job *j = w->j;
	for (;;) {
		int64_t c = atomic_fetch_add(&j->next, 1);
		int64_t b = c * j->chunk;
		if (b >= j->n)
			break;
		int64_t e = b + j->chunk < j->n ? b + j->chunk : j->n;
		j->fn(j->ctx, b, e, w->tid);
	}
	return NULL;
}

int li_parallel_for(int64_t n, int64_t chunk, int threads, li_parallel_fn fn, void *ctx)
{
	int t = li_parallel_threads(threads);
	if (n <= 0)
		return t;
	if (chunk <= 0) {
		chunk = n / (4 * (int64_t)t);
		if (chunk < 1)
			chunk = 1;
	}
	int64_t nchunks = (n + chunk - 1) / chunk;
	if (t > nchunks)
		t = (int)nchunks;
	job j = { .n = n, .chunk = chunk, .fn = fn, .ctx = ctx };
	atomic_init(&j.next, 0);
	if (t <= 1) {
		fn(ctx, 0, n, 0);
		return 1;
	}
	pthread_t th[256];
	worker w[256];
	int started = 0;
	for (int i = 1; i < t; i++) {
		w[i].j = &j;
		w[i].tid = i;
		if (pthread_create(&th[i], NULL, run, &w[i]) != 0)
			break;
		started = i;
	}
	w[0].j = &j;
	w[0].tid = 0;
	run(&w[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(th[i], NULL);
	return started + 1;
}

/*
 * The team: threads are created first and wait for `go`; only then is the team size
 * known (creation may fail part way), so fn always sees the real nth and the barrier
 * counts the threads that exist. The barrier is a mutex and a condition variable with a
 * generation number.
 */
struct li_team {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int nth, go, waiting;
	unsigned long gen;
	li_team_fn fn;
	void *ctx;
};

typedef struct member {
	li_team *t;
	int tid;
} member;

void li_parallel_sync(li_team *t)
{
	if (t->nth <= 1)
		return;
	pthread_mutex_lock(&t->mu);
	unsigned long g = t->gen;
	if (++t->waiting == t->nth) {
		t->waiting = 0;
		t->gen++;
		pthread_cond_broadcast(&t->cv);
	} else {
		while (g == t->gen)
			pthread_cond_wait(&t->cv, &t->mu);
	}
	pthread_mutex_unlock(&t->mu);
}

static void *team_run(void *arg)
{
	member *m = arg;
	li_team *t = m->t;
	pthread_mutex_lock(&t->mu);
	while (!t->go)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	t->fn(t->ctx, t, m->tid, t->nth);
	return NULL;
}

int li_parallel_team(int threads, li_team_fn fn, void *ctx)
{
	int want = li_parallel_threads(threads);
	li_team t = { .fn = fn, .ctx = ctx, .nth = 1 };
	pthread_t th[256];
	member mb[256];
	int started = 0;
	if (want > 1 && pthread_mutex_init(&t.mu, NULL) == 0) {
		if (pthread_cond_init(&t.cv, NULL) == 0) {
			for (int i = 1; i < want; i++) {
				mb[i].t = &t;
				mb[i].tid = i;
				if (pthread_create(&th[i], NULL, team_run, &mb[i]) != 0)
					break;
				started = i;
			}
			pthread_mutex_lock(&t.mu);
			t.nth = started + 1;
			t.go = 1;
			pthread_cond_broadcast(&t.cv);
			pthread_mutex_unlock(&t.mu);
			fn(ctx, &t, 0, t.nth);
			for (int i = 1; i <= started; i++)
				pthread_join(th[i], NULL);
			pthread_cond_destroy(&t.cv);
			pthread_mutex_destroy(&t.mu);
			return t.nth;
		}
		pthread_mutex_destroy(&t.mu);
	}
	fn(ctx, &t, 0, 1);
	return 1;
}

int li_blas_threads_single(void)
{
	int prev = openblas_get_num_threads();
	openblas_set_num_threads(1);
	return prev;
}

void li_blas_threads_restore(int prev)
{
	if (prev > 0)
		openblas_set_num_threads(prev);
}
