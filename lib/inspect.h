/*
 * The inspector behind li-inspect (the paper's interactive loop), without any user
 * interface: prepare a project once (cut the model, embed the data, fit the 2-D map,
 * train the probe when the project has labels), keep that preparation in the project
 * folder so the next start is instant, then turn any map point into what the model makes
 * of it (invert the point, run the tail, run the probe) and save such points into the
 * project's labeled data set.
 *
 * Cache: PROJECT/.li-inspect/KEY/ holds map.h5, xy.npy, labels.npy, probe.h5,
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
const char *li_inspect_probe_path(const li_inspect *ins); /* NULL without labels */
int li_inspect_has_probe(const li_inspect *ins);

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
 * name extends the class list) and map coordinates (as origin), to the project's labeled
 * data set. Either all are saved or none. 0 or negative.
 */
int li_inspect_save(li_inspect *ins, const li_inspect_point *const *pts, char *const *labels,
		    int n, li_err *err) LI_RESULT_USED;

/*
 * Runs the project's render command (render.run) on one point's output: the output is
 * written as OUT.npy beside picture, then `run OUT.npy PICTURE` is called (its standard
 * output goes to standard error). 0 when it exited 0 and picture exists; else negative
 * with err set.
 */
int li_inspect_render_command(const li_inspect *ins, const li_inspect_point *pt,
			      const char *picture, li_err *err) LI_RESULT_USED;

/*
 * A text picture of a gray image (h x w, row-major) in h lines of w characters from
 * " .:-=+*#%@", scaled over the image's own minimum..maximum. Returns a string the
 * caller frees, or NULL when out of memory.
 */
char *li_inspect_ascii(const float *img, int64_t h, int64_t w, int64_t channels);

#endif
