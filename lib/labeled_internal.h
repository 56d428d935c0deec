/*
 * Inside lib/ only: the labeled data set handle shared by labeled.c (reading),
 * labeled_export.c and the writers, and what the writers share: labeled_append.c and
 * labeled_edit.c each make one new generation through labeled_writer.c (the lock and
 * the swap of `current`), labeled_classes.c (labels to classes), labeled_meta.c
 * (meta.json) and labeled_files.c (the generation's files).
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

/* ----- writing a new generation ----- */

/* A class list being built: n names in v (room for m). Freed with li_labeled_free_names. */
typedef struct li_class_list {
	char **v;
	int n, m;
} li_class_list;

/* Merges the data set's classes with the request's list and resolves every label: the
 * rows new labels and probabilities (NaN: none) into the caller's buffers; c starts
 * empty. 0 or negative. */
int li_labeled_resolve_append(const li_labeled *d, const li_labeled_append_req *q, int64_t rows,
			      li_class_list *c, int64_t *labels, double *prob, li_err *err);

/*
 * The labels and probabilities the edit e leaves of d's n samples: keep[i] cleared for a
 * removed sample, labels and prob (n entries, caller's buffers) compacted to the kept
 * ones, relabeled samples with their new class (a new name added to c, which starts
 * empty and gets d's class list first) and no probability. The kept count, or negative.
 */
int64_t li_labeled_resolve_edit(const li_labeled *d, const li_labeled_edit_req *e,
				li_class_list *c, char *keep, int64_t *labels, double *prob,
				li_err *err);

/* meta.json of the new generation: the old one's history plus this append. */
json_t *li_labeled_append_meta(const li_labeled *d, const li_labeled_append_req *q, long long gen,
			       int64_t total, int64_t rows, const int64_t *labels_all,
			       const li_class_list *c, const double *prob, int rank,
			       const int64_t *shape, li_dtype dtype, int64_t kdim);
/* meta.json after an edit: d's with the new counts, probabilities and an entry in the
 * history of edits. */
json_t *li_labeled_edit_meta(const li_labeled *d, const li_labeled_edit_req *e,
			     const li_class_list *c, const int64_t *labels, const double *prob,
			     int64_t kept);

/* Writes a to name in gfd as .npy, synced. 0 or negative. */
int li_labeled_save_at(int gfd, const char *name, const li_array *a, li_err *err);
/* classes.txt: one name a line, synced. 0 or negative. */
int li_labeled_write_classes(int gfd, const li_class_list *c, li_err *err);
/* meta.json, synced. 0 or negative. */
int li_labeled_write_meta(int gfd, const json_t *meta, li_err *err);
/* Writes an append's generation's files into gfd. The old rows come from d, the new
 * from q. 0 or negative. */
int li_labeled_write_gen(int gfd, li_labeled *d, const li_labeled_append_req *q, int rank,
			 const int64_t *shape, int64_t rows, const int64_t *labels_all,
			 const li_class_list *c, int64_t kdim, int64_t ldim, json_t *meta,
			 li_err *err);

/* A writer's hold on a data set folder: the folder (opened by the caller), its lock, the
 * generation read under the lock, and the next one while it is built (removed again
 * unless it became current). */
typedef struct li_labeled_writer {
	int dirfd, lockfd, gfd, made;
	li_labeled *d;
	char gname[64], prevname[64];
} li_labeled_writer;

#define LI_LABELED_WRITER_INIT {.dirfd = -1, .lockfd = -1, .gfd = -1}

/* Locks the folder (open as w->dirfd) and reads its current generation; allow_empty: a
 * folder without one gives an empty handle. 0 or negative. */
int li_labeled_writer_lock(li_labeled_writer *w, const char *dir, int allow_empty, li_err *err);
/*
 * Clears what a crashed writer left, then makes the next generation's folder, open as
 * w->gfd. The generation before the current one stays until the new one is swapped in: a
 * reader that resolved `current` a moment ago still finds every file of the generation
 * it read. 0 or negative.
 */
int li_labeled_writer_begin(li_labeled_writer *w, li_err *err);
/* Makes the built generation current; *generation, when not NULL, gets its number. 0 or
 * negative. */
int li_labeled_writer_commit(li_labeled_writer *w, long long *generation, li_err *err);
/*
 * Lets go: removes a generation that did not become current and closes the handle; with
 * remove_dir (a failed first append) removes the lock file and that folder, which this
 * writer made, while still holding the lock; then releases the lock.
 */
void li_labeled_writer_end(li_labeled_writer *w, const char *remove_dir);

/* Under the lock: removes every generation but keep and keep2 (NULL: none), and a stray
 * link. With check, refuses a folder that holds anything else (it is not ours). */
int li_labeled_sweep(int dirfd, const char *keep, const char *keep2, int check, li_err *err);

#endif
