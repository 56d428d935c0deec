/*
 * PCA, trustworthiness and map files on examples worked out by hand.
 *
 * PCA: the points (3,0,5), (-3,0,5), (0,1,5), (0,-1,5) have mean (0,0,5), variances
 * 6 and 2/3 along x and y and none along z, so the components are the x and y axes,
 * the explained variances 6 and 2/3, their ratios 0.9 and 0.1, and the coordinates the
 * x, y of each point. Signs: the largest |score| (3 at row 0, 1 at row 2) is positive.
 *
 * Trustworthiness, k = 1: x = 0, 1, 3, 6, 10 (one column) embedded as y = 10, 1, 3, 6,
 * 0 (first and last swapped). The embedding's nearest neighbours and their ranks in x:
 * 0 -> 3 (rank 3), 1 -> 4 (rank 4), 2 -> 1 (1), 3 -> 2 (1), 4 -> 1 (rank 3); the excess
 * over k sums to 2 + 3 + 2 = 7, so T = 1 - 7 * 2 / (5 * 1 * (10 - 3 - 1)) = 8/15.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "li.h"
#include "reduce_internal.h"
#include "rng.h"
#include "umap.h"

static const double pts[4][3] = {{3, 0, 5}, {-3, 0, 5}, {0, 1, 5}, {0, -1, 5}};

static void check_pca(const char *solver, int whiten)
{
	char what[64];
	li_err err = {0};
	double y[8];
	int64_t rs = 3;
	li_reduce_opts o = {.dims = 2, .solver = solver, .whiten = whiten};
	li_map *m = li_reduce_fit(&o, &pts[0][0], 4, 3, 1, &rs, y, &err);
	snprintf(what, sizeof what, "%s%s fit", solver, whiten ? " whitened" : "");
	CHECK(m != NULL, "%s: %s", what, err.msg);
	if (!m)
		return;
	double sx = whiten ? sqrt(6.0) : 1, sy = whiten ? sqrt(2.0 / 3) : 1;
	const double want[8] = {3 / sx, 0, -3 / sx, 0, 0, 1 / sy, 0, -1 / sy};
	double worst = 0;
	for (int i = 0; i < 8; i++)
		worst = fmax(worst, fabs(y[i] - want[i]));
	CHECK(worst < 1e-12, "%s: coordinates (max error %g)", what, worst);
	CHECK(strstr(li_map_quality(m), "\"explained_variance_ratio\":[0.9") != NULL ||
	      strstr(li_map_quality(m), "\"explained_variance_ratio\":[0.8999") != NULL,
	      "%s: ratios in %s", what, li_map_quality(m));
	double back[6], p[2] = {1, 2};
	CHECK_INT(li_map_inverse(m, p, 1, back, &err), 0, "inverse");
	CHECK_NEAR(back[0], 1 * sx, 1e-12, "inverse x");
	CHECK_NEAR(back[1], 2 * sy, 1e-12, "inverse y");
	CHECK_NEAR(back[2], 5, 1e-12, "inverse z (the mean)");
	const double *e = li_map_extent(m);
	CHECK(e[0] == want[2] && e[1] == want[7] && e[2] == want[0] && e[3] == want[5],
	      "%s: extent", what);
	li_map_free(m);
}

static void check_mapfile(void)
{
	li_err err = {0};
	double y[8], t[8];
	int64_t rs[2] = {1, 3};
	li_reduce_opts o = {.dims = 2, .whiten = 1};
	li_map *m = li_reduce_fit(&o, &pts[0][0], 4, 3, 2, rs, y, &err);
	char path[] = "/tmp/li-test-map-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	CHECK(m && li_map_save(m, path, &err) == 0, "save: %s", err.msg);
	li_map *l = li_map_load(path, &err);
	CHECK(l != NULL, "load: %s", err.msg);
	if (m && l) {
		int rank;
		const int64_t *shape = li_map_row_shape(l, &rank);
		CHECK(rank == 2 && shape[0] == 1 && shape[1] == 3, "row shape kept");
		CHECK_INT(li_map_dims(l), 2, "dims");
		CHECK_INT(li_map_features(l), 3, "features");
		CHECK_INT(li_map_rows(l), 4, "rows");
		CHECK(!strcmp(li_map_method(l), "pca"), "method");
		CHECK(!strcmp(li_map_params(l), li_map_params(m)), "params kept");
		CHECK(!strcmp(li_map_quality(l), li_map_quality(m)), "quality kept");
		CHECK(!memcmp(li_map_extent(l), li_map_extent(m), 4 * sizeof(double)), "extent");
		CHECK(li_map_transform(l, &pts[0][0], 4, t, &err) == 0 && !memcmp(t, y, sizeof y),
		      "a loaded map transforms the training rows to the same coordinates");
		CHECK(li_map_has_inverse(l, NULL), "pca inverts");
		li_map *h = li_map_load_info(path, &err);
		const char *why = NULL;
		CHECK(h && li_map_dims(h) == 2 && li_map_features(h) == 3 &&
		      !memcmp(li_map_extent(h), li_map_extent(m), 4 * sizeof(double)),
		      "load_info: root attributes");
		CHECK(h && !li_map_has_inverse(h, &why) && why &&
		      !strcmp(why, "map loaded without its datasets"), "load_info: no inverse");
		li_err_clear(&err);
		CHECK(h && li_map_transform(h, &pts[0][0], 4, t, &err) < 0, "load_info: no transform");
		li_map_free(h);
	}
	li_map_free(l);
	li_map_free(m);
	unlink(path);
	li_err_clear(&err);
	CHECK(li_map_load("/nonexistent/map.h5", &err) == NULL && err.code == LI_EIO,
	      "a missing file: %s", err.msg);
	li_map_free(NULL);
}

/* the dataset helpers a method's save/load use: types, shapes, refusals */
static void check_datasets(void)
{
	li_err err = {0};
	char path[] = "/tmp/li-test-ds-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	const int64_t iv[3] = {-1, 1LL << 40, 7}, d3 = 3, d22[2] = {2, 2};
	const float fv[4] = {0.5f, -1, 3, 4};
	CHECK(li_mapfile_write(f, "i", LI_DTYPE_I64, 1, &d3, iv, &err) == 0, "write int64");
	CHECK(li_mapfile_write(f, "g", LI_DTYPE_F32, 2, d22, fv, &err) == 0, "write float32");
	int64_t ib[3], dims[LI_MAX_RANK];
	double gb[4];
	int rank = 0;
	CHECK(li_mapfile_read(f, "i", LI_DTYPE_I64, 1, &d3, ib, &err) == 0 && !memcmp(ib, iv, sizeof iv),
	      "int64 round trip");
	CHECK(li_mapfile_read(f, "g", LI_DTYPE_F64, 2, d22, gb, &err) == 0 && gb[0] == 0.5 && gb[3] == 4,
	      "float32 read as float64");
	CHECK(li_mapfile_shape(f, "g", &rank, dims, &err) == 0 && rank == 2 && dims[0] == 2 &&
	      dims[1] == 2, "shape of a dataset");
	li_err_clear(&err);
	CHECK(li_mapfile_read(f, "i", LI_DTYPE_I64, 1, d22, ib, &err) < 0 &&
	      !strcmp(err.msg, "dataset 'i' has the wrong shape"), "wrong shape: %s", err.msg);
	li_err_clear(&err);
	CHECK(li_mapfile_shape(f, "nope", &rank, dims, &err) < 0 && !strcmp(err.msg, "no 'nope' dataset"),
	      "missing dataset: %s", err.msg);
	H5Fclose(f);
	unlink(path);
}

/*
 * li_reduce_fit_f32 takes float32 rows: UMAP keeps them as its training rows (no copy)
 * and gives the same map as li_reduce_fit on the same rows in float64; PCA converts and
 * gives the same coordinates too (rows exact in both types). Bad rows are refused and
 * the taken buffer freed (ASan's leak check sees it).
 */
static void check_fit_f32(void)
{
	enum { N = 300, D = 6 };
	double *xd = malloc(sizeof(double) * N * D), yd[N * 2], yf[N * 2];
	float *xf = malloc(sizeof(float) * N * D);
	li_rng r = li_rng_stream(7, 0);
	for (int i = 0; i < N * D; i++) {
		/* three clumps, values exact in float32 */
		xf[i] = (float)((i / D) % 3 * 4) + (float)(int)(li_rng_normal(&r) * 256) / 256;
		xd[i] = xf[i];
	}
	int64_t rs = D;
	li_err err = {0};
	li_reduce_opts o = {.method = "umap", .seed = 3, .epochs = 20, .trust_rows = 100};
	CHECK(li_reduce_wants_f32(&o) == 1, "umap fits float32 rows");
	li_map *a = li_reduce_fit(&o, xd, N, D, 1, &rs, yd, &err);
	CHECK(a != NULL, "umap fit on float64: %s", err.msg);
	const float *kept = xf;
	li_map *b = li_reduce_fit_f32(&o, xf, N, D, 1, &rs, yf, &err);
	CHECK(b != NULL, "umap fit on float32: %s", err.msg);
	CHECK(memcmp(yd, yf, sizeof yd) == 0, "same coordinates from float32 and float64 rows");
	CHECK(b && strcmp(li_map_quality(a), li_map_quality(b)) == 0, "same quality: %s / %s",
	      li_map_quality(a), b ? li_map_quality(b) : "");
	CHECK(b && ((li_umap_model *)b->state)->x == kept, "the model keeps the rows given");
	li_map_free(a);
	li_map_free(b);
	o.auto_tune = 1;
	CHECK(li_reduce_wants_f32(&o) == 0, "--auto works on float64 rows");
	li_reduce_opts p = {.method = "pca"};
	CHECK(li_reduce_wants_f32(&p) == 0, "pca works on float64 rows");
	float *xp = malloc(sizeof(float) * N * D);
	for (int i = 0; i < N * D; i++)
		xp[i] = (float)xd[i];
	a = li_reduce_fit(&p, xd, N, D, 1, &rs, yd, &err);
	b = li_reduce_fit_f32(&p, xp, N, D, 1, &rs, yf, &err);
	CHECK(a && b && memcmp(yd, yf, sizeof yd) == 0, "pca: the same from float32 rows");
	li_map_free(a);
	li_map_free(b);
	float *bad = malloc(sizeof(float) * N * D);
	for (int i = 0; i < N * D; i++)
		bad[i] = i == 5 * D + 2 ? NAN : 1;
	li_err_clear(&err);
	o.auto_tune = 0;
	CHECK(li_reduce_fit_f32(&o, bad, N, D, 1, &rs, yf, &err) == NULL, "a NaN is refused");
	CHECK(strstr(err.msg, "row 5: not a finite number") != NULL, "message: %s", err.msg);
	free(xd);
}

int main(void)
{
	check_fit_f32();
	check_datasets();
	check_pca("eig", 0);
	check_pca("svd", 0);
	check_pca("randomized", 0);
	check_pca("eig", 1);
	check_mapfile();

	li_err err = {0};
	const double x[5] = {0, 1, 3, 6, 10}, y[5] = {10, 1, 3, 6, 0};
	CHECK_NEAR(li_trust(x, 5, 1, y, 1, 1, &err), 8.0 / 15, 1e-15, "trustworthiness k=1");
	CHECK_NEAR(li_trust(x, 5, 1, x, 1, 1, &err), 1, 1e-15, "identity embedding");
	CHECK(li_trust(x, 5, 1, y, 1, 3, &err) < 0, "k >= n/2 refused: %s", err.msg);
	return check_done();
}
