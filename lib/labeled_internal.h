/*
 * Inside lib/ only: the labeled data set handle shared by labeled.c (reading),
 * labeled_append.c and labeled_export.c.
 */
#ifndef LI_LABELED_INTERNAL_H
#define LI_LABELED_INTERNAL_H

#include <jansson.h>

#include "labeled.h"

struct li_labeled {
	li_labeled_info info;
	FILE *samples;               /* samples.npy, and its reader past the header */
	li_npy_reader *rs;
	FILE *originf;               /* origin.npy */
	FILE *latentf;               /* latent.npy, or NULL when the generation has none */
	int64_t *labels;             /* info.count */
	json_t *meta;                /* meta.json, or NULL when absent */
};

/* Opens the current generation; with allow_empty, a folder without `current` (or no
 * folder) gives an empty handle (generation 0, no rows, no samples file). */
li_labeled *li_labeled_open_gen(const char *dir, int allow_empty, li_err *err);

#endif
