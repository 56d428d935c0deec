/*
 * The points a user probes in li-inspect's window or terminal, kept as marks on the map:
 * each probed point (inspect.h li_inspect_eval) numbered in order, with the label typed
 * for it, saved to the project's labeled data set or taken back. And their text: the
 * lines li-inspect prints for a point.
 *
 * Ownership: li_inspect_marks_init borrows the inspector for the marks' life;
 * li_inspect_marks_release frees the points and labels.
 */
#ifndef LI_INSPECT_MARKS_H
#define LI_INSPECT_MARKS_H

#include <stdio.h>

#include "inspect.h"

typedef struct li_inspect_marks {
	li_inspect *ins;
	li_inspect_point *pt;   /* the marks, in the order they were probed */
	char **typed;           /* the label typed for each, or NULL */
	int *num;               /* each one's number: 1, 2, ... as probed (undo leaves a gap) */
	int n, m, made;
	/* Lines worth showing ("point 2 labeled 'seven'", "saved point 2 as ..."); may be
	 * NULL. */
	void (*note)(void *ctx, const char *line);
	void *ctx;
} li_inspect_marks;

void li_inspect_marks_init(li_inspect_marks *mk, li_inspect *ins,
			   void (*note)(void *ctx, const char *line), void *ctx);
void li_inspect_marks_release(li_inspect_marks *mk);

/* Probes map point (x, y) and adds it as the last mark. Its index, or negative with err
 * set ("point X Y: why"); the marks stay as they were. */
int li_inspect_marks_probe(li_inspect_marks *mk, double x, double y, li_err *err)
	LI_RESULT_USED;
/* Labels the last mark with name (surrounding blanks dropped). 0 or negative with err
 * set (no mark, an empty name). */
int li_inspect_marks_label(li_inspect_marks *mk, const char *name, li_err *err)
	LI_RESULT_USED;
/* Saves the last mark to the labeled data set under its label (li_inspect_marks_name).
 * 0 or negative with err set (no mark, no label, the data set refused it). */
int li_inspect_marks_save(li_inspect_marks *mk, li_err *err) LI_RESULT_USED;
/* Takes the last mark off the map. 0 or negative with err set (no mark). */
int li_inspect_marks_undo(li_inspect_marks *mk, li_err *err) LI_RESULT_USED;

/* The label mark i would be saved with: typed, else the probe's; NULL when neither.
 * Borrowed. */
const char *li_inspect_marks_name(const li_inspect_marks *mk, int i);

/* Writes mark i as text: "point N: X Y [(outside the data)]", then (when output is set)
 * its output (an image as characters, else the numbers, "output: " and one line per row
 * of the last axis), then "label: NAME (probe: p = P)". */
void li_inspect_marks_print(const li_inspect_marks *mk, int i, int output, FILE *f);

/* The image shape (h, w, c) of a point's output for render kind image: the project's
 * render.shape, else the output's own shape when it looks like an image. 1, or 0 when
 * the output is no image of that shape. */
int li_inspect_output_image(const li_project *p, const li_inspect_point *pt, int64_t *h,
			    int64_t *w, int64_t *c);

#endif
