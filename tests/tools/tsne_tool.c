/*
 * Test driver for lib/tsne*.c: runs the t-SNE library on .npy files so shell tests can
 * compare with numpy and scikit-learn. The kNN graphs come from the exact brute-force
 * search below (double precision, ties by lower index), not from lib/.
 *
 *   tsne_tool cond X PERP P.npy DIST.npy        conditional P (n x k f64), distances (f32)
 *   tsne_tool grad X Y PERP THETA PJ.npy G.npy  dense joint P (f64), gradient at Y (f64);
 *                                               prints "KL Z"; THETA 0: exact, "fft": FFT"
 *   tsne_tool pca X DIMS OUT.npy                PCA initialisation (f32)
 *   tsne_tool fit X OUT.npy [options]           prints KL, perplexity, k, method
 *       --perplexity P --dims D --threads T --exact-max N --fft-min N --early-iter N --iter N
 *       --init pca|random --seed S
 *   tsne_tool transform XTRAIN YTRAIN XNEW OUT.npy [--threads T] [--exact-max N]
 *   tsne_tool inverse XTRAIN YTRAIN PTS OUT.npy [K]
 *   tsne_tool auto X OUT.npy [--threads T] [--perplexity P]
 *                                               self-tuning scored by trustworthiness@10
 *                                               (computed here, as scikit-learn defines it);
 *                                               prints "perplexity score kl [default]" per
 *                                               candidate, then "chosen P"
 * Inputs are converted to float32 (Y for grad: float64). Errors: one line, exit 1.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "li.h"
#include "tsne.h"

static int fail(const char *what, const li_err *e)
{
	fprintf(stderr, "tsne_tool: error: %s%s%s\n", what ? what : "", what ? ": " : "",
		e ? e->msg : "");
	return 1;
}

static int load(const char *path, li_array *a, li_dtype t, li_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return li_err_set(err, LI_EIO, "cannot open '%s'", path);
	int rc = li_npy_load(f, a, (int)t, err);
	fclose(f);
	if (rc == 0 && a->rank != 2)
		rc = li_err_set(err, LI_EDATA, "'%s' is not a 2-d array", path);
	return rc;
}

static int save(const char *path, li_dtype t, int64_t rows, int64_t cols, void *data,
		li_err *err)
{
	li_array a = {.dtype = t, .rank = 2, .shape = {rows, cols}, .data = data};
	FILE *f = fopen(path, "wb");
	if (!f)
		return li_err_set(err, LI_EIO, "cannot write '%s'", path);
	int rc = li_npy_save(f, &a, err);
	if (fclose(f) != 0 && rc == 0)
		rc = li_err_set(err, LI_EIO, "cannot write '%s'", path);
	return rc;
}

typedef struct cand {
	double d;
	int64_t j;
} cand;

static int cmp_cand(const void *a, const void *b)
{
	const cand *x = a, *y = b;
	if (x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

static int cand_less(double d, int64_t j, const cand *c)
{
	return d < c->d || (d == c->d && j < c->j);
}

/* Exact kNN of the q rows Q among the n rows R (width d); self (same index) excluded when
 * self is set. idx, dist: q*k. A sorted top-k list per row, ties by lower index. */
static int knn(const float *Q, int64_t q, const float *R, int64_t n, int64_t d, int k, int self,
	       int64_t *idx, float *dist)
{
	cand *c = malloc((size_t)k * sizeof *c);
	if (!c)
		return -1;
	for (int64_t i = 0; i < q; i++) {
		int m = 0;
		for (int64_t j = 0; j < n; j++) {
			if (self && j == i)
				continue;
			double s = 0;
			for (int64_t a = 0; a < d; a++) {
				double t = (double)Q[i * d + a] - (double)R[j * d + a];
				s += t * t;
			}
			if (m == k && !cand_less(s, j, &c[k - 1]))
				continue;
			int at = m < k ? m++ : k - 1;
			while (at > 0 && cand_less(s, j, &c[at - 1])) {
				c[at] = c[at - 1];
				at--;
			}
			c[at] = (cand){s, j};
		}
		for (int a = 0; a < k; a++) {
			idx[i * k + a] = c[a].j;
			dist[i * k + a] = (float)sqrt(c[a].d);
		}
	}
	free(c);
	return 0;
}

/* The self-kNN graph of X for a fit with this perplexity; caller frees idx and dist. */
static int graph(const li_array *X, double perp, li_tsne_knn *g, int64_t **idx, float **dist,
		 li_err *err)
{
	int64_t n = X->shape[0];
	if (n < 2)
		return li_err_set(err, LI_EDATA, "t-sne needs at least 2 rows, got %lld", (long long)n);
	int k = li_tsne_neighbors(n, perp, NULL);
	*idx = malloc((size_t)n * (size_t)k * sizeof **idx);
	*dist = malloc((size_t)n * (size_t)k * sizeof **dist);
	if (!*idx || !*dist || knn(X->data, n, X->data, n, X->shape[1], k, 1, *idx, *dist) < 0)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	*g = (li_tsne_knn){n, k, *idx, *dist};
	return 0;
}

static int cmd_cond(int argc, char **argv, li_err *err)
{
	if (argc != 6)
		return li_err_set(err, LI_EUSAGE, "usage: cond X PERP P.npy DIST.npy");
	li_array X = {0};
	int64_t *idx = NULL;
	float *dist = NULL;
	double *P = NULL, perp = atof(argv[3]), used;
	li_tsne_knn g;
	int rc = load(argv[2], &X, LI_DTYPE_F32, err);
	if (rc == 0)
		rc = graph(&X, perp, &g, &idx, &dist, err);
	if (rc == 0) {
		li_tsne_neighbors(X.shape[0], perp, &used);
		P = malloc((size_t)g.n * (size_t)g.k * sizeof *P);
		rc = P ? li_tsne_conditional(&g, g.k, used, 2, P, NULL, err)
		       : li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = save(argv[4], LI_DTYPE_F64, g.n, g.k, P, err);
	if (rc == 0)
		rc = save(argv[5], LI_DTYPE_F32, g.n, g.k, dist, err);
	li_array_release(&X);
	free(idx);
	free(dist);
	free(P);
	return rc;
}

static int cmd_grad(int argc, char **argv, li_err *err)
{
	if (argc != 8)
		return li_err_set(err, LI_EUSAGE, "usage: grad X Y PERP THETA PJ.npy G.npy");
	li_array X = {0}, Y = {0};
	int64_t *idx = NULL;
	float *dist = NULL;
	double *C = NULL, *G = NULL, *dense = NULL, perp = atof(argv[4]), used;
	/* THETA: 0 exact, "fft" the FFT method, else Barnes-Hut with that theta */
	double theta = atof(argv[5]), Z = 0, kl = 0;
	int method = !strcmp(argv[5], "fft") ? LI_TSNE_FFT : theta > 0 ? LI_TSNE_BH : LI_TSNE_EXACT;
	li_tsne_sparse P = {0};
	li_tsne_knn g;
	int rc = load(argv[2], &X, LI_DTYPE_F32, err);
	if (rc == 0)
		rc = load(argv[3], &Y, LI_DTYPE_F64, err);
	if (rc == 0 && Y.shape[0] != X.shape[0])
		rc = li_err_set(err, LI_EDATA, "X and Y differ in rows");
	if (rc == 0)
		rc = graph(&X, perp, &g, &idx, &dist, err);
	int64_t n = X.shape[0];
	int D = rc == 0 ? (int)Y.shape[1] : 0;
	if (rc == 0) {
		li_tsne_neighbors(n, perp, &used);
		C = malloc((size_t)n * (size_t)g.k * sizeof *C);
		G = malloc((size_t)n * (size_t)D * sizeof *G);
		dense = calloc((size_t)n * (size_t)n, sizeof *dense);
		if (!C || !G || !dense)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = li_tsne_conditional(&g, g.k, used, 1, C, NULL, err);
	if (rc == 0)
		rc = li_tsne_joint(&g, g.k, C, 0, &P, err);
	if (rc == 0)
		rc = li_tsne_gradient(&P, 1, Y.data, D, method, theta, 2, G, &Z, err);
	if (rc == 0)
		rc = li_tsne_kl(&P, Y.data, D, method, theta, 2, &kl, err);
	if (rc == 0) {
		for (int64_t i = 0; i < n; i++)
			for (int64_t e = P.rowptr[i]; e < P.rowptr[i + 1]; e++)
				dense[i * n + P.col[e]] = P.val[e];
		rc = save(argv[6], LI_DTYPE_F64, n, n, dense, err);
	}
	if (rc == 0)
		rc = save(argv[7], LI_DTYPE_F64, n, D, G, err);
	if (rc == 0)
		printf("%.17g %.17g\n", kl, Z);
	li_tsne_sparse_release(&P);
	li_array_release(&X);
	li_array_release(&Y);
	free(idx);
	free(dist);
	free(C);
	free(G);
	free(dense);
	return rc;
}

static int cmd_pca(int argc, char **argv, li_err *err)
{
	if (argc != 5)
		return li_err_set(err, LI_EUSAGE, "usage: pca X DIMS OUT.npy");
	li_array X = {0};
	int dims = atoi(argv[3]);
	float *Y = NULL;
	int rc = load(argv[2], &X, LI_DTYPE_F32, err);
	if (rc == 0) {
		Y = malloc((size_t)X.shape[0] * (size_t)(dims > 0 ? dims : 1) * sizeof *Y);
		rc = Y ? li_tsne_pca_init(X.data, X.shape[0], X.shape[1], dims, Y, err)
		       : li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = save(argv[4], LI_DTYPE_F32, X.shape[0], dims, Y, err);
	li_array_release(&X);
	free(Y);
	return rc;
}

static void progress(void *ctx, const char *stage, int64_t done, int64_t total)
{
	(void)ctx;
	if (getenv("TSNE_TOOL_PROGRESS"))
		fprintf(stderr, "%s: %lld of %lld\n", stage, (long long)done, (long long)total);
}

static int cmd_fit(int argc, char **argv, li_err *err)
{
	if (argc < 4)
		return li_err_set(err, LI_EUSAGE, "usage: fit X OUT.npy [options]");
	li_tsne_params p;
	li_tsne_params_init(&p);
	p.progress.fn = progress;
	int random = 0;
	uint64_t seed = 0;
	for (int a = 4; a + 1 < argc + 1; a += 2) {
		if (a + 1 >= argc)
			return li_err_set(err, LI_EUSAGE, "option '%s' needs a value", argv[a]);
		const char *o = argv[a], *v = argv[a + 1];
		if (!strcmp(o, "--perplexity"))
			p.perplexity = atof(v);
		else if (!strcmp(o, "--dims"))
			p.dims = atoi(v);
		else if (!strcmp(o, "--threads"))
			p.threads = atoi(v);
		else if (!strcmp(o, "--exact-max"))
			p.exact_max = atoll(v);
		else if (!strcmp(o, "--fft-min"))
			p.fft_min = atoll(v);
		else if (!strcmp(o, "--early-iter"))
			p.early_iter = atoi(v);
		else if (!strcmp(o, "--iter"))
			p.n_iter = atoi(v);
		else if (!strcmp(o, "--init"))
			random = !strcmp(v, "random");
		else if (!strcmp(o, "--seed"))
			seed = strtoull(v, NULL, 10);
		else
			return li_err_set(err, LI_EUSAGE, "unknown option '%s'", o);
	}
	li_array X = {0};
	int64_t *idx = NULL;
	float *dist = NULL, *Y = NULL;
	li_tsne_knn g;
	li_tsne_info info;
	int rc = load(argv[2], &X, LI_DTYPE_F32, err);
	if (rc == 0 && (p.dims < 1 || p.dims > 3))
		rc = li_err_set(err, LI_EUSAGE, "t-sne embeds into 1 to 3 dimensions, not %d", p.dims);
	if (rc == 0)
		rc = graph(&X, p.perplexity, &g, &idx, &dist, err);
	if (rc == 0) {
		Y = malloc((size_t)X.shape[0] * (size_t)p.dims * sizeof *Y);
		if (!Y)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0) {
		if (random)
			li_tsne_random_init(seed, X.shape[0], p.dims, Y);
		else
			rc = li_tsne_pca_init(X.data, X.shape[0], X.shape[1], p.dims, Y, err);
	}
	if (rc == 0)
		rc = li_tsne_fit(&p, &g, Y, &info, err);
	if (rc == 0)
		rc = save(argv[3], LI_DTYPE_F32, X.shape[0], p.dims, Y, err);
	if (rc == 0)
		printf("%.9g %.9g %d %d\n", info.kl, info.perplexity, info.k, info.method);
	li_array_release(&X);
	free(idx);
	free(dist);
	free(Y);
	return rc;
}

static int model(const char *xp, const char *yp, li_tsne_model **m, li_err *err)
{
	li_array X = {0}, Y = {0};
	int rc = load(xp, &X, LI_DTYPE_F32, err);
	if (rc == 0)
		rc = load(yp, &Y, LI_DTYPE_F32, err);
	if (rc == 0 && X.shape[0] != Y.shape[0])
		rc = li_err_set(err, LI_EDATA, "training rows and embedding differ in rows");
	if (rc == 0) {
		*m = li_tsne_model_new(X.shape[0], X.shape[1], (int)Y.shape[1], X.data, Y.data, 30,
				       err);
		if (!*m)
			rc = err->code;
	}
	li_array_release(&X);
	li_array_release(&Y);
	return rc;
}

static int cmd_transform(int argc, char **argv, li_err *err)
{
	if (argc < 6)
		return li_err_set(err, LI_EUSAGE, "usage: transform XTRAIN YTRAIN XNEW OUT.npy");
	li_tsne_place_params p;
	li_tsne_place_params_init(&p);
	for (int a = 6; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--threads"))
			p.threads = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--exact-max"))
			p.exact_max = atoll(argv[a + 1]);
	}
	li_tsne_model *m = NULL;
	li_array N = {0};
	int64_t *idx = NULL;
	float *dist = NULL, *Y = NULL;
	int rc = model(argv[2], argv[3], &m, err);
	if (rc == 0)
		rc = load(argv[4], &N, LI_DTYPE_F32, err);
	if (rc == 0 && N.shape[1] != m->d)
		rc = li_err_set(err, LI_EDATA, "new rows have %lld values, the map %lld",
				(long long)N.shape[1], (long long)m->d);
	int k = 0;
	if (rc == 0) {
		k = (int)(m->n < 25 ? m->n : 25);
		idx = malloc((size_t)N.shape[0] * (size_t)k * sizeof *idx + 1);
		dist = malloc((size_t)N.shape[0] * (size_t)k * sizeof *dist + 1);
		Y = malloc((size_t)N.shape[0] * (size_t)m->dims * sizeof *Y + 1);
		if (!idx || !dist || !Y ||
		    knn(N.data, N.shape[0], m->x, m->n, m->d, k, 0, idx, dist) < 0)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0) {
		li_tsne_knn g = {N.shape[0], k, idx, dist};
		rc = li_tsne_transform(m, &g, &p, Y, err);
	}
	if (rc == 0)
		rc = save(argv[5], LI_DTYPE_F32, N.shape[0], m->dims, Y, err);
	li_tsne_model_free(m);
	li_array_release(&N);
	free(idx);
	free(dist);
	free(Y);
	return rc;
}

static int cmd_inverse(int argc, char **argv, li_err *err)
{
	if (argc != 6 && argc != 7)
		return li_err_set(err, LI_EUSAGE, "usage: inverse XTRAIN YTRAIN PTS OUT.npy [K]");
	li_tsne_model *m = NULL;
	li_array P = {0};
	float *X = NULL;
	int k = argc == 7 ? atoi(argv[6]) : 10;
	int rc = model(argv[2], argv[3], &m, err);
	if (rc == 0)
		rc = load(argv[4], &P, LI_DTYPE_F32, err);
	if (rc == 0 && P.shape[1] != m->dims)
		rc = li_err_set(err, LI_EDATA, "points have %lld coordinates, the map %d",
				(long long)P.shape[1], m->dims);
	if (rc == 0) {
		X = malloc((size_t)P.shape[0] * (size_t)m->d * sizeof *X + 1);
		rc = X ? li_tsne_inverse(m, P.data, P.shape[0], k, 2, X, err)
		       : li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = save(argv[5], LI_DTYPE_F32, P.shape[0], m->d, X, err);
	li_tsne_model_free(m);
	li_array_release(&P);
	free(X);
	return rc;
}

typedef struct trust_ctx {
	const float *X;
	int64_t d;
} trust_ctx;

/* scikit-learn's trustworthiness with k = 10: ranks of the input-space distances (ties by
 * index, as a stable argsort), summed over embedding neighbours that are not input ones */
static int trust(void *vctx, const float *Y, int64_t n, int dims, double *out, li_err *err)
{
	trust_ctx *c = vctx;
	int k = 10;
	if (n < 2 * k + 2)
		k = (int)(n / 2 - 1);
	cand *in = malloc((size_t)n * sizeof *in), *em = malloc((size_t)n * sizeof *em);
	int64_t *rank = malloc((size_t)n * sizeof *rank);
	if (!in || !em || !rank) {
		free(in);
		free(em);
		free(rank);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	double t = 0;
	for (int64_t i = 0; i < n; i++) {
		for (int64_t j = 0; j < n; j++) {
			double s = 0, e = 0;
			for (int64_t a = 0; a < c->d; a++) {
				double v = (double)c->X[i * c->d + a] - c->X[j * c->d + a];
				s += v * v;
			}
			for (int a = 0; a < dims; a++) {
				double v = (double)Y[i * dims + a] - Y[j * dims + a];
				e += v * v;
			}
			in[j] = (cand){j == i ? -1 : s, j};
			em[j] = (cand){j == i ? -1 : e, j};
		}
		qsort(in, (size_t)n, sizeof *in, cmp_cand);
		qsort(em, (size_t)n, sizeof *em, cmp_cand);
		for (int64_t r = 0; r < n; r++)
			rank[in[r].j] = r; /* self has rank 0 */
		for (int a = 1; a <= k; a++) {
			int64_t r = rank[em[a].j];
			if (r > k)
				t += (double)(r - k);
		}
	}
	*out = 1 - t * 2.0 / ((double)n * k * (2.0 * n - 3.0 * k - 1.0));
	free(in);
	free(em);
	free(rank);
	return 0;
}

static int cmd_auto(int argc, char **argv, li_err *err)
{
	if (argc < 4)
		return li_err_set(err, LI_EUSAGE, "usage: auto X OUT.npy [options]");
	li_tsne_params p;
	li_tsne_params_init(&p);
	for (int a = 4; a + 1 < argc; a += 2) {
		if (!strcmp(argv[a], "--threads"))
			p.threads = atoi(argv[a + 1]);
		else if (!strcmp(argv[a], "--perplexity"))
			p.perplexity = atof(argv[a + 1]);
	}
	li_array X = {0};
	int64_t *idx = NULL;
	float *dist = NULL, *init = NULL, *Y = NULL;
	li_tsne_auto_result res;
	int rc = load(argv[2], &X, LI_DTYPE_F32, err);
	int64_t n = rc == 0 ? X.shape[0] : 0;
	int k = 0;
	if (rc == 0 && n < 2)
		rc = li_err_set(err, LI_EDATA, "t-sne needs at least 2 rows, got %lld", (long long)n);
	if (rc == 0) {
		k = li_tsne_auto_neighbors(n, p.perplexity);
		idx = malloc((size_t)n * (size_t)k * sizeof *idx);
		dist = malloc((size_t)n * (size_t)k * sizeof *dist);
		init = malloc((size_t)n * 2 * sizeof *init);
		Y = malloc((size_t)n * 2 * sizeof *Y);
		if (!idx || !dist || !init || !Y ||
		    knn(X.data, n, X.data, n, X.shape[1], k, 1, idx, dist) < 0)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (rc == 0)
		rc = li_tsne_pca_init(X.data, n, X.shape[1], 2, init, err);
	if (rc == 0) {
		li_tsne_knn g = {n, k, idx, dist};
		trust_ctx c = {X.data, X.shape[1]};
		rc = li_tsne_auto(&p, &g, init, trust, &c, &res, Y, err);
	}
	if (rc == 0)
		rc = save(argv[3], LI_DTYPE_F32, n, 2, Y, err);
	if (rc == 0) {
		for (int a = 0; a < res.n_cand; a++)
			printf("%.9g %.9g %.9g%s\n", res.perplexity[a], res.score[a], res.kl[a],
			       res.is_default[a] ? " default" : "");
		printf("chosen %.9g\n", res.perplexity[res.chosen]);
		fprintf(stderr, "%s\n", res.why);
	}
	li_array_release(&X);
	free(idx);
	free(dist);
	free(init);
	free(Y);
	return rc;
}

int main(int argc, char **argv)
{
	li_err err;
	li_err_clear(&err);
	if (argc < 2) {
		fprintf(stderr, "usage: tsne_tool cond|grad|pca|fit|transform|inverse ...\n");
		return 2;
	}
	int rc;
	const char *c = argv[1];
	if (!strcmp(c, "cond"))
		rc = cmd_cond(argc, argv, &err);
	else if (!strcmp(c, "grad"))
		rc = cmd_grad(argc, argv, &err);
	else if (!strcmp(c, "pca"))
		rc = cmd_pca(argc, argv, &err);
	else if (!strcmp(c, "fit"))
		rc = cmd_fit(argc, argv, &err);
	else if (!strcmp(c, "transform"))
		rc = cmd_transform(argc, argv, &err);
	else if (!strcmp(c, "inverse"))
		rc = cmd_inverse(argc, argv, &err);
	else if (!strcmp(c, "auto"))
		rc = cmd_auto(argc, argv, &err);
	else
		rc = li_err_set(&err, LI_EUSAGE, "unknown command '%s'", c);
	if (rc < 0)
		return fail(NULL, &err);
	if (fclose(stdout) != 0)
		return 1;
	return 0;
}
