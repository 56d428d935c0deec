/*
 * The li_err record (first error wins) and overflow-checked size arithmetic, used
 * wherever a size comes from a file.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

/*
 * The reason is the part that must survive: when head and message together do not fit,
 * the head is shortened from its front ("...the end of a long path: reason").
 */
int li_err_empty_file(li_err *e)
{
	if (e && e->code == LI_EEND) {
		e->code = LI_OK;
		e->msg[0] = '\0';
		li_err_set(e, LI_EDATA, "empty file");
	}
	return e ? e->code : LI_OK;
}

void li_err_prefix(li_err *e, const char *fmt, ...)
{
	if (!e || e->code == LI_OK)
		return;
	char *head = NULL, old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	int len = vasprintf(&head, fmt, ap);
	va_end(ap);
	if (len < 0)
		return; /* out of memory: the reason stays without its context */
	memcpy(old, e->msg, sizeof old);
	size_t h = strlen(head), o = strlen(old), room = sizeof e->msg - 1;
	const char *hp = head;
	if (h + 2 + o > room) {
		size_t keep = room > o + 2 + 3 ? room - o - 2 - 3 : 0;
		if (keep == 0) {
			free(head);
			return; /* the reason alone fills the message */
		}
		hp = head + h - keep;
		h = keep;
	}
	/* assembled by hand: the lengths are checked above */
	char *m = e->msg;
	if (hp != head) {
		memcpy(m, "...", 3);
		m += 3;
	}
	memcpy(m, hp, h);
	memcpy(m + h, ": ", 2);
	memcpy(m + h + 2, old, o + 1);
	free(head);
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
