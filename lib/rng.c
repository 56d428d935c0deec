/*
 * xoshiro256** seeded by splitmix64, as recommended by their authors; see rng.h.
 */
#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void li_rng_seed(li_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

li_rng li_rng_stream(uint64_t seed, uint64_t stream)
{
	li_rng r;
	uint64_t x = seed;
	/* mix the stream number in through a second splitmix round, so that nearby
	 * (seed, stream) pairs give unrelated states */
	uint64_t y = splitmix64(&x) ^ (stream * 0xd1b54a32d192ed03ull);
	li_rng_seed(&r, splitmix64(&y));
	return r;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t li_rng_next(li_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double li_rng_uniform(li_rng *r)
{
	return (double)(li_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t li_rng_below(li_rng *r, uint64_t n)
{
	/* reject the top partial block of 2^64 so every residue is equally likely */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
	do
		x = li_rng_next(r);
	while (x >= limit);
	return x % n;
}

double li_rng_normal(li_rng *r)
{
	double u = li_rng_uniform(r), v = li_rng_uniform(r);
	return sqrt(-2.0 * log1p(-u)) * cos(2.0 * M_PI * v);
}

void li_rng_sample(li_rng *r, int64_t n, int64_t k, int64_t *idx)
{
	/* Knuth's selection sampling (Algorithm S): one pass, sorted output */
	int64_t chosen = 0;
	for (int64_t i = 0; i < n && chosen < k; i++)
		if ((double)(n - i) * li_rng_uniform(r) < (double)(k - chosen))
			idx[chosen++] = i;
}
