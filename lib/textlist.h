/*
 * Lists of text lines (class names, titles) and label files. A label file is a .npy
 * array of integers or a text/CSV column of integers or names (li-train-lr(1), li-label(1));
 * names become class indices through a class list, which grows with new names.
 * Until the data loaders (lib/data.h) offer labels, li-plot and li-check read them here.
 */
#ifndef LI_TEXTLIST_H
#define LI_TEXTLIST_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct li_textlist {
	char **s;          /* n strings, each malloc'd; owned by the list */
	int64_t n, m;
} li_textlist;

/* Reads one entry per line ("\n" or "\r\n"); a final line without a newline counts, a
 * final empty line does not. Appends to l (zero-initialize it first). 0 or negative. */
int li_textlist_read(FILE *f, li_textlist *l, li_err *err) LI_RESULT_USED;
/* Appends a copy of s. 0 or LI_ENOMEM. */
int li_textlist_add(li_textlist *l, const char *s, li_err *err) LI_RESULT_USED;
/* Appends the strings of a JSON array of strings (such as a model's li_class_names
 * attribute) to l. 0 or negative (LI_EDATA when json is not such an array). */
int li_textlist_from_json(const char *json, li_textlist *l, li_err *err) LI_RESULT_USED;
/* The index of s in l, or -1. */
int64_t li_textlist_find(const li_textlist *l, const char *s);
/* Frees the strings and resets l. */
void li_textlist_release(li_textlist *l);

/*
 * Reads labels from f: a .npy array of integers (any integer dtype, or floats holding
 * whole numbers; rank 1, or N x 1), or text with one label per line. Text labels that
 * are all integers are indices; otherwise each line is a name (surrounding double quotes
 * removed), looked up in classes and appended there when new (classes may be NULL only
 * for integer labels). A first line that is not an integer above integer lines is a
 * header and skipped. On success *labels (caller frees with free()) holds *n indices.
 */
int li_textlist_labels(FILE *f, li_textlist *classes, int64_t **labels, int64_t *n,
		       li_err *err) LI_RESULT_USED;

#endif
