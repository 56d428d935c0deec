/*
 * Dimension reduction: fit a method (PCA, UMAP or t-SNE, from one table in reduce.c)
 * on latent rows, place new rows into a fitted map, map 2-D/3-D coordinates back into
 * the latent space, and keep the fitted map in one HDF5 file (li-map(5)).
 *
 * Rows: a latent array of shape (N, d1, d2, ...) is fitted as N rows of d1*d2*...
 * numbers; the map remembers the row shape (d1, d2, ...) so li-invert can restore it.
 * All arithmetic is float64; callers pass float64 rows and coordinates.
 *
 * Ownership: an li_map is opaque; li_reduce_fit and li_map_load make one, li_map_free
 * frees it. Accessors return borrowed pointers valid until li_map_free.
 */
#ifndef LI_REDUCE_H
#define LI_REDUCE_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "npy.h"
#include "progress.h"

typedef struct li_map li_map;

/* What to fit. Zero-initialise, then set; defaults are noted. */
typedef struct li_reduce_opts {
	const char *method;   /* "pca" (NULL: "pca"), "umap" or "tsne" */
	int dims;             /* output dimensions, 2 or 3 (0: 2) */
	uint64_t seed;        /* for randomized steps and the quality sample */
	int whiten;           /* PCA: scale components to unit variance */
	const char *solver;   /* PCA: "auto" (NULL), "eig", "svd" or "randomized" */
	int64_t trust_rows;   /* quality sample size: 0 means 5000, < 0 skips trustworthiness */
	/* each method's own options go here (UMAP: neighbours, min_dist; t-SNE: perplexity),
	 * with 0 meaning the method's default, so zero-initialised options stay valid */
	int threads;          /* worker threads of the method's own loops; 0: the method's
			       * default (one per online CPU); same bytes at any count */
	int auto_tune;        /* search the method's main parameters on a sample, scored by
			       * trustworthiness@10 (t-SNE: perplexity, see li_tsne_auto; UMAP:
			       * neighbors then min_dist; PCA: whiten; see reduce_auto.c); the
			       * options set here are the base candidate */
	double perplexity;    /* t-SNE [30]; lowered to (N - 1) / 3 for small N, with a note */
	int early_iter;       /* t-SNE: early-exaggeration iterations [250] */
	int iterations;       /* t-SNE: iterations after them [750] */
	int neighbors;        /* UMAP: n_neighbors [15] */
	double min_dist;      /* UMAP: used when min_dist_set, else 0.1 */
	int min_dist_set;
	double spread;        /* UMAP: [1.0] */
	int epochs;           /* UMAP: [500 up to 10,000 rows, else 200] */
	li_progress progress; /* optional: the fit's stages and steps (progress.h) */
} li_reduce_opts;

/*
 * Checks that o's options go together (LI_EUSAGE, worded with li-reduce's option names):
 * min_dist within spread, the UMAP options only with UMAP, a method this build has, the
 * t-SNE options only with t-SNE. 0 or LI_EUSAGE.
 */
int li_reduce_opts_check(const li_reduce_opts *o, li_err *err) LI_RESULT_USED;

/*
 * Whether this build can fit method name: 1, or 0 with *why (borrowed) completing the
 * sentence "'NAME' ...": "is not pca, umap or tsne" or "is not built yet".
 */
int li_reduce_available(const char *name, const char **why);

/*
 * Fits a map on n rows of d float64 numbers (x, row-major; not modified) whose per-row
 * shape is row_shape[0..row_rank) (product d). Writes the n x dims coordinates of the
 * rows into y (caller's buffer) and measures the quality (trustworthiness@10 on a seeded
 * sample, plus what the method reports). Returns a map for li_map_free(), or NULL with
 * err set: LI_EUSAGE for an unknown or unbuilt method or impossible options, LI_EDATA
 * for data that cannot be fitted (too few rows, non-finite values, dims > columns).
 */
li_map *li_reduce_fit(const li_reduce_opts *o, const double *x, int64_t n, int64_t d,
		      int row_rank, const int64_t *row_shape, double *y, li_err *err);

/*
 * 1 when the fit o asks for runs on float32 rows (UMAP without --auto): then
 * li_reduce_fit_f32 on rows read as float32 holds them once in memory, where
 * li_reduce_fit would hold them in float64 and again in float32.
 */
int li_reduce_wants_f32(const li_reduce_opts *o);

/*
 * li_reduce_fit on float32 rows, which it takes (allocated with malloc): the map keeps
 * them when the method works in float32 (li_reduce_wants_f32), else they are converted
 * and freed; freed on failure too. Float32 rows give the same map as li_reduce_fit on
 * the same rows in float64.
 */
li_map *li_reduce_fit_f32(const li_reduce_opts *o, float *x, int64_t n, int64_t d,
			  int row_rank, const int64_t *row_shape, double *y, li_err *err);

/*
 * li_reduce_fit on the rows of x (N x ..., read as float32 when li_reduce_wants_f32,
 * else float64; float32 rows are taken, x->data left NULL): *y gets N x o->dims
 * coordinates (caller frees). NULL with err set (LI_EDATA for a 0-d x: no rows).
 */
li_map *li_reduce_fit_array(const li_reduce_opts *o, li_array *x, double **y, li_err *err);

/*
 * Places n new rows (n x li_map_features) into the map: y gets n x li_map_dims.
 * 0 or negative (LI_EDATA "row I: ..." for non-finite input).
 */
int li_map_transform(const li_map *m, const double *x, int64_t n, double *y, li_err *err)
	LI_RESULT_USED;

/*
 * Maps n coordinate rows (n x li_map_dims) back to latent rows: x gets
 * n x li_map_features. 0 or negative: LI_EDATA when the method has no inverse (the
 * message says why, as li_map_has_inverse does) or a coordinate is not finite.
 */
int li_map_inverse(const li_map *m, const double *y, int64_t n, double *x, li_err *err)
	LI_RESULT_USED;

/*
 * The approximate inverse of a method that has no exact one (t-SNE: for each point the
 * 10 nearest embedded training points, weights 1 / distance, normalised, applied to
 * their training rows; a training point's own coordinate gives its row exactly). For a
 * method with an exact inverse (PCA) this is the exact one. 0 or negative (LI_EDATA when
 * the method has neither).
 */
int li_map_inverse_approx(const li_map *m, const double *y, int64_t n, double *x,
			  li_err *err) LI_RESULT_USED;

/*
 * Places rows [lo, hi) of r (an .npy of rows of li_map_features numbers, no row read yet)
 * into the map and writes their coordinates to out as a float32 (hi - lo) x dims .npy.
 * The rows go in batches counted from row 0 and the part is placed in the batches that
 * hold it, whole (lib/batches.h), so parts joined give the whole run's bytes. A NaN or
 * infinity in the part is refused ("row I: ..."). Progress: ("rows", done, hi - lo).
 * 0, or negative with err set and *which 0 for the input (a read, a bad row), 1 for out.
 */
int li_map_transform_npy(const li_map *m, li_npy_reader *r, int64_t lo, int64_t hi, FILE *out,
			 const li_progress *progress, int *which, li_err *err) LI_RESULT_USED;

/* Threads for transform and inverse of a loaded map (0: one per online CPU). */
void li_map_set_threads(li_map *m, int threads);

/* Lines the fit wants the user to see (a lowered perplexity, --auto's candidates and
 * choice), newline-separated, or NULL. Borrowed. */
const char *li_map_note(const li_map *m);

/*
 * Like li_map_inverse; outside (n entries, may be NULL) gets 1 for each point the method
 * placed by its rule for points outside the training embedding's hull (UMAP), else 0.
 */
int li_map_inverse_outside(const li_map *m, const double *y, int64_t n, double *x,
			   uint8_t *outside, li_err *err) LI_RESULT_USED;

/* 1 when this build can transform with the map; else 0 and *why gets the reason. */
int li_map_can_transform(const li_map *m, const char **why);

/* 1 when the map can invert; else 0 and *why (if not NULL) gets a borrowed sentence. */
int li_map_has_inverse(const li_map *m, const char **why);

/*
 * Writes the map to path: a temporary file beside it, renamed into place on success
 * (never a partial file). Same map, same bytes. 0 or negative.
 */
int li_map_save(const li_map *m, const char *path, li_err *err) LI_RESULT_USED;

/*
 * Reads a map file. NULL with err set (LI_EDATA) for a file that is not an HDF5 map,
 * is truncated, has li_version > 1, an unknown method or inconsistent datasets. A map
 * of a known method that this build cannot run yet (umap, tsne) loads with its root
 * attributes only: accessors work, transform and inverse fail with the reason.
 */
li_map *li_map_load(const char *path, li_err *err);

/*
 * Like li_map_load, but reads the root attributes only (method, params, quality,
 * row_shape, extent), not the method's datasets: quick for programs that need the
 * extent or row shape of a large map (li-grid, li-plot). Transform and inverse on such
 * a map fail with "map loaded without its datasets".
 */
li_map *li_map_load_info(const char *path, li_err *err);

/* Frees m (NULL allowed). */
void li_map_free(li_map *m);

/* Accessors (borrowed results). */
const char *li_map_method(const li_map *m);      /* "pca", ... */
int li_map_dims(const li_map *m);                /* 2 or 3 */
int64_t li_map_features(const li_map *m);        /* numbers per latent row */
/* The per-row latent shape; *rank gets its length (0 for scalar rows). */
const int64_t *li_map_row_shape(const li_map *m, int *rank);
/* [2 * dims]: the training embedding's minimum per axis, then its maximum per axis. */
const double *li_map_extent(const li_map *m);
const char *li_map_params(const li_map *m);      /* JSON object text */
const char *li_map_quality(const li_map *m);     /* JSON object text */
int64_t li_map_rows(const li_map *m);            /* rows fitted (0 if unknown) */

/*
 * The --report document: {"method", "rows", "features", "dims", "row_shape",
 * "params", "quality", "extent"} as pretty JSON text. Caller frees with free(); NULL
 * when out of memory.
 */
char *li_map_report(const li_map *m);

/* li_map_report with "sample": {"rows", "of", "seed"} added when rows > 0 (a fit on a
 * seeded random sample of rows of the of rows read). Caller frees; NULL: out of memory. */
char *li_map_report_sample(const li_map *m, int64_t rows, int64_t of, uint64_t seed);

/* The n_neighbors asked for when the fit had to lower it (params "n_neighbors_asked"),
 * else 0. */
int64_t li_map_neighbors_asked(const li_map *m);

/* One human line on the fit's quality, e.g. for standard error (no newline). */
void li_map_summary(const li_map *m, char *buf, size_t n);

/* A picture's title: the method and its quality, e.g. "umap map, trustworthiness 0.953". */
void li_map_title(const li_map *m, char *buf, size_t n);

/*
 * Trustworthiness (Venna and Kaski 2001, as sklearn.manifold.trustworthiness):
 *   T(k) = 1 - 2 / (n k (2n - 3k - 1)) * sum_i sum_{j in U_k(i)} (r(i, j) - k)
 * where U_k(i) are i's k nearest neighbours in the embedding y (n x dims) that are not
 * among its k nearest in x (n x d), and r(i, j) is j's rank among i's neighbours in x
 * (1 = nearest; ties by lower index). Euclidean distances. Needs k < n / 2. Returns T
 * in [0, 1], or a negative LI_E* code with err set.
 */
double li_trust(const double *x, int64_t n, int64_t d, const double *y, int dims, int k,
		li_err *err);

#endif
