/*
 * Inside the reducers (lib/ only; cmd/ never includes this). A method is an ops record
 * listed in reduce.c's method table; li_map holds what every method shares, and the
 * method's own fitted state behind `state`. mapfile.c writes the shared root attributes
 * and offers the dataset helpers a method's save/load use.
 *
 * Adding a method: write lib/map/NAME.c exporting `const li_reduce_ops
 * li_NAME_ops`, declare it below, and put it in the table in reduce.c.
 */
#ifndef LI_REDUCE_INTERNAL_H
#define LI_REDUCE_INTERNAL_H

#include <hdf5.h>
#include <jansson.h>

#include "array.h"
#include "reduce.h"

typedef struct li_reduce_ops {
	const char *name;
	/*
	 * Fits on x (n x d, float64, row-major; not modified), fills y (n x m->dims) and sets
	 * m->state, m->params (a JSON object with the options used and what was chosen,
	 * e.g. the solver) and may add members to m->quality (e.g. explained variance).
	 * m->dims, m->n_features and m->rows are set by the caller. 0 or negative.
	 */
	int (*fit)(li_map *m, const li_reduce_opts *o, const double *x, int64_t n,
		   double *y, li_err *err);
	/* Optional: the same fit on float32 rows, for a method that works in float32. Takes
	 * x (malloc'd): on success m->state keeps it as the training rows (valid until the
	 * state is freed), on failure it is freed. The same map as fit on x in float64. */
	int (*fit_f32)(li_map *m, const li_reduce_opts *o, float *x, int64_t n, double *y,
		       li_err *err);
	/* New rows into the map (x: n x n_features -> y: n x dims). 0 or negative. */
	int (*transform)(const li_map *m, const double *x, int64_t n, double *y, li_err *err);
	/*
	 * Coordinates back to rows (y: n x dims -> x: n x n_features); NULL: no inverse.
	 * When the table row has a no_inverse reason, this one is approximate and runs only
	 * through li_map_inverse_approx (t-SNE).
	 */
	int (*inverse)(const li_map *m, const double *y, int64_t n, double *x, li_err *err);
	/* Writes the method's datasets into file (see li_mapfile_write). 0 or negative. */
	int (*save)(const li_map *m, hid_t file, li_err *err);
	/* Reads them back and sets m->state, checking every shape against m. 0 or negative. */
	int (*load)(li_map *m, hid_t file, li_err *err);
	/* Frees m->state (NULL allowed). */
	void (*free_state)(void *state);
	/* Optional: inverse that also flags points outside the hull (n entries). */
	int (*inverse_outside)(const li_map *m, const double *y, int64_t n, double *x,
			       uint8_t *outside, li_err *err);
} li_reduce_ops;

/* One row of reduce.c's method table. ops is NULL for a method not built yet. */
typedef struct li_reduce_method {
	const char *name;
	const li_reduce_ops *ops;
	const char *no_inverse;  /* why li-invert refuses, or NULL when it can invert */
	const char *not_built;   /* the message while ops is NULL */
} li_reduce_method;

/* The table row for name, or NULL when the name is unknown. */
const li_reduce_method *li_reduce_find(const char *name);

struct li_map {
	const li_reduce_method *method;
	int dims;
	int64_t n_features;       /* numbers per latent row */
	int64_t rows;             /* rows fitted */
	int row_rank;
	int64_t row_shape[LI_MAX_RANK];
	double extent[6];         /* min[dims] then max[dims] */
	json_t *params;           /* owned JSON objects */
	json_t *quality;
	char *params_text;        /* compact renderings, made by li_map_finish_text */
	char *quality_text;
	void *state;              /* the method's; freed by ops->free_state */
	int info_only;            /* loaded by li_map_load_info: no datasets, no state */
	int threads;              /* worker threads for transform and inverse (0: one per CPU) */
	char *note;               /* lines for the user from the fit, or NULL (owned) */
};

/* Allocates an empty map for method (params and quality empty objects). */
li_map *li_map_new(const li_reduce_method *method, li_err *err);
/* Renders params/quality into their text forms (after fit or load). 0 or negative. */
int li_map_finish_text(li_map *m, li_err *err);

/*
 * Dataset helpers for a method's save/load (mapfile.c). t is LI_DTYPE_F64, F32, I64 or
 * I32 (stored little-endian); datasets are contiguous and written with object time
 * tracking off, so files are byte-identical run to run. li_mapfile_read checks that the
 * dataset has exactly the given rank and dims (naming it in the error), converts from
 * any stored numeric type, and fills a caller-allocated buffer. li_mapfile_shape gives
 * a dataset's rank and dims (for sizes only known from the file, e.g. a graph's edge
 * count); it refuses one whose stored bytes are fewer than its shape claims, so the
 * caller may allocate from the answer. All return 0 or negative.
 */
int li_mapfile_write(hid_t loc, const char *name, li_dtype t, int rank, const int64_t *dims,
		     const void *data, li_err *err);
int li_mapfile_read(hid_t loc, const char *name, li_dtype t, int rank, const int64_t *dims,
		    void *data, li_err *err);
int li_mapfile_shape(hid_t loc, const char *name, int *rank, int64_t *dims, li_err *err);

/*
 * Squared Euclidean distances of rows a (na x d) to rows b (nb x d) into out (na x nb),
 * given their squared norms an, bn: |a|^2 + |b|^2 - 2 a.b by one dgemm, clamped at 0
 * (trust.c).
 */
void li_reduce_sqdist(const double *a, const double *an, int64_t na, const double *b,
		      const double *bn, int64_t nb, int64_t d, double *out);

/*
 * --auto for the methods that do not tune inside their own fit (PCA, UMAP; see
 * reduce_auto.c for the rule): picks options on a seeded sample of x (n x d) by
 * trustworthiness@10, writes them to *chosen (o with the tuned members set and
 * auto_tune cleared), the candidates, scores and reason into report (a JSON object,
 * borrowed), and one line per candidate plus the choice onto *note (owned, grown with
 * realloc; may start NULL). 0 or negative.
 */
int li_reduce_auto(const li_reduce_method *meth, const li_reduce_opts *o, const double *x,
		   int64_t n, int64_t d, int dims, li_reduce_opts *chosen, json_t *report,
		   char **note, li_err *err);

/* Methods. */
extern const li_reduce_ops li_pca_ops;
extern const li_reduce_ops li_tsne_ops;
extern const li_reduce_ops li_umap_ops;

#endif
