/*
 * A tiny check macro for the C unit tests: each CHECK prints "ok - ..." or
 * "not ok - ..." with the got and expected values, and check_done() sets the exit status.
 */
#ifndef LI_CHECK_H
#define LI_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures;

#define CHECK(cond, ...) do { \
	if (cond) { \
		printf("ok - "); printf(__VA_ARGS__); printf("\n"); \
	} else { \
		check_failures++; \
		printf("not ok - "); printf(__VA_ARGS__); \
		printf("  (%s:%d: %s)\n", __FILE__, __LINE__, #cond); \
	} \
} while (0)

#define CHECK_INT(got, want, what) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	CHECK(g_ == w_, "%s: got %lld, expected %lld", what, g_, w_); \
} while (0)

#define CHECK_NEAR(got, want, tol, what) do { \
	double g_ = (double)(got), w_ = (double)(want); \
	CHECK(fabs(g_ - w_) <= (tol) * (1 + fabs(w_)), "%s: got %.9g, expected %.9g", what, g_, w_); \
} while (0)

static inline int check_done(void)
{
	return check_failures ? 1 : 0;
}

#endif
