/*
 * Row selections for sharded runs (SPEC 8): `--rows A:B` (half-open, 0-based, negative
 * counts from the end, either side may be empty) and `--shard I/N` (the I-th of N
 * near-equal contiguous parts, 0-based). A selection is resolved against the row count
 * once it is known; shards of one count tile it exactly, so concatenating the outputs of
 * shards 0..N-1 gives the output of the whole run.
 */
#ifndef LI_ROWS_H
#define LI_ROWS_H

#include <stdint.h>

#include "err.h"
#include "npy.h"

typedef struct li_rowsel {
	int kind;              /* 0: all rows, 1: range, 2: shard */
	int64_t a, b;          /* range bounds (kind 1); has_a/has_b say whether given */
	int has_a, has_b;
	int64_t shard, n_shards;
} li_rowsel;

/* Parses "A:B" (either side may be empty; negative from the end). 0 or LI_EUSAGE. */
int li_rowsel_parse_rows(li_rowsel *s, const char *spec, li_err *err) LI_RESULT_USED;
/* Parses "I/N" with 0 <= I < N. 0 or LI_EUSAGE. */
int li_rowsel_parse_shard(li_rowsel *s, const char *spec, li_err *err) LI_RESULT_USED;

/* 1 when s needs the row count to resolve (a shard, a negative bound): data whose length
 * is known only at its end (csv, text) can serve a range from the start, not these. */
int li_rowsel_needs_count(const li_rowsel *s);

/* Resolves s against n rows into [*lo, *hi) (clamped to [0, n], empty when reversed). */
void li_rowsel_resolve(const li_rowsel *s, int64_t n, int64_t *lo, int64_t *hi);

/*
 * Reads the rows of r (just opened: no row read yet) and keeps a uniform random sample of
 * k of them (all when the array has k rows or fewer), in their order in the stream,
 * converted to want; the rows not kept are read and dropped, so memory grows with k, not
 * with the array. The same seed and row count pick the same rows (li_rng_sample on the
 * stream (seed, "sample")). out gets the kept rows (caller frees with li_array_release);
 * idx, when not NULL, gets their 0-based row numbers (caller frees with free()). Returns
 * the rows kept, or negative with err set (LI_EDATA for a 0-d array or truncated data).
 */
int64_t li_rows_sample(li_npy_reader *r, int64_t k, uint64_t seed, li_dtype want,
		       li_array *out, int64_t **idx, li_err *err) LI_RESULT_USED;

#endif
