/*
 * The batches of one part of a row-wise run (see batches.h): the plan (first row read,
 * the end of reading, the part's rows in each batch) and the loop that reads them.
 */
#include "batches.h"

#include <string.h>

void li_batches_plan(li_batches *b, int64_t lo, int64_t hi, int64_t size, int aligned)
{
	memset(b, 0, sizeof *b);
	if (size < 1)
		size = 1;
	if (hi < lo)
		hi = lo;
	b->lo = lo;
	b->hi = hi;
	b->size = size;
	b->first = aligned ? lo / size * size : lo;
	/* the boundary at or after hi; an open end (or one too near the top) stays open */
	b->end = !aligned || hi >= INT64_MAX - size ? hi : (hi + size - 1) / size * size;
	b->total = hi == INT64_MAX ? -1 : hi - lo;
}

int64_t li_batches_want(const li_batches *b, int64_t pos)
{
	if (pos >= b->end)
		return 0;
	return b->end - pos < b->size ? b->end - pos : b->size;
}

void li_batches_slice(const li_batches *b, int64_t pos, int64_t n, int64_t *off, int64_t *cnt)
{
	int64_t last = n > 0 ? pos + n : pos;
	*off = b->lo > pos ? b->lo - pos : 0;
	*cnt = (last < b->hi ? last : b->hi) - pos - *off;
	if (*cnt < 0)
		*cnt = 0;
}

/* Passes over n rows by reading them (a source that cannot seek). */
static int64_t read_past(li_rows_read_fn read, void *src, int64_t n, int64_t size, li_err *err)
{
	int64_t passed = 0, got = 1;
	while (passed < n && (got = read(src, n - passed < size ? n - passed : size, err)) > 0)
		passed += got;
	return got < 0 ? got : passed;
}

int li_batches_start(li_batches *b, li_rows_read_fn read, li_rows_skip_fn skip, void *src,
		     li_err *err)
{
	if (b->started)
		return 0;
	b->started = 1;
	b->pos = b->first;
	if (b->first > 0) {
		int64_t rc = skip ? skip(src, b->first, err) : read_past(read, src, b->first, b->size, err);
		if (rc < 0)
			return (int)rc;
	}
	return 0;
}

int64_t li_batches_next(li_batches *b, li_rows_read_fn read, li_rows_skip_fn skip, void *src,
			li_err *err)
{
	if (!b->started) {
		int rc = li_batches_start(b, read, skip, src, err);
		if (rc < 0)
			return rc;
	} else if (b->n > 0) {
		li_progress_say(&b->progress, "rows", b->done, b->total);
		b->pos += b->n;
	}
	b->off = b->cnt = 0;
	int64_t want = li_batches_want(b, b->pos);
	b->n = want > 0 ? read(src, want, err) : 0;
	if (b->n <= 0) {
		int64_t rc = b->n;
		b->n = 0;
		return rc;
	}
	li_batches_slice(b, b->pos, b->n, &b->off, &b->cnt);
	b->done += b->cnt;
	return b->n;
}

int64_t li_batch_src_read(void *src, int64_t max, li_err *err)
{
	li_batch_src *s = src;
	return s->npy ? li_npy_read_batch(s->npy, &s->batch, s->want, max, err)
		      : li_data_read_batch(s->data, &s->batch, s->want, max, err);
}

int64_t li_batch_src_skip(void *src, int64_t n, li_err *err)
{
	li_batch_src *s = src;
	return s->npy ? li_npy_skip_rows(s->npy, n, err) : li_data_skip_rows(s->data, n, err);
}
