/*
 * Notes through a caller's callback (see progress.h).
 */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>

void li_note(li_note_fn fn, void *ctx, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	fn(ctx, line);
}
