/*
 * Progress of long work (a fit's kNN graph, affinities, spectral start, epochs or
 * iterations), reported through a caller's callback: the library never prints. The
 * callback gets the stage ("kNN graph", "t-SNE iterations, KL 2.314"), the steps done
 * and the steps in all (both -1 when the stage has no count). It is called from the
 * thread that called the library function, never from two threads at once, and often
 * enough to keep a terminal line alive but not so often that it costs time.
 */
#ifndef LI_PROGRESS_H
#define LI_PROGRESS_H

#include <stdint.h>

#include "err.h"

typedef void (*li_progress_fn)(void *ctx, const char *stage, int64_t done, int64_t total);

/* A callback and its context, plain data; fn NULL reports nothing. */
typedef struct li_progress {
	li_progress_fn fn;
	void *ctx;
} li_progress;

/* Reports (stage, done, total) through p; p or p->fn NULL: nothing. */
static inline void li_progress_say(const li_progress *p, const char *stage, int64_t done,
				   int64_t total)
{
	if (p && p->fn)
		p->fn(p->ctx, stage, done, total);
}

/* A line worth showing the user ("point 2 labeled 'seven'", "prepared and cached in
 * DIR"), handed to a caller's callback as progress is: the library never prints. */
typedef void (*li_note_fn)(void *ctx, const char *line);

/* Formats a line (cut at 1,199 bytes) and hands it to fn; fn NULL: nothing. */
void li_note(li_note_fn fn, void *ctx, const char *fmt, ...) LI_PRINTF(3, 4);

#endif
