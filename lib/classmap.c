/*
 * The class-name map (names to indices, in order of first appearance or as a class-name
 * file gives them) and the number parsing shared by the text readers: the layer under
 * the data readers (data_csv.c, data_folder.c, data.c) and the LABELS reader (labels.c).
 */
#include "classmap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -- the class map ---------------------------------------------------------- */

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;       /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

int64_t li_classmap_find(const li_classmap *c, const char *name)
{
	if (!c->n_slots)
		return -1;
	for (size_t i = hash(name) & (c->n_slots - 1);; i = (i + 1) & (c->n_slots - 1)) {
		int64_t v = c->slots[i];
		if (!v)
			return -1;
		if (!strcmp(c->names[v - 1], name))
			return v - 1;
	}
}

static int rehash(li_classmap *c, li_err *err)
{
	size_t n = c->n_slots ? c->n_slots * 2 : 64;
	int64_t *s = calloc(n, sizeof *s);
	if (!s)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t k = 0; k < c->n; k++) {
		size_t i = hash(c->names[k]) & (n - 1);
		while (s[i])
			i = (i + 1) & (n - 1);
		s[i] = k + 1;
	}
	free(c->slots);
	c->slots = s;
	c->n_slots = n;
	return 0;
}

static int64_t add(li_classmap *c, const char *name, li_err *err)
{
	if (c->n == c->m) {
		int64_t m = c->m ? c->m * 2 : 16;
		char **p = realloc(c->names, (size_t)m * sizeof *p);
		if (!p)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		c->names = p;
		c->m = m;
	}
	if ((size_t)(c->n + 1) * 2 > c->n_slots && rehash(c, err))
		return err->code;
	char *copy = strdup(name);
	if (!copy)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	c->names[c->n] = copy;
	size_t i = hash(name) & (c->n_slots - 1);
	while (c->slots[i])
		i = (i + 1) & (c->n_slots - 1);
	c->slots[i] = ++c->n;
	return c->n - 1;
}

int64_t li_classmap_get(li_classmap *c, const char *name, li_err *err)
{
	int64_t k = li_classmap_find(c, name);
	if (k >= 0)
		return k;
	if (c->fixed)
		return li_err_set(err, LI_EDATA, "label '%.100s' is not in the class-name file", name);
	return add(c, name, err);
}

int li_classmap_load(li_classmap *c, const char *path, li_err *err)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return li_err_set(err, LI_EIO, "%s: %s", path, strerror(errno));
	int rc = li_classmap_read(c, f, path, err);
	fclose(f);
	return rc;
}

int li_classmap_read(li_classmap *c, FILE *f, const char *path, li_err *err)
{
	char *line = NULL;
	size_t m = 0;
	ssize_t n;
	int64_t lineno = 0;
	int rc = 0;
	while ((n = getline(&line, &m, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if ((size_t)n != strlen(line)) {
			rc = li_err_set(err, LI_EDATA, "%s: line %lld holds a NUL byte", path,
					(long long)lineno);
			break;
		}
		if (li_classmap_find(c, line) >= 0) {
			rc = li_err_set(err, LI_EDATA, "%s: class '%.100s' named twice", path, line);
			break;
		}
		if (add(c, line, err) < 0) {
			rc = err->code;
			break;
		}
	}
	if (!rc && ferror(f))
		rc = li_err_set(err, LI_EIO, "%s: read error", path);
	free(line);
	c->fixed = 1;
	return rc;
}

void li_classmap_release(li_classmap *c)
{
	for (int64_t i = 0; i < c->n; i++)
		free(c->names[i]);
	free(c->names);
	free(c->slots);
	memset(c, 0, sizeof *c);
}

char **li_classmap_take(li_classmap *c, int64_t *n)
{
	char **names = c->names;
	*n = c->n;
	free(c->slots);
	memset(c, 0, sizeof *c);
	return names;
}

/* -- number parsing ------------------------------------------------------------ */

static int blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

int li_parse_number(const char *s, size_t n, double *out)
{
	while (n > 0 && blank(*s))
		s++, n--;
	while (n > 0 && blank(s[n - 1]))
		n--;
	char buf[128];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* strtod also takes hex and "infinity"; numbers in text files are decimal, nan, inf */
	if (strchr(buf, 'x') || strchr(buf, 'X'))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (end != buf + n)
		return -1;
	/* "1e400" overflows to infinity: refused, as the JSON and text readers refuse it
	 * (a written "inf" stays infinity; an underflow to 0 or a subnormal is kept) */
	if (errno == ERANGE && isinf(v))
		return -2;
	*out = v;
	return 0;
}

int li_parse_label_int(const char *s, int64_t *out)
{
	while (blank(*s))
		s++;
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	while (blank(*end))
		end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}
