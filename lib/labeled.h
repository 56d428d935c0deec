/*
 * Labeled data set folders (li-dataset(5)): samples with class
 * labels, class names and the map/latent coordinates each sample came from, kept as
 * generations that are swapped in atomically:
 *
 *   DATASET/current -> gen-NNNNNN/   samples.npy (float32, N x row shape)
 *                                    labels.npy  (int64, N)
 *                                    classes.txt (one name per line; index = line number)
 *                                    origin.npy  (float32, N x k; NaN rows where none)
 *                                    latent.npy  (float32, N x d: the latent row at the cut
 *                                                 each sample came from; NaN rows where
 *                                                 none; absent until one is given)
 *                                    meta.json   (counts, time, what made each append)
 *   DATASET/.lock                    flock()ed by writers
 *
 * An append builds the next generation beside the current one, fsyncs it, points a new
 * link at it and renames that over `current`, then prunes the older generations; a crash
 * at any moment leaves `current` naming a complete generation, and the next append
 * removes what a crashed writer left. Readers need no lock: an open handle is a snapshot.
 */
#ifndef LI_LABELED_H
#define LI_LABELED_H

#include <stdio.h>

#include "npy.h"

/* ----- reading ----- */

typedef struct li_labeled li_labeled;

typedef struct li_labeled_info {
	long long generation;        /* NNNNNN of the generation read */
	int64_t count;               /* samples */
	int rank;                    /* of samples.npy (>= 1) */
	int64_t shape[LI_MAX_RANK];  /* of samples.npy; shape[0] = count */
	int64_t origin_dim;          /* k, columns of origin.npy (0 when none was ever given) */
	int64_t latent_dim;          /* d, columns of latent.npy (0 when none was ever given) */
	int n_classes;
	char **classes;              /* n_classes names */
	li_dtype source_dtype;       /* dtype of the samples first appended; -1 when unknown */
} li_labeled_info;

/*
 * Opens the current generation of the data set folder dir for reading. The handle is a
 * consistent snapshot even while writers append (and prune) beside it. NULL with err set
 * (LI_EDATA: not a data set or a damaged generation; LI_EIO). Close with li_labeled_close().
 */
li_labeled *li_labeled_open(const char *dir, li_err *err);
void li_labeled_close(li_labeled *d);

/* Sizes, shapes and class names. Borrowed: valid until the handle is closed. */
const li_labeled_info *li_labeled_info_of(const li_labeled *d);
/* The labels (count entries, each in [0, n_classes)). Borrowed, as above. */
const int64_t *li_labeled_labels(const li_labeled *d);
/* meta.json's per-sample probabilities (NaN where the label did not come from a probe)
 * into out (count entries, caller's buffer). */
void li_labeled_probabilities(const li_labeled *d, double *out);

/*
 * Reads up to max_rows further samples (float32) into batch, which the call (re)allocates
 * and the caller frees with li_array_release(). Returns rows read, 0 at the end, negative
 * on error.
 */
int64_t li_labeled_read_samples(li_labeled *d, li_array *batch, int64_t max_rows, li_err *err)
	LI_RESULT_USED;
/* All samples (float32, count x row shape) into out, e.g. for training a probe on the
 * folder; call on a fresh handle (before li_labeled_read_samples). Caller releases out.
 * 0 or negative. */
int li_labeled_load_samples(li_labeled *d, li_array *out, li_err *err) LI_RESULT_USED;
/* The whole origin array (float32, count x origin_dim) into out; caller releases it. */
int li_labeled_load_origin(li_labeled *d, li_array *out, li_err *err) LI_RESULT_USED;
/* The whole latent array (float32, count x latent_dim; 0 x 0 when the data set has none)
 * into out; caller releases it. */
int li_labeled_load_latent(li_labeled *d, li_array *out, li_err *err) LI_RESULT_USED;

/* ----- exporting (each reads the samples from the start; call on a fresh handle) ----- */

/* .npy of the samples (float32, N x row shape). */
int li_labeled_export_npy(li_labeled *d, FILE *f, li_err *err) LI_RESULT_USED;
/* CSV: header "label,class,x0,x1,..." then one line per sample, samples flattened. */
int li_labeled_export_csv(li_labeled *d, FILE *f, li_err *err) LI_RESULT_USED;
/* JSON: {"classes": [...], "labels": [...], "samples": nested rows, "origin": rows or
 * absent}. */
int li_labeled_export_json(li_labeled *d, FILE *f, li_err *err) LI_RESULT_USED;
/* MAT v5 file at path (written in place: the caller renames): variables "samples"
 * (single, N x row shape), "labels" (int64, N x 1), "classes" (cell of char rows) and
 * "origin" (single, N x k) when k > 0. */
int li_labeled_export_mat(li_labeled *d, const char *path, li_err *err) LI_RESULT_USED;

/* The export formats (STATS: li_labeled_write_stats' text), and the one a path's
 * extension names ("-": .npy), or -1. */
enum { LI_LABELED_NPY, LI_LABELED_CSV, LI_LABELED_JSON, LI_LABELED_MAT, LI_LABELED_STATS };
int li_labeled_export_format(const char *path);
/* Exports d in format: to f, or for LI_LABELED_MAT to the file named path. 0 or negative. */
int li_labeled_export(li_labeled *d, int format, FILE *f, const char *path, li_err *err)
	LI_RESULT_USED;

/* ----- appending ----- */

/*
 * What to append. Labels come from exactly one of index (class indices), names (one name
 * per sample) or name (one name for all); set_index/set_name then override single labels.
 * A name not yet in the class list becomes a new class at its end. classes, when given,
 * names the first n_classes classes: it must agree with the data set's list where both
 * have names and extends it where it is longer.
 */
typedef struct li_labeled_append_req {
	li_npy_reader *samples;      /* the rows to add, streamed (any numeric dtype) */
	const li_array *origin;      /* float32 rows x k, or NULL */
	const li_array *latent;      /* float32 rows x d (latent rows at one cut), or NULL */
	int64_t n_labels;            /* entries in index or names (must equal the rows) */
	const int64_t *index;        /* n_labels class indices, or NULL */
	int64_t index_bound;         /* classes that index implies (probe width, max + 1) */
	char *const *names;          /* n_labels names, or NULL */
	const char *name;            /* or NULL */
	const double *prob;          /* rows probabilities kept in meta (NaN: none), or NULL */
	int n_set;
	const int64_t *set_index;    /* n_set sample indices (0-based, into these rows) */
	char *const *set_name;       /* n_set names */
	int n_classes;
	char *const *classes;        /* names of the first classes, or NULL */
	const char *made_by;         /* e.g. "li-label 0.1.0" */
	const char *source;          /* how the labels were given, for meta.json */
} li_labeled_append_req;

/*
 * Appends to the data set folder dir (created when absent), holding DATASET/.lock for the
 * whole call. Everything that can be checked before writing is checked first (row shape
 * and dtype against the data set's, counts, indices, class names); a failure then or
 * later leaves the data set as it was. On success *generation (when not NULL) is the new
 * generation number. 0 or negative with err set.
 */
int li_labeled_append(const char *dir, const li_labeled_append_req *req, long long *generation,
		      li_err *err) LI_RESULT_USED;

/* ----- removing and relabeling ----- */

typedef struct li_labeled_edit_req {
	int64_t n_remove;
	const int64_t *remove;        /* sample indices to leave out (0-based, current) */
	int64_t n_relabel;
	const int64_t *relabel_index; /* samples to relabel (not among the removed) */
	char *const *relabel_name;    /* their new class names (a new name adds a class) */
	const char *made_by;
} li_labeled_edit_req;

/*
 * Writes the next generation of the data set folder dir without the removed samples
 * and with the relabeled ones, under DATASET/.lock like an append (all or nothing). The
 * classes keep their indices. *generation (when not NULL) gets the new generation.
 * 0 or negative with err set (LI_EDATA: an index that is not a sample).
 */
int li_labeled_edit(const char *dir, const li_labeled_edit_req *e, long long *generation,
		    li_err *err) LI_RESULT_USED;

/* ----- helpers ----- */

/*
 * Reads a class-name file (one name per line; blank lines, control characters and
 * duplicates refused) into *names (caller frees each and the array). 0 or negative.
 */
int li_labeled_read_classes(FILE *f, char ***names, int *n, li_err *err) LI_RESULT_USED;

/*
 * Reads labels from f: a .npy of integers (shape N or N x 1), or text with one label per
 * line. When every text line is an integer, *index gets them; otherwise *names gets one
 * name per line. Exactly one of *index / *names is set on success (caller frees; names
 * element-wise too); *n the count. 0 or negative.
 */
int li_labeled_read_labels(FILE *f, int64_t **index, char ***names, int64_t *n, li_err *err)
	LI_RESULT_USED;

/* Frees n strings and the array (NULL allowed). */
void li_labeled_free_names(char **names, int64_t n);

/*
 * Labels from a probe's probabilities p (float64, N x classes; N x 1 is a sigmoid's
 * P(class 1)): *index gets each row's most probable class, *prob its probability, both N
 * entries (caller frees); *n_classes the classes the columns imply. 0 or negative
 * (LI_EDATA: not N x classes, no columns, a value outside [0, 1]).
 */
int li_labeled_labels_from_prob(const li_array *p, int64_t **index, double **prob,
				int64_t *n_classes, li_err *err) LI_RESULT_USED;

/*
 * The rows of the data set at path (any format lib/data.h reads, with its default
 * options; "-" standard input) as the .npy stream li_labeled_append takes: written in
 * their own dtype to an anonymous temporary file, so that memory stays flat. *spool gets
 * that file (close it after the reader); NULL with err set on failure.
 */
li_npy_reader *li_labeled_spool_samples(const char *path, FILE **spool, li_err *err);

/*
 * An append request's inputs read from open files (f stays open), as li-label gives
 * them: each call reads one, keeps it in `in` and points q at it (classes and n_classes;
 * index, names or prob with n_labels, index_bound and source; origin with its rows
 * flattened to N x k). Release with li_labeled_inputs_release once q is used. 0 or
 * negative with err set (the message names no file: the caller knows which it gave).
 */
typedef struct li_labeled_inputs {
	int64_t *index;
	double *prob;
	char **names;                /* n_names, one per sample */
	int64_t n_names;
	char **classes;              /* n_classes */
	int n_classes;
	li_array origin;
} li_labeled_inputs;

/* a class-name file (li_labeled_read_classes) */
int li_labeled_inputs_classes(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			      li_err *err) LI_RESULT_USED;
/* a labels file (li_labeled_read_labels): index or names; index_bound max + 1 */
int li_labeled_inputs_labels(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			     li_err *err) LI_RESULT_USED;
/* a .npy of a probe's probabilities (li_labeled_labels_from_prob) */
int li_labeled_inputs_prob(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			   li_err *err) LI_RESULT_USED;
/* a .npy of origin rows (any row shape, flattened) */
int li_labeled_inputs_origin(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			     li_err *err) LI_RESULT_USED;
void li_labeled_inputs_release(li_labeled_inputs *in);

/* Writes the generation, sample count, row shape, source dtype, origin width and the
 * count of each class as text to f. 0 or negative. */
int li_labeled_write_stats(const li_labeled *d, FILE *f, li_err *err) LI_RESULT_USED;

#endif
