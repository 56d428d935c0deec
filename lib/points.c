/*
 * Points as text, one a line (see points.h): a line is parsed with strtod, each number
 * followed by spaces, a comma or the end; the line count goes into every message so that
 * a bad point can be found in the file.
 */
#include "points.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct li_points {
	FILE *f;
	int dims;
	int64_t max_batch, lineno;
	char *line;
	size_t cap;
	double rows[];      /* max_batch x dims, allocated with the reader */
};

li_points *li_points_new(FILE *f, int dims, int64_t max_batch)
{
	size_t n;
	if (max_batch < 1)
		max_batch = 1;
	if (li_mul_size((size_t)max_batch, (size_t)(dims > 0 ? dims : 1) * sizeof(double), &n))
		return NULL;
	li_points *p = calloc(1, sizeof *p + n);
	if (p)
		*p = (li_points){.f = f, .dims = dims, .max_batch = max_batch};
	return p;
}

void li_points_free(li_points *p)
{
	if (p)
		free(p->line);
	free(p);
}

double *li_points_rows(li_points *p)
{
	return p->rows;
}

/* Parses one line into y[0..dims): 1 for a point, 0 for a skipped line, negative bad. */
static int parse_line(li_points *p, char *line, double *y, li_err *err)
{
	int n = 0;
	char *s = line;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		char *end;
		errno = 0;
		double v = strtod(s, &end);
		if (end == s || !isfinite(v) || (*end && !isspace((unsigned char)*end) && *end != ',')) {
			size_t len = strcspn(s, " \t\r\n,");
			return li_err_set(err, LI_EDATA, "line %lld: '%.*s' is not a finite number",
					  (long long)p->lineno, (int)(len < 40 ? len : 40), s);
		}
		if (n < p->dims)
			y[n] = v;
		n++;
		s = end;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == ',')
			s++;
	}
	if (n != p->dims)
		return li_err_set(err, LI_EDATA, "line %lld: %d number%s; the map needs %d per point",
				  (long long)p->lineno, n, n == 1 ? "" : "s", p->dims);
	return 1;
}

/* Reads up to max points into p->rows + at most max_batch: the count, negative on error. */
static int64_t read_points(li_points *p, int64_t max, li_err *err)
{
	int64_t have = 0;
	ssize_t len;
	if (max > p->max_batch)
		max = p->max_batch;
	errno = 0;
	while (have < max && (len = getline(&p->line, &p->cap, p->f)) >= 0) {
		p->lineno++;
		if ((size_t)len != strlen(p->line)) /* a NUL would end the line's text early */
			return li_err_set(err, LI_EDATA, "line %lld holds a NUL byte; not a text file",
					  (long long)p->lineno);
		int got = parse_line(p, p->line, p->rows + have * p->dims, err);
		if (got < 0)
			return got;
		have += got;
	}
	if (have < max && ferror(p->f))
		return li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
	return have;
}

int64_t li_points_read(void *p, int64_t max, li_err *err)
{
	return read_points(p, max, err);
}

int64_t li_points_skip(void *src, int64_t n, li_err *err)
{
	li_points *p = src;
	int64_t passed = 0, got = 1;
	while (passed < n && (got = read_points(p, n - passed, err)) > 0)
		passed += got;
	return got < 0 ? got : passed;
}
