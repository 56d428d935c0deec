/*
 * The seeded generator against its published definitions: splitmix64's first output for
 * state 0 is the well-known 0xe220a8397b1dcdaf; the xoshiro256** outputs below were
 * computed with an independent Python transcription of Blackman and Vigna's reference.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

int main(void)
{
	li_rng r;
	li_rng_seed(&r, 0);
	CHECK(r.s[0] == 0xe220a8397b1dcdafULL && r.s[1] == 0x6e789e6aa1b965f4ULL &&
	      r.s[2] == 0x06c45d188009454fULL && r.s[3] == 0xf88bb8a8724c81ecULL,
	      "seed 0 expands by splitmix64");
	CHECK(li_rng_next(&r) == 0x99ec5f36cb75f2b4ULL, "seed 0, output 1");
	CHECK(li_rng_next(&r) == 0xbf6e1f784956452aULL, "seed 0, output 2");
	CHECK(li_rng_next(&r) == 0x1a5f849d4933e6e0ULL, "seed 0, output 3");
	li_rng_seed(&r, 42);
	CHECK(li_rng_next(&r) == 0x15780b2e0c2ec716ULL, "seed 42, output 1");
	CHECK(li_rng_next(&r) == 0x6104d9866d113a7eULL, "seed 42, output 2");

	/* uniform in [0, 1), below(n) in range, normal with about the right moments */
	li_rng_seed(&r, 7);
	double sum = 0, sq = 0, lo = 1, hi = 0;
	int in_range = 1;
	for (int i = 0; i < 100000; i++) {
		double u = li_rng_uniform(&r);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		in_range &= li_rng_below(&r, 7) < 7;
		double z = li_rng_normal(&r);
		sum += z;
		sq += z * z;
	}
	CHECK(lo >= 0 && hi < 1, "uniform within [0, 1): %g..%g", lo, hi);
	CHECK(in_range, "below(7) < 7");
	CHECK_NEAR(sum / 100000, 0, 0.02, "normal mean");
	CHECK_NEAR(sq / 100000, 1, 0.02, "normal variance");
	CHECK_INT(li_rng_below(&r, 0), 0, "below(0)");

	/* sample: distinct, sorted, in range; the identity when m == n; same seed, same set */
	int64_t a[50], b[50];
	li_rng_seed(&r, 3);
	CHECK_INT(li_rng_sample(&r, 1000, 50, a), 0, "sample 50 of 1000");
	int ok = a[0] >= 0 && a[49] < 1000;
	for (int i = 1; i < 50; i++)
		ok &= a[i] > a[i - 1];
	CHECK(ok, "sample is sorted, distinct and in range");
	li_rng_seed(&r, 3);
	CHECK_INT(li_rng_sample(&r, 1000, 50, b), 0, "sample again");
	CHECK(!memcmp(a, b, sizeof a), "same seed, same sample");
	CHECK_INT(li_rng_sample(&r, 5, 5, b), 0, "sample all");
	CHECK(b[0] == 0 && b[4] == 4, "sample of all is the identity");
	return check_done();
}
