/*
 * The li_err record (first error wins) and overflow-checked size arithmetic, used
 * wherever a size comes from a file.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void li_err_clear(li_err *e)
{
	if (!e)
		return;
	e->code = LI_OK;
	e->msg[0] = '\0';
}

int li_err_set(li_err *e, int code, const char *fmt, ...)
{
	if (!e || e->code != LI_OK)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	e->code = code;
	return code;
}

void li_err_prefix(li_err *e, const char *fmt, ...)
{
	if (!e || e->code == LI_OK)
		return;
	char head[256], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof head, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head);
	if (h + 2 >= sizeof e->msg)
		return;
	memcpy(e->msg, head, h);
	memcpy(e->msg + h, ": ", 2);
	size_t rest = sizeof e->msg - h - 3, o = strlen(old);
	if (o > rest)
		o = rest;
	memcpy(e->msg + h + 2, old, o);
	e->msg[h + 2 + o] = '\0';
}

int li_mul_size(size_t a, size_t b, size_t *out)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}

int li_mul_i64(int64_t a, int64_t b, int64_t *out)
{
	int64_t r;
	if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r))
		return -1;
	*out = r;
	return 0;
}
