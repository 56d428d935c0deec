/*
 * One small helper for data-parallel loops: li_parallel_for splits [0, n) into fixed
 * chunks and hands them to pthreads (klib's kt_for idea). The chunks, not the threads,
 * are the unit of work, so code that derives its randomness from the item index (never
 * from the thread) gives the same result at any thread count.
 */
#ifndef LI_PARALLEL_H
#define LI_PARALLEL_H

#include <stdint.h>

/* Called for the items [begin, end) by worker `tid` (0 <= tid < threads). */
typedef void (*li_parallel_fn)(void *ctx, int64_t begin, int64_t end, int tid);

/* Threads to use for a request: req > 0 as given (capped at 256), else the online CPUs. */
int li_parallel_threads(int req);

/*
 * Runs fn over [0, n) in chunks of `chunk` items (chunk <= 0: n / (4 * threads), at
 * least 1) on `threads` threads (li_parallel_threads(threads) of them; the calling
 * thread is one). Chunks are taken in increasing order from a shared counter. Runs
 * serially when threads is 1 or thread creation fails. Returns the threads used.
 */
int li_parallel_for(int64_t n, int64_t chunk, int threads, li_parallel_fn fn, void *ctx);

/*
 * A team of threads for loops with many short steps (an SGD epoch in blocks): runs
 * fn(ctx, tid, nth) on nth threads at once (the caller is tid 0; nth is
 * li_parallel_threads(threads), fewer when threads cannot be created) and returns nth
 * after all have returned. Inside fn, li_parallel_sync(ctx's team) waits for all nth.
 */
typedef struct li_team li_team;
typedef void (*li_team_fn)(void *ctx, li_team *team, int tid, int nth);
int li_parallel_team(int threads, li_team_fn fn, void *ctx);
/* Waits until every thread of the team has called it (a barrier). */
void li_parallel_sync(li_team *team);

/* Sets OpenBLAS to one thread and returns the previous count (for nesting BLAS calls
 * inside li_parallel_for); li_blas_threads_restore puts it back. */
int li_blas_threads_single(void);
void li_blas_threads_restore(int prev);

#endif
