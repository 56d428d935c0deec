/*
 * Seeded pseudo-random numbers: xoshiro256** (Blackman and Vigna) seeded through
 * splitmix64. The same seed gives the same stream on every machine. For work split over
 * threads, derive one stream per work item with li_rng_stream(seed, item) rather than per
 * thread, so results do not depend on the thread count.
 */
#ifndef LI_RNG_H
#define LI_RNG_H

#include <stdint.h>

typedef struct li_rng {
	uint64_t s[4];
} li_rng;

/* Seeds r from one 64-bit number. */
void li_rng_seed(li_rng *r, uint64_t seed);
/* An independent stream for (seed, stream): the same pair always gives the same stream. */
li_rng li_rng_stream(uint64_t seed, uint64_t stream);
/* The next 64 random bits. */
uint64_t li_rng_next(li_rng *r);
/* Uniform in [0, 1), 53 bits. */
double li_rng_uniform(li_rng *r);
/* Uniform integer in [0, n), without modulo bias; n > 0. */
uint64_t li_rng_below(li_rng *r, uint64_t n);
/* Standard normal (Box-Muller, one value per call: no hidden cached state). */
double li_rng_normal(li_rng *r);
/* Fills idx[0..k) with a uniform random sample of k distinct indices of [0, n), in
 * increasing order (k <= n). Uses O(k) memory beyond idx (selection sampling). */
void li_rng_sample(li_rng *r, int64_t n, int64_t k, int64_t *idx);

#endif
