/*
 * Unit tests for lib/rng.c. The xoshiro256** reference: with state {1, 2, 3, 4} the
 * first outputs are 11520, 0, 1509978240, 1215971899390074240 (computed by hand in
 * Python big integers from the algorithm's definition).
 */
#include <stdlib.h>

#include "check.h"
#include "li.h"
#include "rng.h"

int main(void)
{
	li_rng r = {{1, 2, 3, 4}};
	static const uint64_t want[4] = {11520ull, 0ull, 1509978240ull, 1215971899390074240ull};
	for (int i = 0; i < 4; i++) {
		uint64_t got = li_rng_next(&r);
		CHECK(got == want[i], "xoshiro256** output %d: got %llu, expected %llu", i,
		      (unsigned long long)got, (unsigned long long)want[i]);
	}
	li_rng a, b;
	li_rng_seed(&a, 42);
	li_rng_seed(&b, 42);
	int same = 1;
	for (int i = 0; i < 1000; i++)
		same &= li_rng_next(&a) == li_rng_next(&b);
	CHECK(same, "the same seed gives the same stream");
	li_rng s0 = li_rng_stream(42, 0), s1 = li_rng_stream(42, 1);
	CHECK(li_rng_next(&s0) != li_rng_next(&s1), "streams of one seed differ");

	/* uniform: mean 1/2, variance 1/12 over 200,000 draws (5 sigma bounds) */
	li_rng_seed(&a, 7);
	double sum = 0, sq = 0;
	int n = 200000;
	for (int i = 0; i < n; i++) {
		double u = li_rng_uniform(&a);
		sum += u;
		sq += u * u;
	}
	CHECK(fabs(sum / n - 0.5) < 5 * sqrt(1.0 / 12 / n), "uniform mean %g", sum / n);
	CHECK(fabs(sq / n - sum / n * sum / n - 1.0 / 12) < 0.002, "uniform variance");
	sum = sq = 0;
	for (int i = 0; i < n; i++) {
		double z = li_rng_normal(&a);
		sum += z;
		sq += z * z;
	}
	CHECK(fabs(sum / n) < 5 / sqrt(n) && fabs(sq / n - 1) < 0.02, "normal mean %g, var %g", sum / n,
	      sq / n);
	int counts[3] = {0};
	for (int i = 0; i < 30000; i++)
		counts[li_rng_below(&a, 3)]++;
	CHECK(abs(counts[0] - 10000) < 400 && abs(counts[1] - 10000) < 400, "below(3) is even");
	int64_t idx[10];
	li_rng_sample(&a, 100, 10, idx);
	int ok = 1;
	for (int i = 0; i < 10; i++)
		ok &= idx[i] >= 0 && idx[i] < 100 && (i == 0 || idx[i] > idx[i - 1]);
	CHECK(ok, "sample: 10 distinct sorted indices below 100");
	li_rng_sample(&a, 5, 5, idx);
	CHECK(idx[0] == 0 && idx[4] == 4, "sample of all 5 is 0..4");
	return check_done();
}
