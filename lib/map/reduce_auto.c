/*
 * Self-tuning of PCA and UMAP (li-reduce --auto; the paper's "self-optimizing"
 * parameters). t-SNE tunes its perplexity inside its own fit (reduce_tsne.c, through
 * li_tsne_auto), because it can keep the chosen candidate's embedding.
 *
 * Rule: take a seeded sample of at most AUTO_ROWS rows (all rows, in order, when there
 * are no more), fit each candidate on it with the method's own fit, score each by
 * trustworthiness@10 of the sample (li_trust; k lowered below half the rows for tiny
 * sets), and keep the best; a tie keeps the base candidate (the options as given, i.e.
 * the defaults unless the user set them), then the earlier one. The base is always a
 * candidate, so the choice never scores below it on the sample. The whole set is then
 * fitted with the chosen options.
 *
 *   PCA:  whitening off and on (the only parameter that changes the picture).
 *   UMAP: first n_neighbors over s/3, 2s/3, s, 2s and the base, with the size-aware
 *         s = min(15, (n - 1) / 4) (umap-learn's 15, lowered so that tiny sets keep
 *         four neighbourhoods apart), clamped to 2 .. n - 1; then, with the best of
 *         those, min_dist over 0, the base (0.1) and 0.5.
 *
 * Deterministic: the sample comes from its own stream of the seed and UMAP's fits use
 * the seed, so the same data and seed give the same choice at any thread count.
 */
#include "reduce_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define AUTO_ROWS 2000
#define AUTO_MAX 8
/* the sample's stream of the seed ("autotune" in ASCII), apart from the others */
#define AUTO_STREAM 0x6175746f74756e65ULL

typedef struct cand {
	li_reduce_opts o;
	double score;
	int is_base;
} cand;

/* Fits candidate c on the sample xs (s x d) and scores it. 0 or negative. */
static int try_one(const li_reduce_method *meth, cand *c, const double *xs, int64_t s,
		   int64_t d, int dims, double *ys, li_err *err)
{
	li_map *m = li_map_new(meth, err);
	if (!m)
		return LI_ENOMEM;
	m->dims = dims;
	m->n_features = d;
	m->rows = s;
	m->row_rank = 1;
	m->row_shape[0] = d;
	c->o.auto_tune = 0;
	int rc = meth->ops->fit(m, &c->o, xs, s, ys, err);
	li_map_free(m);
	if (rc < 0)
		return rc;
	int k = 10;
	if (!(k < s / 2.0))
		k = (int)((s - 1) / 2);
	if (k < 1)
		return li_err_set(err, LI_EDATA, "--auto needs at least 4 rows, got %lld",
				  (long long)s);
	double t = li_trust(xs, s, d, ys, dims, k, err);
	if (t < 0)
		return (int)t;
	c->score = t;
	return 0;
}

/* Appends a line to *note (owned; a failed allocation drops the line). */
static void add_note(char **note, const char *line)
{
	size_t old = *note ? strlen(*note) : 0;
	char *s = realloc(*note, old + strlen(line) + 2);
	if (!s)
		return;
	if (old)
		s[old++] = '\n';
	strcpy(s + old, line);
	*note = s;
}

/* "n_neighbors 15, min_dist 0.1" or "whitening on" for candidate c. */
static void describe(const char *method, const li_reduce_opts *o, char *buf, size_t n)
{
	if (!strcmp(method, "pca"))
		snprintf(buf, n, "whitening %s", o->whiten ? "on" : "off");
	else
		snprintf(buf, n, "n_neighbors %d, min_dist %.4g", o->neighbors, o->min_dist);
}

/* Adds v to the candidate values vals (n of them) unless present; returns the new n. */
static int add_int(int *vals, int n, int v)
{
	for (int a = 0; a < n; a++)
		if (vals[a] == v)
			return n;
	vals[n] = v;
	return n + 1;
}

int li_reduce_auto(const li_reduce_method *meth, const li_reduce_opts *o, const double *x,
		   int64_t n, int64_t d, int dims, li_reduce_opts *chosen, json_t *report,
		   char **note, li_err *err)
{
	const char *name = meth->name;
	int64_t s = n < AUTO_ROWS ? n : AUTO_ROWS;
	int64_t *pick = NULL;
	double *xs = NULL, *ys = NULL;
	cand c[2 * AUTO_MAX];
	int nc = 0, best = -1, rc = 0;
	char line[256], what[96];
	if (s < 4)
		return li_err_set(err, LI_EDATA, "--auto needs at least 4 rows, got %lld",
				  (long long)n);
	if (!(pick = malloc((size_t)s * sizeof *pick)) ||
	    !(xs = malloc((size_t)s * (size_t)d * sizeof *xs)) ||
	    !(ys = malloc((size_t)s * (size_t)dims * sizeof *ys))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for --auto");
		goto out;
	}
	li_rng rng = li_rng_stream(o->seed, AUTO_STREAM);
	if (s < n)
		li_rng_sample(&rng, n, s, pick);
	else
		for (int64_t i = 0; i < n; i++)
			pick[i] = i;
	for (int64_t i = 0; i < s; i++)
		memcpy(xs + i * d, x + pick[i] * d, (size_t)d * sizeof *xs);

	li_reduce_opts base = *o;
	base.auto_tune = 0;
	/* stage 1 (UMAP: n_neighbors; PCA: whitening), then stage 2 (UMAP: min_dist) */
	for (int stage = 0; stage < 2; stage++) {
		int first = nc;
		if (!strcmp(name, "pca")) {
			if (stage)
				break;
			for (int w = 0; w < 2; w++) {
				c[nc] = (cand){.o = base, .is_base = w == !!base.whiten};
				c[nc++].o.whiten = w;
			}
		} else if (stage == 0) {
			int bn = base.neighbors ? base.neighbors : 15, v[AUTO_MAX], m = 0;
			int64_t top = n - 1 < 1024 ? n - 1 : 1024;
			int64_t sz = (n - 1) / 4 < 15 ? (n - 1) / 4 : 15;
			double want[5] = {sz / 3.0, 2 * sz / 3.0, (double)sz, 2.0 * sz, bn};
			for (int a = 0; a < 5; a++) {
				int64_t k = llround(want[a]);
				k = k < 2 ? 2 : k > top ? top : k;
				m = add_int(v, m, (int)k);
			}
			/* increasing order */
			for (int a = 1; a < m; a++)
				for (int b = a; b > 0 && v[b - 1] > v[b]; b--) {
					int t = v[b];
					v[b] = v[b - 1];
					v[b - 1] = t;
				}
			int bclamp = bn > top ? (int)top : bn;
			for (int a = 0; a < m; a++) {
				c[nc] = (cand){.o = base, .is_base = v[a] == bclamp};
				c[nc].o.neighbors = v[a];
				c[nc].o.min_dist = base.min_dist_set ? base.min_dist : 0.1;
				c[nc++].o.min_dist_set = 1;
			}
		} else {
			double bm = base.min_dist_set ? base.min_dist : 0.1;
			double spread = base.spread ? base.spread : 1.0;
			double want[2] = {0, 0.5};
			/* beside the stage-1 winner (min_dist bm, already scored) */
			for (int a = 0; a < 2; a++) {
				if (want[a] > spread || fabs(want[a] - bm) < 1e-12)
					continue;
				c[nc] = (cand){.o = c[best].o};
				c[nc++].o.min_dist = want[a];
			}
		}
		for (int a = first; a < nc; a++) {
			if ((rc = try_one(meth, &c[a], xs, s, d, dims, ys, err)) < 0) {
				describe(name, &c[a].o, what, sizeof what);
				li_err_prefix(err, "--auto, %s", what);
				goto out;
			}
			if (best < 0 || c[a].score > c[best].score ||
			    (c[a].score == c[best].score && c[a].is_base && !c[best].is_base))
				best = a;
		}
	}
	*chosen = c[best].o;
	json_t *list = json_array();
	int b0 = -1;
	for (int a = 0; a < nc; a++) {
		json_t *e = json_object();
		if (!strcmp(name, "pca")) {
			json_object_set_new(e, "whiten", json_boolean(c[a].o.whiten));
		} else {
			json_object_set_new(e, "n_neighbors", json_integer(c[a].o.neighbors));
			json_object_set_new(e, "min_dist", json_real(c[a].o.min_dist));
		}
		json_object_set_new(e, "trustworthiness", json_real(c[a].score));
		json_object_set_new(e, "default", json_boolean(c[a].is_base));
		json_array_append_new(list, e);
		if (c[a].is_base)
			b0 = a;
		describe(name, &c[a].o, what, sizeof what);
		snprintf(line, sizeof line, "auto: %s%s: trustworthiness %.4f", what,
			 c[a].is_base ? " (default)" : "", c[a].score);
		add_note(note, line);
	}
	describe(name, &c[best].o, what, sizeof what);
	if (best == b0)
		snprintf(line, sizeof line, "%s (the default) scored best: %.4f", what,
			 c[best].score);
	else
		snprintf(line, sizeof line, "%s scored %.4f, the default %.4f", what,
			 c[best].score, c[b0].score);
	json_object_set_new(report, "rows", json_integer(s));
	json_object_set_new(report, "candidates", list);
	json_object_set_new(report, "why", json_string(line));
	char full[400];
	snprintf(full, sizeof full, "auto: chose %s (tuned on %lld of %lld rows)", line,
		 (long long)s, (long long)n);
	add_note(note, full);
out:
	free(pick);
	free(xs);
	free(ys);
	return rc;
}
