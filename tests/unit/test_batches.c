/*
 * lib/batches.c: the batch plan of a part against cases worked out by hand (part edges
 * inside a batch, an empty part, the last short batch, more shards than rows, an open
 * end, unaligned parts), and the loop over a counting source: the rows it passes over,
 * the batches it reads, the rows it keeps, progress, and a source's error passed up.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

/* A source of n rows whose row i is the number i; it logs what is asked of it. */
typedef struct counter {
	int64_t n, at;
	int64_t row[64];            /* the rows of the last read */
	int64_t skipped, reads, fail_at;
} counter;

static int64_t counter_read(void *src, int64_t max, li_err *err)
{
	counter *c = src;
	if (c->fail_at >= 0 && c->at + max > c->fail_at)
		return li_err_set(err, LI_EDATA, "row %lld: bad", (long long)c->fail_at);
	int64_t got = c->n - c->at < max ? c->n - c->at : max;
	for (int64_t i = 0; i < got; i++)
		c->row[i] = c->at + i;
	c->at += got;
	c->reads++;
	return got;
}

static int64_t counter_skip(void *src, int64_t n, li_err *err)
{
	(void)err;
	counter *c = src;
	int64_t got = c->n - c->at < n ? c->n - c->at : n;
	c->at += got;
	c->skipped += got;
	return got;
}

/* The plan's first and end rows. */
static void check_plan(void)
{
	static const struct {
		int64_t lo, hi, size;
		int aligned;
		int64_t first, end, total;
		const char *what;
	} t[] = {
		{0, 300, 256, 1, 0, 512, 300, "every row of 300 in 256s"},
		{3, 6, 4, 1, 0, 8, 3, "part [3, 6) inside batches [0, 4), [4, 8)"},
		{4, 8, 4, 1, 4, 8, 4, "part [4, 8) on batch edges"},
		{5, 5, 4, 1, 4, 8, 0, "empty part [5, 5): the batch that holds row 5"},
		{0, 0, 4, 1, 0, 0, 0, "empty part [0, 0): nothing"},
		{5, INT64_MAX, 4, 1, 4, INT64_MAX, -1, "open end from row 5"},
		{3, 6, 4, 0, 3, 6, 3, "unaligned [3, 6)"},
		{3, 6, 0, 1, 3, 6, 3, "a size below 1 is 1"},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		li_batches b;
		li_batches_plan(&b, t[i].lo, t[i].hi, t[i].size, t[i].aligned);
		CHECK(b.first == t[i].first && b.end == t[i].end && b.total == t[i].total,
		      "plan %s: first %lld end %lld total %lld, expected %lld %lld %lld", t[i].what,
		      (long long)b.first, (long long)b.end, (long long)b.total,
		      (long long)t[i].first, (long long)t[i].end, (long long)t[i].total);
	}
	li_batches b;
	li_batches_plan(&b, 0, 10, 4, 1); /* 10 rows in 4s: end 12 */
	CHECK_INT(li_batches_want(&b, 0), 4, "want at 0");
	CHECK_INT(li_batches_want(&b, 8), 4, "want at 8 (the last batch asks a whole batch)");
	CHECK_INT(li_batches_want(&b, 12), 0, "want at the end");
	li_batches_plan(&b, 3, 6, 2, 0);
	CHECK_INT(li_batches_want(&b, 5), 1, "unaligned want at 5 of [3, 6)");
	int64_t off, cnt;
	li_batches_plan(&b, 3, 6, 4, 1);
	li_batches_slice(&b, 0, 4, &off, &cnt);
	CHECK(off == 3 && cnt == 1, "slice of batch [0, 4) for [3, 6): %lld+%lld, expected 3+1",
	      (long long)off, (long long)cnt);
	li_batches_slice(&b, 4, 4, &off, &cnt);
	CHECK(off == 0 && cnt == 2, "slice of batch [4, 8) for [3, 6): %lld+%lld, expected 0+2",
	      (long long)off, (long long)cnt);
	li_batches_slice(&b, 8, 4, &off, &cnt);
	CHECK(cnt == 0, "slice of batch [8, 12) for [3, 6): %lld rows, expected 0", (long long)cnt);
}

/* The batches read for a plan over a source of n rows, as "pos+n:off+cnt" joined by
 * spaces, and the rows kept, in order. */
static void run(int64_t n, int64_t lo, int64_t hi, int64_t size, int aligned, int can_skip,
		char *log, size_t m, int64_t *kept, int64_t *n_kept, counter *c)
{
	li_err err = {0};
	li_batches b;
	memset(c, 0, sizeof *c);
	c->n = n;
	c->fail_at = -1;
	li_batches_plan(&b, lo, hi, size, aligned);
	int64_t got;
	size_t len = 0;
	log[0] = 0;
	*n_kept = 0;
	while ((got = li_batches_next(&b, counter_read, can_skip ? counter_skip : NULL, c,
				      &err)) > 0) {
		len += (size_t)snprintf(log + len, m - len, "%s%lld+%lld:%lld+%lld", len ? " " : "",
					(long long)b.pos, (long long)got, (long long)b.off,
					(long long)b.cnt);
		for (int64_t i = b.off; i < b.off + b.cnt; i++)
			kept[(*n_kept)++] = c->row[i];
	}
	CHECK(got == 0, "run of [%lld, %lld) ends with 0: %lld", (long long)lo, (long long)hi,
	      (long long)got);
}

static void check_loop(void)
{
	static const struct {
		int64_t n, lo, hi, size;
		int aligned, can_skip;
		const char *log;
		int64_t skipped;
	} t[] = {
		/* 10 rows in 4s: the last batch short */
		{10, 0, 10, 4, 1, 1, "0+4:0+4 4+4:0+4 8+2:0+2", 0},
		/* shard 1/3 of 10: [3, 6), edges inside batches */
		{10, 3, 6, 4, 1, 1, "0+4:3+1 4+4:0+2", 0},
		/* shard 2/3 of 10: [6, 10), from the batch at 4; row 4 on skipped */
		{10, 6, 10, 4, 1, 1, "4+4:2+2 8+2:0+2", 4},
		/* the same without a skip: the rows before are read and dropped */
		{10, 6, 10, 4, 1, 0, "4+4:2+2 8+2:0+2", 0},
		/* shard 6/12 of 10 is [5, 5): the batch that holds row 5, nothing kept */
		{10, 5, 5, 4, 1, 1, "4+4:1+0", 4},
		/* shard 0/12 of 10 is [0, 0): no batch */
		{10, 0, 0, 4, 1, 1, "", 0},
		/* unaligned [3, 9) in 4s: batches from row 3 */
		{10, 3, 9, 4, 0, 1, "3+4:0+4 7+2:0+2", 3},
		/* an open end on data of 7 rows, from row 5 */
		{7, 5, INT64_MAX, 4, 1, 1, "4+3:1+2", 4},
		/* a part past the data's end */
		{3, 5, 8, 4, 1, 1, "", 3},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char log[256];
		int64_t kept[64], n_kept;
		counter c;
		run(t[i].n, t[i].lo, t[i].hi, t[i].size, t[i].aligned, t[i].can_skip, log,
		    sizeof log, kept, &n_kept, &c);
		CHECK(!strcmp(log, t[i].log) && c.skipped == t[i].skipped,
		      "[%lld, %lld) of %lld in %lld%s: '%s' skipped %lld, expected '%s' skipped %lld",
		      (long long)t[i].lo, (long long)t[i].hi, (long long)t[i].n, (long long)t[i].size,
		      t[i].aligned ? "" : " unaligned", log, (long long)c.skipped, t[i].log,
		      (long long)t[i].skipped);
		int64_t want_lo = t[i].lo < t[i].n ? t[i].lo : t[i].n;
		int64_t want_hi = t[i].hi < t[i].n ? t[i].hi : t[i].n;
		int ok = n_kept == (want_hi > want_lo ? want_hi - want_lo : 0);
		for (int64_t k = 0; ok && k < n_kept; k++)
			ok = kept[k] == want_lo + k;
		CHECK(ok, "[%lld, %lld) of %lld: the rows kept are rows %lld.. (%lld of them)",
		      (long long)t[i].lo, (long long)t[i].hi, (long long)t[i].n, (long long)want_lo,
		      (long long)n_kept);
	}
}

/* 3 rows in 5 shards (floor(3i/5): 0 0 1 1 2 3): two parts empty, and joined they are
 * rows 0, 1, 2, once each, at batch sizes 1, 2 and 4. */
static void check_more_shards_than_rows(void)
{
	static const int64_t edge[] = {0, 0, 1, 1, 2, 3};
	for (int64_t size = 1; size <= 4; size *= 2) {
		int64_t all[16], n_all = 0;
		for (int s = 0; s < 5; s++) {
			li_rowsel sel = {0};
			li_err err = {0};
			char spec[16], log[256];
			int64_t lo, hi, kept[64], n_kept;
			counter c;
			snprintf(spec, sizeof spec, "%d/5", s);
			CHECK(li_rowsel_parse_shard(&sel, spec, &err) == 0, "--shard %s parses", spec);
			li_rowsel_resolve(&sel, 3, &lo, &hi);
			CHECK(lo == edge[s] && hi == edge[s + 1], "shard %s of 3: [%lld, %lld)", spec,
			      (long long)lo, (long long)hi);
			run(3, lo, hi, size, 1, 1, log, sizeof log, kept, &n_kept, &c);
			for (int64_t k = 0; k < n_kept && n_all < 16; k++)
				all[n_all++] = kept[k];
		}
		CHECK(n_all == 3 && all[0] == 0 && all[1] == 1 && all[2] == 2,
		      "5 shards of 3 rows in batches of %lld join to rows 0 1 2 (%lld rows)",
		      (long long)size, (long long)n_all);
	}
}

typedef struct said {
	int64_t done[8], total[8];
	int n;
} said;

static void note(void *ctx, const char *stage, int64_t done, int64_t total)
{
	said *s = ctx;
	if (s->n < 8 && !strcmp(stage, "rows")) {
		s->done[s->n] = done;
		s->total[s->n++] = total;
	}
}

static void check_progress_and_errors(void)
{
	li_err err = {0};
	li_batches b;
	said s = {0};
	counter c = {.n = 10, .fail_at = -1};
	int64_t got;
	/* part [3, 10) in 4s: batches [0, 4) keep 1, [4, 8) keep 4, [8, 10) keep 2 */
	li_batches_plan(&b, 3, 10, 4, 1);
	b.progress = (li_progress){note, &s};
	while ((got = li_batches_next(&b, counter_read, counter_skip, &c, &err)) > 0)
		;
	CHECK(got == 0 && s.n == 3 && s.done[0] == 1 && s.done[1] == 5 && s.done[2] == 7 &&
	      s.total[2] == 7, "progress after each batch: %d reports, %lld %lld %lld of %lld",
	      s.n, (long long)s.done[0], (long long)s.done[1], (long long)s.done[2],
	      (long long)s.total[2]);
	/* a source that fails in the second batch: its error comes back */
	c = (counter){.n = 10, .fail_at = 5};
	li_batches_plan(&b, 0, 10, 4, 1);
	int64_t first = li_batches_next(&b, counter_read, counter_skip, &c, &err);
	got = li_batches_next(&b, counter_read, counter_skip, &c, &err);
	CHECK(first == 4 && got == LI_EDATA && !strcmp(err.msg, "row 5: bad"),
	      "a read error is passed up: %lld, %lld '%s'", (long long)first, (long long)got,
	      err.msg);
}

int main(void)
{
	check_plan();
	check_loop();
	check_more_shards_than_rows();
	check_progress_and_errors();
	return check_done();
}
