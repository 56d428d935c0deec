/*
 * The inspector behind li-inspect (the paper's interactive loop), without any user
 * interface: prepare a project once (cut the model, embed the data, fit the 2-D map,
 * train the probe when the project has labels), keep that preparation in the project
 * folder so the next start is instant, then turn any map point into what the model makes
 * of it (invert the point, run the tail, run the probe) and save such points into the
 * project's labeled data set.
 *
 * Cache: PROJECT/.li-inspect/KEY/ holds map.h5, xy.npy, latent.npy, labels.npy, probe.h5,
 * classes.txt and info.json; KEY is a 64-bit FNV-1a hash of the bytes of the model, the
 * data, the labels and the class names, and of the cut, the method, the preprocessing and
 * the seed. It is written into a temporary folder and renamed, so it is complete or
 * absent; a stale or damaged one is simply rebuilt under its new key.
 *
 * Ownership: li_inspect_open returns a handle for li_inspect_free(); accessors return
 * borrowed values valid until then. A point (li_inspect_point) owns its arrays: release
 * it with li_inspect_point_release().
 */
#ifndef LI_INSPECT_H
#define LI_INSPECT_H

#include <stdint.h>

#include "model.h"
#include "project.h"
#include "reduce.h"

typedef struct li_inspect li_inspect;

typedef struct li_inspect_opts {
	const char *at;       /* the cut; NULL: the manifest's "at", else the split point
			       * with the smallest latent */
	const char *method;   /* NULL: the manifest's "method", else "pca" */
	int auto_tune;        /* choose the method's parameters by trustworthiness (li-reduce
			       * --auto; part of the cache key) */
	uint64_t seed;        /* for the map fit */
	int threads;          /* for the map's loops (0: its default) */
	/* Called with lines worth showing (the cut chosen and why, cache use, the map's
	 * quality, t-SNE's approximate inverse) and with progress (total -1: unknown).
	 * Either may be NULL. */
	void (*note)(void *ctx, const char *line);
	void (*progress)(void *ctx, const char *what, int64_t done, int64_t total);
	void *ctx;
} li_inspect_opts;

/*
 * Prepares project p (borrowed for the handle's life) or loads the cached preparation.
 * NULL with err set: LI_EUSAGE for an unknown cut or method, LI_EDATA for a model, data
 * or labels that do not fit, LI_EIO when the cache cannot be written.
 */
li_inspect *li_inspect_open(const li_project *p, const li_inspect_opts *o, li_err *err);
void li_inspect_free(li_inspect *ins);

/* The data's map coordinates (rows x 2) and labels (NULL without labels). */
int64_t li_inspect_rows(const li_inspect *ins);
const float *li_inspect_xy(const li_inspect *ins);
const int64_t *li_inspect_labels(const li_inspect *ins);
/* Class names (the probe's classes, or the project's classes.txt); 0 when none. */
int li_inspect_classes(const li_inspect *ins, char *const **names);
const li_map *li_inspect_map(const li_inspect *ins);
const char *li_inspect_cut(const li_inspect *ins);        /* the cut layer's name */
const char *li_inspect_cache_dir(const li_inspect *ins);  /* PROJECT/.li-inspect/KEY */
const char *li_inspect_method(const li_inspect *ins);     /* "pca", "umap" or "tsne" */
int li_inspect_auto(const li_inspect *ins);               /* fitted with auto_tune */
const li_model *li_inspect_model(const li_inspect *ins);  /* the whole model */
/*
 * The labeled data set folder of this handle's cut: LABELED/CUT/ (LABELED the project's
 * "labeled" folder, CUT the cut layer's name with characters other than letters, digits,
 * '.', '_' and '-' as '_'), since latent rows of different cuts differ. An older project
 * whose LABELED is itself a data set (it has LABELED/current) keeps it as the data set of
 * its default cut (the manifest's "at", else the split point with the smallest latent);
 * its other cuts get LABELED/CUT/ inside it.
 */
const char *li_inspect_labeled_dir(const li_inspect *ins);
const char *li_inspect_probe_path(const li_inspect *ins); /* NULL without labels */
int li_inspect_has_probe(const li_inspect *ins);

/*
 * Reads the project's data rows (as the preparation does, through its preprocessing)
 * and keeps them in the handle for li_inspect_sample; a second call does nothing.
 * 0 or negative with err set.
 */
int li_inspect_load_data(li_inspect *ins, li_err *err) LI_RESULT_USED;
/* Data row i (after li_inspect_load_data) and its per-row shape; NULL when i is out of
 * range or the rows are not loaded. Borrowed until li_inspect_free. */
const float *li_inspect_sample(const li_inspect *ins, int64_t i, li_shape *shape);

/*
 * The k nearest data rows to latent (the map's row width of numbers) in the latent space
 * (Euclidean), nearest first, into idx and dist (k entries each). Returns how many were
 * found (min(k, rows)).
 */
int li_inspect_neighbors(const li_inspect *ins, const float *latent, int k, int64_t *idx,
			 double *dist);

/* What a retrained probe learned (li_inspect_retrain). */
typedef struct li_inspect_report {
	int64_t rows;         /* training rows: the data's plus the labeled data set's */
	int64_t labeled;      /* of which from the labeled data set */
	int n_classes;
	double accuracy;      /* on the training rows */
	double *precision, *recall;  /* n_classes each */
	int64_t *count;       /* training rows per class */
	int converged;
} li_inspect_report;

/*
 * Retrains the probe (the paper's logistic-regression panel) on the data's latent rows
 * and labels plus the labeled data set's latent rows (latent.npy; rows without one are
 * skipped) and labels, its class names matched to the project's by name (a new name
 * becomes a new class). The probe is written to CACHE/probe-labeled.h5 and replaces the
 * handle's probe; rep (caller's) gets the report, released with
 * li_inspect_report_release. 0 or negative with err set (LI_EDATA: fewer than two
 * classes, a class without rows, latent rows of another width).
 */
int li_inspect_retrain(li_inspect *ins, li_inspect_report *rep, li_err *err) LI_RESULT_USED;
void li_inspect_report_release(li_inspect_report *rep);

/* What the model makes of one map point. */
typedef struct li_inspect_point {
	double x, y;
	int outside;          /* UMAP: placed by the rule for points outside the data */
	int64_t n_latent;
	float *latent;        /* n_latent numbers (the map's row shape, flattened) */
	li_shape out_shape;   /* per-row shape of the model's (first) output */
	int64_t n_out;
	float *output;
	int n_prob;           /* probe classes; 0 without a probe */
	float *prob;
	int label;            /* the probe's most probable class, -1 without a probe */
} li_inspect_point;

/*
 * Inverts (x, y) through the map (t-SNE: the approximate inverse), runs the tail and the
 * probe. 0 or negative with err set (a non-finite point, a model that cannot run); the
 * handle stays usable. pt is overwritten: release it first when reusing.
 */
int li_inspect_eval(li_inspect *ins, double x, double y, li_inspect_point *pt, li_err *err)
	LI_RESULT_USED;
void li_inspect_point_release(li_inspect_point *pt);

/*
 * Appends the n points' outputs (as samples), with their labels (class names; a new
 * name extends the class list), map coordinates (as origin) and latent rows (as latent),
 * to the project's labeled data set. Either all are saved or none. 0 or negative.
 */
int li_inspect_save(li_inspect *ins, const li_inspect_point *const *pts, char *const *labels,
		    int n, li_err *err) LI_RESULT_USED;
/* As li_inspect_save; *generation (when not NULL) gets the data set's new generation. */
int li_inspect_save_gen(li_inspect *ins, const li_inspect_point *const *pts,
			char *const *labels, int n, long long *generation, li_err *err)
	LI_RESULT_USED;

/*
 * Runs the project's render command (render.run) on one point's output: the output is
 * written as OUT.npy beside picture, then `run OUT.npy PICTURE` is called (its standard
 * output goes to standard error). 0 when it exited 0 and picture exists; else negative
 * with err set.
 */
int li_inspect_render_command(const li_inspect *ins, const li_inspect_point *pt,
			      const char *picture, li_err *err) LI_RESULT_USED;
/*
 * The same for any render command run (the project's render.run) and output (its per-row
 * shape and numbers), with a time limit: a command still running after timeout_ms
 * milliseconds (0: none) is killed with its process group and the call fails (LI_EDATA,
 * "timed out"). For callers that must not hold the inspector while it runs (the server).
 */
int li_inspect_render_run(const char *run, const li_shape *shape, const float *output,
			  const char *picture, int timeout_ms, li_err *err) LI_RESULT_USED;

/*
 * A text picture of a gray image (h x w, row-major) in h lines of w characters from
 * " .:-=+*#%@", scaled over the image's own minimum..maximum. Returns a string the
 * caller frees, or NULL when out of memory.
 */
char *li_inspect_ascii(const float *img, int64_t h, int64_t w, int64_t channels);

#endif
