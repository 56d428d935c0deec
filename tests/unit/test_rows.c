/*
 * lib/rows.c: --rows/--shard parsing and resolution against hand-worked slices (the
 * table is Python's x[A:B] and floor(I*n/N) by hand), and li_rows_sample on in-memory
 * .npy streams: sorted distinct rows that are the rows their indices name, all rows when
 * k >= n, the same rows for the same seed, an error for truncated data and 0-d arrays.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

/* An in-memory .npy of n rows of 3 float32 values: row i holds 10i, 10i+1, 10i+2. */
static char *npy_rows(int64_t n, size_t *len)
{
	li_err err = {0};
	li_array a = {0};
	int64_t shape[2] = {n, 3};
	char *buf = NULL;
	if (li_array_alloc(&a, LI_DTYPE_F32, 2, shape, &err))
		return NULL;
	for (int64_t i = 0; i < n * 3; i++)
		((float *)a.data)[i] = (float)(10 * (i / 3) + i % 3);
	FILE *f = open_memstream(&buf, len);
	if (li_npy_save(f, &a, &err))
		*len = 0;
	fclose(f);
	li_array_release(&a);
	return buf;
}

static void check_resolve(void)
{
	static const struct { const char *spec; int64_t n, lo, hi; } rows[] = {
		{"2:5", 10, 2, 5},   {":3", 10, 0, 3},    {"7:", 10, 7, 10},  {"-3:", 10, 7, 10},
		{":-2", 10, 0, 8},   {"-4:-1", 10, 6, 9}, {"5:2", 10, 5, 5},  {"-100:100", 10, 0, 10},
		{"10:12", 10, 10, 10}, {":", 10, 0, 10},  {"3:3", 0, 0, 0},
	};
	for (size_t t = 0; t < sizeof rows / sizeof rows[0]; t++) {
		li_rowsel s = {0};
		li_err err = {0};
		int64_t lo, hi;
		int rc = li_rowsel_parse_rows(&s, rows[t].spec, &err);
		li_rowsel_resolve(&s, rows[t].n, &lo, &hi);
		CHECK(rc == 0 && lo == rows[t].lo && hi == rows[t].hi,
		      "--rows %s of %lld: got [%lld, %lld), expected [%lld, %lld)", rows[t].spec,
		      (long long)rows[t].n, (long long)lo, (long long)hi, (long long)rows[t].lo,
		      (long long)rows[t].hi);
	}
	/* 10 rows in 4 shards: floor(10i/4) = 0, 2, 5, 7, 10 */
	static const int64_t edge[] = {0, 2, 5, 7, 10};
	for (int i = 0; i < 4; i++) {
		li_rowsel s = {0};
		li_err err = {0};
		char spec[16];
		int64_t lo, hi;
		snprintf(spec, sizeof spec, "%d/4", i);
		int rc = li_rowsel_parse_shard(&s, spec, &err);
		li_rowsel_resolve(&s, 10, &lo, &hi);
		CHECK(rc == 0 && lo == edge[i] && hi == edge[i + 1], "--shard %s of 10: [%lld, %lld)",
		      spec, (long long)lo, (long long)hi);
	}
	static const char *bad_rows[] = {"", "3", "a:b", "1:2:3", "1.5:2"};
	for (size_t t = 0; t < sizeof bad_rows / sizeof bad_rows[0]; t++) {
		li_rowsel s = {0};
		li_err err = {0};
		CHECK(li_rowsel_parse_rows(&s, bad_rows[t], &err) == LI_EUSAGE,
		      "--rows '%s' is refused", bad_rows[t]);
	}
	static const char *bad_shards[] = {"4/4", "-1/4", "0/0", "1", "a/b", "1/2/3"};
	for (size_t t = 0; t < sizeof bad_shards / sizeof bad_shards[0]; t++) {
		li_rowsel s = {0};
		li_err err = {0};
		CHECK(li_rowsel_parse_shard(&s, bad_shards[t], &err) == LI_EUSAGE,
		      "--shard '%s' is refused", bad_shards[t]);
	}
}

/* Samples k of n rows with seed; checks the rows against their indices. */
static void check_sample(int64_t n, int64_t k, uint64_t seed, int64_t *first_idx)
{
	size_t len = 0;
	char *buf = npy_rows(n, &len);
	li_err err = {0};
	li_array out = {0};
	int64_t *idx = NULL, want = k < n ? k : n;
	FILE *f = fmemopen(buf, len, "rb");
	li_npy_reader *r = li_npy_open(f, &err);
	int64_t got = r ? li_rows_sample(r, k, seed, LI_DTYPE_F64, &out, &idx, &err) : -1;
	CHECK_INT(got, want, "rows kept");
	if (got == want) {
		int ok = out.rank == 2 && out.shape[0] == want && out.shape[1] == 3;
		for (int64_t i = 0; ok && i < want; i++) {
			const double *row = (const double *)out.data + i * 3;
			ok = idx[i] >= 0 && idx[i] < n && (i == 0 || idx[i] > idx[i - 1]) &&
			     row[0] == 10.0 * idx[i] && row[2] == 10.0 * idx[i] + 2;
		}
		CHECK(ok, "%lld of %lld rows, seed %llu: increasing indices naming their rows",
		      (long long)want, (long long)n, (unsigned long long)seed);
		if (first_idx)
			memcpy(first_idx, idx, (size_t)want * sizeof *idx);
	}
	li_array_release(&out);
	free(idx);
	li_npy_close(r);
	fclose(f);
	free(buf);
}

int main(void)
{
	check_resolve();

	int64_t a[40], b[40], c[40];
	check_sample(1000, 40, 7, a);
	check_sample(1000, 40, 7, b);
	check_sample(1000, 40, 8, c);
	CHECK(!memcmp(a, b, sizeof a), "same seed, same rows");
	CHECK(memcmp(a, c, sizeof a), "another seed, other rows");
	check_sample(1000, 1, 3, NULL);
	check_sample(12, 12, 0, a);
	int all = 1;
	for (int i = 0; i < 12; i++)
		all &= a[i] == i;
	CHECK(all, "k = n keeps every row in order");
	check_sample(12, 500, 0, NULL);
	check_sample(0, 5, 0, NULL);

	/* a uniform sample: each of 10 rows is picked about k/n = 30% of the time */
	int hits[10] = {0};
	for (uint64_t seed = 0; seed < 2000; seed++) {
		size_t len = 0;
		char *buf = npy_rows(10, &len);
		li_err err = {0};
		li_array out = {0};
		int64_t *idx = NULL;
		FILE *f = fmemopen(buf, len, "rb");
		li_npy_reader *r = li_npy_open(f, &err);
		if (r && li_rows_sample(r, 3, seed, LI_DTYPE_F32, &out, &idx, &err) == 3)
			for (int i = 0; i < 3; i++)
				hits[idx[i]]++;
		li_array_release(&out);
		free(idx);
		li_npy_close(r);
		fclose(f);
		free(buf);
	}
	int fair = 1;
	for (int i = 0; i < 10; i++)
		fair &= hits[i] > 520 && hits[i] < 680; /* 600 +- about 5 standard deviations */
	CHECK(fair, "each row picked 520..680 times in 2000 samples of 3 of 10 (row 0: %d)",
	      hits[0]);

	/* a stream that ends early, and a 0-d array */
	size_t len = 0;
	char *buf = npy_rows(50, &len);
	li_err err = {0};
	li_array out = {0};
	int64_t *idx = NULL;
	FILE *f = fmemopen(buf, len - 100, "rb");
	li_npy_reader *r = li_npy_open(f, &err);
	CHECK(r && li_rows_sample(r, 49, 1, LI_DTYPE_F64, &out, &idx, &err) < 0 &&
	      !out.data && !idx, "truncated data is an error (%s)", err.msg);
	li_npy_close(r);
	fclose(f);
	free(buf);
	li_array s0 = {.dtype = LI_DTYPE_F32, .rank = 0};
	float v = 1;
	s0.data = &v;
	char *sb = NULL;
	size_t sl = 0;
	FILE *sf = open_memstream(&sb, &sl);
	li_err e2 = {0};
	if (li_npy_save(sf, &s0, &e2))
		sl = 0;
	fclose(sf);
	f = fmemopen(sb, sl, "rb");
	li_err e3 = {0};
	r = li_npy_open(f, &e3);
	CHECK(r && li_rows_sample(r, 1, 0, LI_DTYPE_F64, &out, NULL, &e3) == LI_EDATA,
	      "a 0-d array has no rows to sample (%s)", e3.msg);
	li_npy_close(r);
	fclose(f);
	free(sb);
	return check_done();
}
