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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "li.h"
#include "reduce_internal.h"

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

int main(void)
{
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
