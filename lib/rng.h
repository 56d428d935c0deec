/*
 * A small seeded random-number generator shared by every method that needs one (PCA's
 * randomized SVD, trustworthiness sampling, UMAP, t-SNE), so that the same seed gives
 * the same bytes on every machine.
 *
 * The generator is xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom
 * number generators", 2018): 256 bits of state, period 2^256 - 1. A 64-bit seed is
 * expanded into the state with splitmix64 (Steele, Lea and Flood), as the authors
 * recommend, so that nearby seeds give unrelated streams. Not for cryptography.
 *
 * li_rng is plain data (no allocation): copy it to fork a stream.
 */
#ifndef LI_RNG_H
#define LI_RNG_H

#include <stdint.h>

typedef struct li_rng {
	uint64_t s[4];
	double spare;      /* the second normal of a Box-Muller pair */
	int has_spare;
} li_rng;

/* One splitmix64 step: advances *state and returns the next output. */
uint64_t li_splitmix64(uint64_t *state);

/* Seeds r from seed (s[i] = successive splitmix64 outputs starting from seed). */
void li_rng_seed(li_rng *r, uint64_t seed);

/* The next 64 random bits. */
uint64_t li_rng_next(li_rng *r);

/* Uniform double in [0, 1): the top 53 bits of li_rng_next() times 2^-53. */
double li_rng_uniform(li_rng *r);

/* Uniform integer in [0, n) without modulo bias (Lemire's method); 0 when n is 0. */
uint64_t li_rng_below(li_rng *r, uint64_t n);

/* Standard normal (Box-Muller; pairs are cached, so calls alternate cost). */
double li_rng_normal(li_rng *r);

/*
 * Chooses m distinct indices from [0, n) uniformly (m <= n), written to out sorted
 * ascending. Uses a partial Fisher-Yates shuffle over a scratch array of n indices, or
 * the identity when m == n. Returns 0, or -1 when scratch memory cannot be had.
 */
int li_rng_sample(li_rng *r, int64_t n, int64_t m, int64_t *out);

#endif
