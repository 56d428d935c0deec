/*
 * --rows and --shard selections, and a seeded random sample of a stream's rows (see
 * rows.h).
 */
#include "rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

static int parse_i64(const char *s, const char *end, int64_t *out)
{
	char buf[32];
	size_t n = (size_t)(end - s);
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	char *e;
	errno = 0;
	long long v = strtoll(buf, &e, 10);
	if (*e || errno)
		return -1;
	*out = v;
	return 0;
}

int li_rowsel_parse_rows(li_rowsel *s, const char *spec, li_err *err)
{
	memset(s, 0, sizeof *s);
	const char *colon = strchr(spec, ':');
	if (!colon)
		return li_err_set(err, LI_EUSAGE, "--rows: '%s' is not A:B", spec);
	const char *end = spec + strlen(spec);
	s->kind = 1;
	s->has_a = colon > spec;
	s->has_b = colon + 1 < end;
	if ((s->has_a && parse_i64(spec, colon, &s->a)) ||
	    (s->has_b && parse_i64(colon + 1, end, &s->b)))
		return li_err_set(err, LI_EUSAGE, "--rows: '%s' is not A:B with integers A and B", spec);
	return 0;
}

int li_rowsel_parse_shard(li_rowsel *s, const char *spec, li_err *err)
{
	memset(s, 0, sizeof *s);
	const char *slash = strchr(spec, '/');
	if (!slash || parse_i64(spec, slash, &s->shard) ||
	    parse_i64(slash + 1, spec + strlen(spec), &s->n_shards) || s->n_shards < 1 ||
	    s->shard < 0 || s->shard >= s->n_shards)
		return li_err_set(err, LI_EUSAGE, "--shard: '%s' is not I/N with 0 <= I < N", spec);
	s->kind = 2;
	return 0;
}

int li_rowsel_needs_count(const li_rowsel *s)
{
	return s->kind == 2 || (s->kind == 1 && ((s->has_a && s->a < 0) || (s->has_b && s->b < 0)));
}

static int64_t clamp_index(int64_t v, int64_t n)
{
	if (v < 0)
		v += n;
	return v < 0 ? 0 : v > n ? n : v;
}

void li_rowsel_resolve(const li_rowsel *s, int64_t n, int64_t *lo, int64_t *hi)
{
	*lo = 0;
	*hi = n;
	if (s->kind == 1) {
		if (s->has_a)
			*lo = clamp_index(s->a, n);
		if (s->has_b)
			*hi = clamp_index(s->b, n);
	} else if (s->kind == 2) {
		/* floor(I * n / N) without overflow for any n below 2^63 / N */
		*lo = (int64_t)((__int128)s->shard * n / s->n_shards);
		*hi = (int64_t)((__int128)(s->shard + 1) * n / s->n_shards);
	}
	if (*hi < *lo)
		*hi = *lo;
}

/*
 * Knuth's selection sampling (Algorithm S), as li_rng_sample, decided row by row as the
 * rows arrive: the draws stop at the end of the stream, so a header that claims more rows
 * than a pipe holds neither sizes an allocation nor makes the pass hang; out and the
 * index list grow with the rows kept.
 */
int64_t li_rows_sample(li_npy_reader *r, int64_t k, uint64_t seed, li_dtype want,
		       li_array *out, int64_t **idx, li_err *err)
{
	const li_npy_info *info = li_npy_info_of(r);
	int64_t n = li_npy_rows(r), re = li_npy_row_elems(r), *pick = NULL, kept = 0, at = 0, got;
	size_t es = li_dtype_size(want), row_bytes = (size_t)re * es, cap = 0;
	li_array batch = {0};
	memset(out, 0, sizeof *out);
	if (idx)
		*idx = NULL;
	if (info->rank < 1)
		return li_err_set(err, LI_EDATA, "a 0-d array has no rows to sample");
	if (k > n)
		k = n;
	li_rng g = li_rng_stream(seed, 0x73616d706c65ull); /* "sample" */
	int64_t per = re > 0 ? (1 << 20) / re + 1 : 1 << 20;
	while (kept < k && (got = li_npy_read_batch(r, &batch, want, per, err)) > 0) {
		for (int64_t i = 0; i < got && kept < k; i++, at++) {
			if (!((double)(n - at) * li_rng_uniform(&g) < (double)(k - kept)))
				continue;
			if (kept == (int64_t)cap) {
				size_t nc = cap ? 2 * cap : 1024;
				if (nc > (size_t)k)
					nc = (size_t)k;
				void *p = row_bytes && nc > SIZE_MAX / row_bytes ? NULL
					: realloc(out->data, nc * row_bytes + 1);
				if (p)
					out->data = p;
				int64_t *q = p ? realloc(pick, nc * sizeof *pick) : NULL;
				if (!q) {
					li_err_set(err, LI_ENOMEM, "out of memory for a sample of %lld rows",
						   (long long)k);
					goto fail;
				}
				pick = q;
				cap = nc;
			}
			memcpy((char *)out->data + (size_t)kept * row_bytes,
			       (const char *)batch.data + (size_t)i * row_bytes, row_bytes);
			pick[kept++] = at;
		}
	}
	if (kept < k) {
		if (!err->code)
			li_err_set(err, LI_EDATA, "truncated data: the stream ended before row %lld of "
				   "an array that claims %lld rows", (long long)at, (long long)n);
		goto fail;
	}
	if ((!out->data && !(out->data = malloc(1))) || (!pick && !(pick = malloc(sizeof *pick)))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	out->dtype = want;
	out->rank = info->rank;
	memcpy(out->shape, info->shape, (size_t)info->rank * sizeof *info->shape);
	out->shape[0] = k;
	li_array_release(&batch);
	if (idx)
		*idx = pick;
	else
		free(pick);
	return k;
fail:
	li_array_release(&batch);
	li_array_release(out);
	free(pick);
	return err->code;
}
