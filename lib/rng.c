/*
 * xoshiro256** seeded by splitmix64 (see rng.h). Both generators are written from
 * their published definitions; the unit test checks the first outputs against values
 * computed independently from those definitions.
 */
#include "rng.h"

#include <math.h>
#include <stdlib.h>

uint64_t li_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void li_rng_seed(li_rng *r, uint64_t seed)
{
	uint64_t st = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = li_splitmix64(&st);
	r->spare = 0;
	r->has_spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t li_rng_next(li_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double li_rng_uniform(li_rng *r)
{
	return (double)(li_rng_next(r) >> 11) * 0x1.0p-53;
}

/*
 * Lemire, "Fast random integer generation in an interval" (2019): the high half of a
 * 64x64-bit product, rejecting the few low halves that would bias the result.
 */
uint64_t li_rng_below(li_rng *r, uint64_t n)
{
	if (n == 0)
		return 0;
	unsigned __int128 m = (unsigned __int128)li_rng_next(r) * n;
	uint64_t lo = (uint64_t)m;
	if (lo < n) {
		uint64_t t = -n % n;
		while (lo < t) {
			m = (unsigned __int128)li_rng_next(r) * n;
			lo = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

double li_rng_normal(li_rng *r)
{
	if (r->has_spare) {
		r->has_spare = 0;
		return r->spare;
	}
	double u1, u2;
	do
		u1 = li_rng_uniform(r);
	while (u1 <= 0);
	u2 = li_rng_uniform(r);
	double rad = sqrt(-2.0 * log(u1)), th = 2.0 * M_PI * u2;
	r->spare = rad * sin(th);
	r->has_spare = 1;
	return rad * cos(th);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

int li_rng_sample(li_rng *r, int64_t n, int64_t m, int64_t *out)
{
	if (m >= n) {
		for (int64_t i = 0; i < n; i++)
			out[i] = i;
		return 0;
	}
	int64_t *idx = malloc((size_t)n * sizeof *idx);
	if (!idx)
		return -1;
	for (int64_t i = 0; i < n; i++)
		idx[i] = i;
	for (int64_t i = 0; i < m; i++) {
		int64_t j = i + (int64_t)li_rng_below(r, (uint64_t)(n - i));
		int64_t t = idx[i];
		idx[i] = idx[j];
		idx[j] = t;
		out[i] = idx[i];
	}
	free(idx);
	qsort(out, (size_t)m, sizeof *out, cmp_i64);
	return 0;
}
