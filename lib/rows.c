/*
 * --rows and --shard selections (see rows.h).
 */
#include "rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
