/*
 * Map-file root attributes for pictures and grids (see mapinfo.h). Will move onto
 * lib/mapfile.h (li_map's extent accessor and quality) when that lands.
 */
#include "mapinfo.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5attr.h"

/*
 * The number at key (or at the other spelling alt) in the quality object, or NaN. The
 * key names are not fixed by CONVENTIONS yet, so the likely spellings are all taken.
 */
static double quality_num(json_t *q, const char *key, const char *alt)
{
	json_t *v = json_object_get(q, key);
	if (!json_is_number(v))
		v = json_object_get(q, alt);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

int li_mapinfo_read(const char *path, li_mapinfo *mi, li_err *err)
{
	char *s = NULL;
	double *v = NULL;
	int rank, rc;
	int64_t shape[4];
	memset(mi, 0, sizeof *mi);
	mi->trust = mi->variance = mi->kl = NAN;
	if ((rc = li_h5attr_string(path, "li_format", &s, err)))
		goto out;
	if (strcmp(s, "li-map")) {
		rc = li_err_set(err, LI_EDATA, "not a map file (li_format is '%.40s')", s);
		goto out;
	}
	free(s);
	s = NULL;
	if ((rc = li_h5attr_f64(path, "li_version", &v, &rank, shape, err)))
		goto out;
	if (rank > 1 || shape[0] > 1 || v[0] != 1) {
		rc = li_err_set(err, LI_EDATA, "map file version %g is not supported (1 is)", v[0]);
		goto out;
	}
	free(v);
	v = NULL;
	if ((rc = li_h5attr_string(path, "method", &s, err)))
		goto out;
	if (strcmp(s, "pca") && strcmp(s, "umap") && strcmp(s, "tsne")) {
		rc = li_err_set(err, LI_EDATA, "unknown map method '%.40s'", s);
		goto out;
	}
	snprintf(mi->method, sizeof mi->method, "%s", s);
	free(s);
	s = NULL;
	if ((rc = li_h5attr_f64(path, "extent", &v, &rank, shape, err)))
		goto out;
	if (rank != 2 || shape[0] != 2 || shape[1] < 1 || shape[1] > LI_MAPINFO_MAX_DIMS) {
		rc = li_err_set(err, LI_EDATA, "the extent attribute is not a 2 x dims array");
		goto out;
	}
	mi->dims = (int)shape[1];
	for (int d = 0; d < mi->dims; d++) {
		mi->lo[d] = v[d];
		mi->hi[d] = v[mi->dims + d];
		if (!isfinite(mi->lo[d]) || !isfinite(mi->hi[d]) || mi->lo[d] > mi->hi[d]) {
			rc = li_err_set(err, LI_EDATA, "the extent of dimension %d is not a range", d);
			goto out;
		}
	}
	rc = li_h5attr_string(path, "quality", &s, err);
	if (rc == LI_EEND) { /* quality is optional */
		li_err_clear(err);
		rc = 0;
	} else if (!rc) {
		json_error_t je;
		json_t *q = json_loads(s, 0, &je);
		if (!json_is_object(q)) {
			json_decref(q);
			rc = li_err_set(err, LI_EDATA, "the quality attribute is not a JSON object");
			goto out;
		}
		mi->trust = quality_num(q, "trustworthiness", "trust");
		mi->variance = quality_num(q, "explained_variance", "explained_variance_ratio");
		mi->kl = quality_num(q, "kl_divergence", "kl");
		json_decref(q);
	}
out:
	free(s);
	free(v);
	return rc;
}

void li_mapinfo_summary(const li_mapinfo *mi, char *buf, size_t n)
{
	int k = snprintf(buf, n, "%s map", mi->method);
	if (k < 0 || (size_t)k >= n)
		return;
	if (!isnan(mi->trust))
		k += snprintf(buf + k, n - (size_t)k, ", trustworthiness %.3f", mi->trust);
	if ((size_t)k < n && !isnan(mi->variance))
		k += snprintf(buf + k, n - (size_t)k, ", explained variance %.3f", mi->variance);
	if ((size_t)k < n && !isnan(mi->kl))
		snprintf(buf + k, n - (size_t)k, ", KL %.3f", mi->kl);
}
