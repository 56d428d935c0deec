/*
 * umap-tool: runs the UMAP building blocks of lib/ (knn.h, umap.h) on .npy files, for
 * the shell tests that compare them with scikit-learn and umap-learn (t05xx). Not a
 * user program: the user-facing side is li-reduce / li-invert.
 *
 *   umap-tool [OPTS] knn X.npy IDX.npy DIST.npy          kNN graph (self first)
 *   umap-tool fuzzy IDX.npy DIST.npy DIR                 sigmas, rhos, fuzzy graph (CSR)
 *   umap-tool ab MIN_DIST SPREAD                         prints "a b"
 *   umap-tool [OPTS] spectral DIR OUT.npy EVALS.npy      spectral layout of DIR's graph
 *   umap-tool [OPTS] fit X.npy DIR                       fit; the model's arrays into DIR
 *   umap-tool [OPTS] transform DIR X.npy Q.npy OUT.npy   new rows into DIR's model
 *   umap-tool [OPTS] inverse DIR X.npy Y.npy OUT.npy OUTSIDE.npy
 * OPTS: --seed S, --threads T, --epochs E, --neighbors K, --knn auto|exact|approx,
 *       --min-dist M, --dim D. The method knn used goes to stderr as "knn: exact|approx".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li.h"
#include "knn.h"
#include "umap.h"

static li_umap_params P;

static int load(const char *path, li_dtype t, li_array *a)
{
	li_err e = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "umap-tool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = li_npy_load(f, a, (int)t, &e);
	fclose(f);
	if (rc)
		fprintf(stderr, "umap-tool: %s: %s\n", path, e.msg);
	return rc;
}

static int save(const char *path, li_dtype t, int rank, int64_t r0, int64_t r1, const void *data)
{
	li_err e = { 0 };
	li_array a = { .dtype = t, .rank = rank, .data = (void *)data };
	a.shape[0] = r0;
	a.shape[1] = r1;
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "umap-tool: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = li_npy_save(f, &a, &e);
	if (fclose(f) || rc) {
		fprintf(stderr, "umap-tool: %s: cannot write\n", path);
		return -1;
	}
	return 0;
}

static char *in_dir(const char *dir, const char *name)
{
	static char buf[8][4096];
	static int slot;
	char *b = buf[slot++ % 8];
	snprintf(b, 4096, "%s/%s", dir, name);
	return b;
}

static int save_model(const li_umap_model *m, const char *dir)
{
	double params[4] = { m->params.n_neighbors, m->params.a, m->params.b, m->params.n_epochs };
	return save(in_dir(dir, "embedding.npy"), LI_DTYPE_F32, 2, m->n, m->dim, m->embedding) ||
		save(in_dir(dir, "sigmas.npy"), LI_DTYPE_F32, 1, m->n, 0, m->sigmas) ||
		save(in_dir(dir, "rhos.npy"), LI_DTYPE_F32, 1, m->n, 0, m->rhos) ||
		save(in_dir(dir, "indptr.npy"), LI_DTYPE_I64, 1, m->n + 1, 0, m->graph.indptr) ||
		save(in_dir(dir, "indices.npy"), LI_DTYPE_I32, 1, m->graph.nnz, 0, m->graph.indices) ||
		save(in_dir(dir, "weights.npy"), LI_DTYPE_F32, 1, m->graph.nnz, 0, m->graph.weights) ||
		save(in_dir(dir, "params.npy"), LI_DTYPE_F64, 1, 4, 0, params);
}

/* Builds the model back from DIR's arrays and the training rows X. */
static li_umap_model *load_model(const char *dir, const char *xpath)
{
	li_array x = { 0 }, emb = { 0 }, sg = { 0 }, rh = { 0 }, ip = { 0 }, ix = { 0 }, w = { 0 }, pa = { 0 };
	li_umap_model *m = NULL;
	li_err e = { 0 };
	if (load(xpath, LI_DTYPE_F32, &x) || load(in_dir(dir, "embedding.npy"), LI_DTYPE_F32, &emb) ||
		load(in_dir(dir, "sigmas.npy"), LI_DTYPE_F32, &sg) ||
		load(in_dir(dir, "rhos.npy"), LI_DTYPE_F32, &rh) ||
		load(in_dir(dir, "indptr.npy"), LI_DTYPE_I64, &ip) ||
		load(in_dir(dir, "indices.npy"), LI_DTYPE_I32, &ix) ||
		load(in_dir(dir, "weights.npy"), LI_DTYPE_F32, &w) ||
		load(in_dir(dir, "params.npy"), LI_DTYPE_F64, &pa))
		goto out;
	if (x.rank != 2 || emb.rank != 2 || emb.shape[0] != x.shape[0] || ip.shape[0] != x.shape[0] + 1 ||
		pa.shape[0] != 4 || sg.shape[0] != x.shape[0] || rh.shape[0] != x.shape[0] ||
		ix.shape[0] != w.shape[0]) {
		fprintf(stderr, "umap-tool: %s: arrays do not fit together\n", dir);
		goto out;
	}
	li_umap_params p = P;
	const double *pv = pa.data;
	p.n_neighbors = (int)pv[0];
	p.a = pv[1];
	p.b = pv[2];
	p.n_epochs = (int)pv[3];
	p.n_components = (int)emb.shape[1];
	m = li_umap_model_from_arrays(&p, x.shape[0], x.shape[1], emb.shape[1], x.data, emb.data,
		sg.data, rh.data, w.shape[0], ip.data, ix.data, w.data, &e);
	if (!m)
		fprintf(stderr, "umap-tool: %s: %s\n", dir, e.msg);
out:
	li_array_release(&x);
	li_array_release(&emb);
	li_array_release(&sg);
	li_array_release(&rh);
	li_array_release(&ip);
	li_array_release(&ix);
	li_array_release(&w);
	li_array_release(&pa);
	return m;
}

static int cmd_knn(char **a)
{
	li_array x = { 0 };
	if (load(a[0], LI_DTYPE_F32, &x))
		return 1;
	int64_t n = x.shape[0], d = x.shape[1];
	int k = P.n_neighbors;
	int32_t *idx = malloc(sizeof(int32_t) * (size_t)(n * k));
	float *dist = malloc(sizeof(float) * (size_t)(n * k));
	li_knn_opts o = { .k = k, .method = P.knn_method, .threads = P.threads, .seed = P.seed };
	li_err e = { 0 };
	int used = 0, rc = 1;
	if (!idx || !dist || li_knn_graph(x.data, n, d, &o, idx, dist, &used, &e)) {
		fprintf(stderr, "umap-tool: knn: %s\n", e.msg);
		goto out;
	}
	fprintf(stderr, "knn: %s\n", used == LI_KNN_EXACT ? "exact" : "approx");
	rc = save(a[1], LI_DTYPE_I32, 2, n, k, idx) || save(a[2], LI_DTYPE_F32, 2, n, k, dist);
out:
	free(idx);
	free(dist);
	li_array_release(&x);
	return rc;
}

static int cmd_fuzzy(char **a)
{
	li_array idx = { 0 }, dist = { 0 };
	if (load(a[0], LI_DTYPE_I32, &idx) || load(a[1], LI_DTYPE_F32, &dist))
		return 1;
	int64_t n = idx.shape[0];
	int k = (int)idx.shape[1];
	float *sg = malloc(sizeof(float) * (size_t)n), *rh = malloc(sizeof(float) * (size_t)n);
	li_umap_graph g = { 0 };
	li_err e = { 0 };
	int rc = 1;
	li_umap_smooth_knn(dist.data, n, k, P.local_connectivity, sg, rh);
	if (li_umap_fuzzy_graph(idx.data, dist.data, n, k, sg, rh, P.set_op_mix_ratio, &g, &e)) {
		fprintf(stderr, "umap-tool: fuzzy: %s\n", e.msg);
		goto out;
	}
	const char *dir = a[2];
	rc = save(in_dir(dir, "sigmas.npy"), LI_DTYPE_F32, 1, n, 0, sg) ||
		save(in_dir(dir, "rhos.npy"), LI_DTYPE_F32, 1, n, 0, rh) ||
		save(in_dir(dir, "indptr.npy"), LI_DTYPE_I64, 1, n + 1, 0, g.indptr) ||
		save(in_dir(dir, "indices.npy"), LI_DTYPE_I32, 1, g.nnz, 0, g.indices) ||
		save(in_dir(dir, "weights.npy"), LI_DTYPE_F32, 1, g.nnz, 0, g.weights);
out:
	li_umap_graph_release(&g);
	free(sg);
	free(rh);
	li_array_release(&idx);
	li_array_release(&dist);
	return rc;
}

static int cmd_spectral(char **a)
{
	li_array ip = { 0 }, ix = { 0 }, w = { 0 };
	const char *dir = a[0];
	if (load(in_dir(dir, "indptr.npy"), LI_DTYPE_I64, &ip) ||
		load(in_dir(dir, "indices.npy"), LI_DTYPE_I32, &ix) ||
		load(in_dir(dir, "weights.npy"), LI_DTYPE_F32, &w))
		return 1;
	li_umap_graph g = { ip.shape[0] - 1, ix.shape[0], ip.data, ix.data, w.data };
	int dim = P.n_components;
	float *out = malloc(sizeof(float) * (size_t)(g.n * dim));
	double ev[16];
	li_err e = { 0 };
	int r = li_umap_spectral(&g, NULL, 0, dim, P.seed, out, ev, &e), rc = 1;
	if (r < 0)
		fprintf(stderr, "umap-tool: spectral: %s\n", e.msg);
	else
		rc = save(a[1], LI_DTYPE_F32, 2, g.n, dim, out) || save(a[2], LI_DTYPE_F64, 1, dim, 0, ev);
	if (r == 1)
		fprintf(stderr, "spectral: fallback\n");
	free(out);
	li_array_release(&ip);
	li_array_release(&ix);
	li_array_release(&w);
	return rc;
}

static int cmd_fit(char **a)
{
	li_array x = { 0 };
	li_err e = { 0 };
	if (load(a[0], LI_DTYPE_F32, &x))
		return 1;
	if (x.rank != 2) {
		fprintf(stderr, "umap-tool: %s: not a matrix\n", a[0]);
		li_array_release(&x);
		return 1;
	}
	li_umap_model *m = li_umap_fit(x.data, x.shape[0], x.shape[1], &P, &e);
	li_array_release(&x);
	if (!m) {
		fprintf(stderr, "umap-tool: fit: %s\n", e.msg);
		return 1;
	}
	fprintf(stderr, "knn: %s\nneighbors: %d\n", m->knn_used == LI_KNN_EXACT ? "exact" : "approx",
		m->params.n_neighbors);
	int rc = save_model(m, a[1]);
	li_umap_free(m);
	return rc;
}

static int cmd_transform(char **a)
{
	li_umap_model *m = load_model(a[0], a[1]);
	li_array q = { 0 };
	li_err e = { 0 };
	int rc = 1;
	if (!m || load(a[2], LI_DTYPE_F32, &q))
		goto out;
	if (q.rank != 2 || q.shape[1] != m->d) {
		fprintf(stderr, "umap-tool: %s: rows do not match the model\n", a[2]);
		goto out;
	}
	float *o = malloc(sizeof(float) * (size_t)(q.shape[0] * m->dim));
	if (!o || li_umap_transform(m, q.data, q.shape[0], o, &e))
		fprintf(stderr, "umap-tool: transform: %s\n", e.msg);
	else
		rc = save(a[3], LI_DTYPE_F32, 2, q.shape[0], m->dim, o);
	free(o);
out:
	li_array_release(&q);
	li_umap_free(m);
	return rc;
}

static int cmd_inverse(char **a)
{
	li_umap_model *m = load_model(a[0], a[1]);
	li_array y = { 0 };
	li_err e = { 0 };
	int rc = 1;
	if (!m || load(a[2], LI_DTYPE_F32, &y))
		goto out;
	if (y.rank != 2 || y.shape[1] != m->dim) {
		fprintf(stderr, "umap-tool: %s: points do not match the embedding\n", a[2]);
		goto out;
	}
	float *o = malloc(sizeof(float) * (size_t)(y.shape[0] * m->d));
	uint8_t *outside = malloc((size_t)y.shape[0] + 1);
	if (!o || !outside || li_umap_inverse(m, y.data, y.shape[0], o, outside, &e))
		fprintf(stderr, "umap-tool: inverse: %s\n", e.msg);
	else
		rc = save(a[3], LI_DTYPE_F32, 2, y.shape[0], m->d, o) ||
			save(a[4], LI_DTYPE_U8, 1, y.shape[0], 0, outside);
	free(o);
	free(outside);
out:
	li_array_release(&y);
	li_umap_free(m);
	return rc;
}

int main(int argc, char **argv)
{
	li_umap_params_default(&P);
	int i = 1;
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];
		if (!strcmp(o, "--seed"))
			P.seed = strtoull(v, NULL, 10);
		else if (!strcmp(o, "--threads"))
			P.threads = atoi(v);
		else if (!strcmp(o, "--epochs"))
			P.n_epochs = atoi(v);
		else if (!strcmp(o, "--neighbors"))
			P.n_neighbors = atoi(v);
		else if (!strcmp(o, "--dim"))
			P.n_components = atoi(v);
		else if (!strcmp(o, "--min-dist"))
			P.min_dist = atof(v);
		else if (!strcmp(o, "--knn"))
			P.knn_method = !strcmp(v, "exact") ? LI_KNN_EXACT : !strcmp(v, "approx") ? LI_KNN_APPROX : LI_KNN_AUTO;
		else {
			fprintf(stderr, "umap-tool: unknown option %s\n", o);
			return 2;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: umap-tool [OPTS] knn|fuzzy|ab|spectral|fit|transform|inverse ARGS\n");
		return 2;
	}
	const char *c = argv[i];
	char **a = argv + i + 1;
	int na = argc - i - 1;
	if (!strcmp(c, "knn") && na == 3)
		return cmd_knn(a);
	if (!strcmp(c, "fuzzy") && na == 3)
		return cmd_fuzzy(a);
	if (!strcmp(c, "ab") && na == 2) {
		double av, bv;
		if (li_umap_find_ab(atof(a[1]), atof(a[0]), &av, &bv))
			return 1;
		printf("%.10g %.10g\n", av, bv);
		return 0;
	}
	if (!strcmp(c, "spectral") && na == 3)
		return cmd_spectral(a);
	if (!strcmp(c, "fit") && na == 2)
		return cmd_fit(a);
	if (!strcmp(c, "transform") && na == 4)
		return cmd_transform(a);
	if (!strcmp(c, "inverse") && na == 5)
		return cmd_inverse(a);
	fprintf(stderr, "umap-tool: bad command or argument count\n");
	return 2;
}
