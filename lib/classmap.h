/*
 * Inside lib/ only: the class-name map and the number parsing that the text readers
 * (data_csv.c, data_folder.c), data.c and the LABELS reader (labels.c) share.
 */
#ifndef LI_CLASSMAP_H
#define LI_CLASSMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

typedef struct li_classmap {
	char **names;
	int64_t n, m;
	int64_t *slots;               /* open addressing: index + 1, 0 = empty */
	size_t n_slots;
	int fixed;                    /* loaded from a file: unknown names are errors */
} li_classmap;

/* Index of name, or -1. */
int64_t li_classmap_find(const li_classmap *c, const char *name);
/* Index of name, added when new (unless fixed: then LI_EDATA). Negative on error. */
int64_t li_classmap_get(li_classmap *c, const char *name, li_err *err);
/* Loads one name per line (CR stripped, empty last line ignored); sets fixed. */
int li_classmap_load(li_classmap *c, const char *path, li_err *err);
/* The same from an open stream (path names it in messages; f stays open). */
int li_classmap_read(li_classmap *c, FILE *f, const char *path, li_err *err);
void li_classmap_release(li_classmap *c);
/* Moves the names out (the map keeps none). */
char **li_classmap_take(li_classmap *c, int64_t *n);

/* Parses an integer label ("7", "-1", "+3", surrounding blanks allowed). 0 or -1. */
int li_parse_label_int(const char *s, int64_t *out);
/* Parses a number as strtod does, the whole field (blanks allowed around). 0, -1 when it
 * is not a number, -2 when it overflows float64 ("1e400"; a written "inf" is taken). */
int li_parse_number(const char *s, size_t n, double *out);

#endif
