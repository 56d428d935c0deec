/*
 * Map files (li-map(5)): one HDF5 file per fitted map. The root carries
 * the attributes every method shares (li_format "li-map", li_version 1, method, params
 * and quality as JSON strings, row_shape, extent [2, dims]); the method's own datasets
 * sit beside them (PCA: mean, components, explained_variance), written by its ops.
 *
 * Files are byte-identical for the same map: object time tracking is off for the root
 * group and every dataset, the JSON is rendered with sorted-free insertion order and
 * 17 significant digits, and nothing else varies. A save goes to a temporary name in
 * the target's directory and is renamed into place, so no reader sees half a map.
 * Loading checks every attribute's type and shape before trusting it; HDF5's own error
 * printing is switched off so that the caller reports one line.
 */
#include "reduce_internal.h"

#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAP_FORMAT "li-map"
#define MAP_VERSION 1

li_map *li_map_new(const li_reduce_method *method, li_err *err)
{
	li_map *m = calloc(1, sizeof *m);
	if (!m) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	m->method = method;
	m->params = json_object();
	m->quality = json_object();
	if (!m->params || !m->quality) {
		li_map_free(m);
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	return m;
}

void li_map_free(li_map *m)
{
	if (!m)
		return;
	if (m->state && m->method && m->method->ops)
		m->method->ops->free_state(m->state);
	json_decref(m->params);
	json_decref(m->quality);
	free(m->params_text);
	free(m->quality_text);
	free(m->note);
	free(m);
}

#define JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(17))

int li_map_finish_text(li_map *m, li_err *err)
{
	free(m->params_text);
	free(m->quality_text);
	m->params_text = json_dumps(m->params, JSON_FLAGS);
	m->quality_text = json_dumps(m->quality, JSON_FLAGS);
	if (!m->params_text || !m->quality_text)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

const char *li_map_method(const li_map *m) { return m->method->name; }
int li_map_dims(const li_map *m) { return m->dims; }
int64_t li_map_features(const li_map *m) { return m->n_features; }
const double *li_map_extent(const li_map *m) { return m->extent; }
const char *li_map_params(const li_map *m) { return m->params_text; }
const char *li_map_quality(const li_map *m) { return m->quality_text; }
int64_t li_map_rows(const li_map *m) { return m->rows; }
const char *li_map_note(const li_map *m) { return m->note; }
void li_map_set_threads(li_map *m, int threads) { m->threads = threads; }

void li_map_title(const li_map *m, char *buf, size_t n)
{
	static const struct { const char *key, *what; } q[] = {
		{"trustworthiness", "trustworthiness"},
		{"explained_variance_ratio_sum", "explained variance"},
		{"kl_divergence", "KL"},
	};
	size_t used = 0;
	int w = snprintf(buf, n, "%s map", m->method->name);
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		json_t *v = json_object_get(m->quality, q[i].key);
		if (w < 0 || (used += (size_t)w) >= n)
			return;
		w = json_is_number(v) ? snprintf(buf + used, n - used, ", %s %.3f", q[i].what,
						 json_number_value(v)) : 0;
	}
}

const int64_t *li_map_row_shape(const li_map *m, int *rank)
{
	*rank = m->row_rank;
	return m->row_shape;
}

int li_map_can_transform(const li_map *m, const char **why)
{
	if (m->method->ops && !m->info_only)
		return 1;
	if (m->method->ops) {
		if (why)
			*why = "map loaded without its datasets";
		return 0;
	}
	if (why)
		*why = m->method->not_built;
	return 0;
}

int li_map_has_inverse(const li_map *m, const char **why)
{
	if (m->method->no_inverse) {
		if (why)
			*why = m->method->no_inverse;
		return 0;
	}
	if (!m->method->ops || m->info_only)
		return li_map_can_transform(m, why);
	if (!m->method->ops->inverse) {
		if (why)
			*why = "this method has no inverse";
		return 0;
	}
	return 1;
}

/* ---- writing ---- */

static int put_attr(hid_t loc, const char *name, hid_t type, hid_t space, const void *buf,
		    li_err *err)
{
	hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
	if (a < 0)
		return li_err_set(err, LI_EIO, "cannot create attribute '%s'", name);
	herr_t rc = H5Awrite(a, type, buf);
	H5Aclose(a);
	return rc < 0 ? li_err_set(err, LI_EIO, "cannot write attribute '%s'", name) : 0;
}

static int put_str(hid_t loc, const char *name, const char *s, li_err *err)
{
	hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate(H5S_SCALAR);
	int rc = -1;
	if (t >= 0 && sp >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 &&
	    H5Tset_cset(t, H5T_CSET_UTF8) >= 0)
		rc = put_attr(loc, name, t, sp, &s, err);
	else
		li_err_set(err, LI_EIO, "cannot create attribute '%s'", name);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	return rc;
}

static int put_array(hid_t loc, const char *name, hid_t type, int rank, const hsize_t *dims,
		     const void *buf, li_err *err)
{
	hid_t sp = H5Screate_simple(rank, dims, NULL);
	if (sp < 0)
		return li_err_set(err, LI_EIO, "cannot create attribute '%s'", name);
	int rc = put_attr(loc, name, type, sp, buf, err);
	H5Sclose(sp);
	return rc;
}

/* File and memory types for a dataset dtype; -1 when t is not one we store. */
static int h5_types(li_dtype t, hid_t *file, hid_t *mem)
{
	switch (t) {
	case LI_DTYPE_F64: *file = H5T_IEEE_F64LE; *mem = H5T_NATIVE_DOUBLE; return 0;
	case LI_DTYPE_F32: *file = H5T_IEEE_F32LE; *mem = H5T_NATIVE_FLOAT; return 0;
	case LI_DTYPE_I64: *file = H5T_STD_I64LE; *mem = H5T_NATIVE_INT64; return 0;
	case LI_DTYPE_I32: *file = H5T_STD_I32LE; *mem = H5T_NATIVE_INT32; return 0;
	default: return -1;
	}
}

int li_mapfile_write(hid_t loc, const char *name, li_dtype t, int rank, const int64_t *dims,
		     const void *data, li_err *err)
{
	hid_t ft, mt;
	if (h5_types(t, &ft, &mt) || rank < 0 || rank > LI_MAX_RANK)
		return li_err_set(err, LI_EUSAGE, "dataset '%s': unsupported type or rank", name);
	hsize_t hd[LI_MAX_RANK];
	for (int i = 0; i < rank; i++)
		hd[i] = (hsize_t)dims[i];
	hid_t sp = H5Screate_simple(rank, hd, NULL);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	hid_t ds = -1;
	int rc = -1;
	if (sp < 0 || dcpl < 0 || H5Pset_obj_track_times(dcpl, 0) < 0) {
		li_err_set(err, LI_EIO, "cannot create dataset '%s'", name);
		goto out;
	}
	ds = H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	if (ds < 0 || H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
		li_err_set(err, LI_EIO, "cannot write dataset '%s'", name);
		goto out;
	}
	rc = 0;
out:
	if (ds >= 0)
		H5Dclose(ds);
	if (dcpl >= 0)
		H5Pclose(dcpl);
	if (sp >= 0)
		H5Sclose(sp);
	return rc;
}

/* Opens dataset name with its space and type, checking that it is numeric. */
static hid_t open_dataset(hid_t loc, const char *name, hid_t *sp, hid_t *type, li_err *err)
{
	*sp = *type = -1;
	if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
		li_err_set(err, LI_EDATA, "no '%s' dataset", name);
		return -1;
	}
	hid_t ds = H5Dopen2(loc, name, H5P_DEFAULT);
	*sp = ds >= 0 ? H5Dget_space(ds) : -1;
	*type = ds >= 0 ? H5Dget_type(ds) : -1;
	H5T_class_t c = *type >= 0 ? H5Tget_class(*type) : H5T_NO_CLASS;
	int rank = *sp >= 0 ? H5Sget_simple_extent_ndims(*sp) : -1;
	if (ds < 0 || (c != H5T_FLOAT && c != H5T_INTEGER) || rank < 0 || rank > LI_MAX_RANK) {
		li_err_set(err, LI_EDATA, "dataset '%s' has the wrong type or rank", name);
		if (*type >= 0)
			H5Tclose(*type);
		if (*sp >= 0)
			H5Sclose(*sp);
		if (ds >= 0)
			H5Dclose(ds);
		*sp = *type = -1;
		return -1;
	}
	return ds;
}

int li_mapfile_shape(hid_t loc, const char *name, int *rank, int64_t *dims, li_err *err)
{
	hid_t sp, t, ds = open_dataset(loc, name, &sp, &t, err);
	if (ds < 0)
		return LI_EDATA;
	hsize_t hd[LI_MAX_RANK];
	*rank = H5Sget_simple_extent_ndims(sp);
	H5Sget_simple_extent_dims(sp, hd, NULL);
	int rc = 0;
	int64_t count = 1;
	for (int i = 0; i < *rank; i++) {
		dims[i] = (int64_t)hd[i];
		if (hd[i] > INT64_MAX || li_mul_i64(count, dims[i], &count))
			rc = li_err_set(err, LI_EDATA, "dataset '%s' is too large", name);
	}
	/* contiguous storage holds every byte the shape claims; fewer means a bad file */
	int64_t bytes;
	if (!rc && (li_mul_i64(count, (int64_t)H5Tget_size(t), &bytes) ||
		    (hsize_t)bytes > H5Dget_storage_size(ds)))
		rc = li_err_set(err, LI_EDATA, "dataset '%s' holds fewer bytes than its shape claims",
				name);
	/* and the storage is in the file (a damaged layout may claim any size) */
	hsize_t fsize = li_h5_file_size(ds);
	if (!rc && fsize && (hsize_t)bytes > fsize)
		rc = li_err_set(err, LI_EDATA, "dataset '%s' claims more data than the file holds",
				name);
	H5Tclose(t);
	H5Sclose(sp);
	H5Dclose(ds);
	return rc;
}

int li_mapfile_read(hid_t loc, const char *name, li_dtype t, int rank, const int64_t *dims,
		    void *data, li_err *err)
{
	hid_t ft, mt;
	if (h5_types(t, &ft, &mt))
		return li_err_set(err, LI_EUSAGE, "dataset '%s': unsupported type", name);
	int rc = LI_EDATA;
	hid_t sp, type, ds = open_dataset(loc, name, &sp, &type, err);
	if (ds < 0)
		return LI_EDATA;
	hsize_t hd[LI_MAX_RANK];
	if (H5Sget_simple_extent_ndims(sp) != rank) {
		li_err_set(err, LI_EDATA, "dataset '%s' has the wrong rank", name);
		goto out;
	}
	H5Sget_simple_extent_dims(sp, hd, NULL);
	for (int i = 0; i < rank; i++)
		if (hd[i] != (hsize_t)dims[i]) {
			li_err_set(err, LI_EDATA, "dataset '%s' has the wrong shape", name);
			goto out;
		}
	if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
		li_err_set(err, LI_EDATA, "cannot read dataset '%s' (truncated file?)", name);
		goto out;
	}
	rc = 0;
out:
	H5Tclose(type);
	H5Sclose(sp);
	H5Dclose(ds);
	return rc;
}

static int write_root(const li_map *m, hid_t f, li_err *err)
{
	int64_t version = MAP_VERSION;
	hsize_t rs = (hsize_t)m->row_rank, ex[2] = {2, (hsize_t)m->dims};
	hid_t scalar = H5Screate(H5S_SCALAR);
	if (scalar < 0)
		return li_err_set(err, LI_EIO, "cannot create a dataspace");
	int rc = put_str(f, "li_format", MAP_FORMAT, err);
	if (!rc)
		rc = put_attr(f, "li_version", H5T_STD_I64LE, scalar, &version, err);
	H5Sclose(scalar);
	if (!rc)
		rc = put_str(f, "method", m->method->name, err);
	if (!rc)
		rc = put_str(f, "params", m->params_text, err);
	if (!rc)
		rc = put_str(f, "quality", m->quality_text, err);
	if (!rc)
		rc = put_array(f, "row_shape", H5T_STD_I64LE, 1, &rs, m->row_shape, err);
	if (!rc)
		rc = put_array(f, "extent", H5T_IEEE_F64LE, 2, ex, m->extent, err);
	return rc;
}

int li_map_save(const li_map *m, const char *path, li_err *err)
{
	li_h5_quiet();
	if (!m->method->ops)
		return li_err_set(err, LI_EUSAGE, "method '%s' is not built yet", m->method->name);
	if (m->info_only)
		return li_err_set(err, LI_EUSAGE, "map loaded without its datasets");
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		/* renaming over a device or pipe would replace the node itself */
		return li_err_set(err, LI_EIO, "%s", S_ISDIR(st.st_mode) ? "is a directory" :
				  "not a regular file: a map is written to a file");
	char *tmp;
	int rc = li_h5_tmp_beside(path, 0644, &tmp, err);
	if (rc)
		return rc;

	rc = LI_EIO;
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), f = -1;
	if (fcpl < 0 || H5Pset_obj_track_times(fcpl, 0) < 0) {
		li_err_set(err, LI_EIO, "cannot set up the HDF5 file");
		goto out;
	}
	f = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
	if (f < 0) {
		li_err_set(err, LI_EIO, "cannot create the HDF5 file");
		goto out;
	}
	if ((rc = write_root(m, f, err)) || (rc = m->method->ops->save(m, f, err)))
		goto out;
	rc = H5Fclose(f) < 0 ? li_err_set(err, LI_EIO, "write error") : 0;
	f = -1;
	if (!rc) {
		/* the data must be on disk before the name points at it */
		int sfd = open(tmp, O_RDONLY);
		if (sfd < 0 || fsync(sfd) != 0)
			rc = li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
		if (sfd >= 0)
			close(sfd);
	}
	if (!rc && rename(tmp, path) != 0)
		rc = li_err_set(err, LI_EIO, "cannot rename into place: %s", strerror(errno));
out:
	if (f >= 0)
		H5Fclose(f);
	if (fcpl >= 0)
		H5Pclose(fcpl);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* ---- reading ---- */

/* Reads a string attribute into a malloc'd string (h5util reads every form of one). */
static char *get_str(hid_t loc, const char *name, li_err *err)
{
	char *out = NULL;
	int rc = li_h5_attr_string(loc, name, &out, err);
	if (rc == LI_EEND)
		li_err_set(err, LI_EDATA, "no '%s' attribute", name);
	return rc ? NULL : out;
}

/*
 * Reads a numeric attribute of class cls into buf (memory type mem) after checking its
 * rank and, per axis, that dims[i] is within [1.. max[i]] (max[i] < 0: any); the real
 * dims are stored back into dims. 0 or negative.
 */
static int get_array(hid_t loc, const char *name, H5T_class_t cls, hid_t mem, int rank,
		     const hsize_t *max, hsize_t *dims, void *buf, li_err *err)
{
	int rc = LI_EDATA;
	hid_t a = -1, t = -1, sp = -1;
	if (H5Aexists(loc, name) <= 0)
		return li_err_set(err, LI_EDATA, "no '%s' attribute", name);
	a = H5Aopen(loc, name, H5P_DEFAULT);
	t = a >= 0 ? H5Aget_type(a) : -1;
	sp = a >= 0 ? H5Aget_space(a) : -1;
	int r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
	if (t < 0 || H5Tget_class(t) != cls || r != rank) {
		li_err_set(err, LI_EDATA, "attribute '%s' has the wrong type or rank", name);
		goto out;
	}
	if (rank > 0) {
		H5Sget_simple_extent_dims(sp, dims, NULL);
		for (int i = 0; i < rank; i++)
			if (dims[i] > max[i]) {
				li_err_set(err, LI_EDATA, "attribute '%s' has the wrong shape", name);
				goto out;
			}
	}
	if (H5Aread(a, mem, buf) < 0) {
		li_err_set(err, LI_EDATA, "cannot read attribute '%s'", name);
		goto out;
	}
	rc = 0;
out:
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	return rc;
}

int li_mapfile_read_f64(hid_t loc, const char *name, int rank, const int64_t *dims,
			double *data, li_err *err)
{
	int rc = LI_EDATA;
	hid_t ds = -1, sp = -1, t = -1;
	if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
		return li_err_set(err, LI_EDATA, "no '%s' dataset", name);
	ds = H5Dopen2(loc, name, H5P_DEFAULT);
	sp = ds >= 0 ? H5Dget_space(ds) : -1;
	t = ds >= 0 ? H5Dget_type(ds) : -1;
	if (sp < 0 || t < 0 || H5Tget_class(t) != H5T_FLOAT ||
	    H5Sget_simple_extent_ndims(sp) != rank) {
		li_err_set(err, LI_EDATA, "dataset '%s' has the wrong type or rank", name);
		goto out;
	}
	hsize_t hd[LI_MAX_RANK];
	H5Sget_simple_extent_dims(sp, hd, NULL);
	for (int i = 0; i < rank; i++)
		if (hd[i] != (hsize_t)dims[i]) {
			li_err_set(err, LI_EDATA, "dataset '%s' has the wrong shape", name);
			goto out;
		}
	if (H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
		li_err_set(err, LI_EDATA, "cannot read dataset '%s' (truncated file?)", name);
		goto out;
	}
	rc = 0;
out:
	if (t >= 0)
		H5Tclose(t);
	if (sp >= 0)
		H5Sclose(sp);
	if (ds >= 0)
		H5Dclose(ds);
	return rc;
}

static json_t *get_json(hid_t f, const char *name, li_err *err)
{
	char *s = get_str(f, name, err);
	if (!s)
		return NULL;
	json_error_t je;
	json_t *j = json_loads(s, 0, &je);
	free(s);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		li_err_set(err, LI_EDATA, "attribute '%s' is not a JSON object", name);
		return NULL;
	}
	return j;
}

static int read_root(li_map **out, hid_t f, li_err *err)
{
	li_map *m = NULL;
	if (H5Aexists(f, "li_format") <= 0)
		return li_err_set(err, LI_EDATA, "not a map file (no 'li_format' attribute)");
	char *s = get_str(f, "li_format", err);
	if (!s)
		return LI_EDATA;
	if (strcmp(s, MAP_FORMAT)) {
		li_err_set(err, LI_EDATA, "not a map file (li_format is '%.40s')", s);
		free(s);
		return LI_EDATA;
	}
	free(s);
	int64_t version = 0;
	if (get_array(f, "li_version", H5T_INTEGER, H5T_NATIVE_INT64, 0, NULL, NULL, &version,
		      err))
		return LI_EDATA;
	if (version > MAP_VERSION)
		return li_err_set(err, LI_EDATA,
				  "map file version %lld is newer than this program reads (%d)",
				  (long long)version, MAP_VERSION);
	if (version < 1)
		return li_err_set(err, LI_EDATA, "bad map file version %lld", (long long)version);
	if (!(s = get_str(f, "method", err)))
		return LI_EDATA;
	const li_reduce_method *meth = li_reduce_find(s);
	if (!meth) {
		li_err_set(err, LI_EDATA, "unknown method '%.40s'", s);
		free(s);
		return LI_EDATA;
	}
	free(s);
	if (!(m = li_map_new(meth, err)))
		return LI_ENOMEM;
	json_decref(m->params);
	json_decref(m->quality);
	m->quality = NULL;
	/* quality is optional: a map measured nothing when asked not to */
	if (!(m->params = get_json(f, "params", err)) ||
	    !(m->quality = H5Aexists(f, "quality") > 0 ? get_json(f, "quality", err) : json_object()))
		goto fail;
	hsize_t max = LI_MAX_RANK, rd = 0;
	if (get_array(f, "row_shape", H5T_INTEGER, H5T_NATIVE_INT64, 1, &max, &rd, m->row_shape,
		      err))
		goto fail;
	m->row_rank = (int)rd;
	m->n_features = li_shape_count(m->row_rank, m->row_shape);
	for (int i = 0; i < m->row_rank; i++)
		if (m->row_shape[i] < 1)
			m->n_features = -1;
	if (m->n_features < 1) {
		li_err_set(err, LI_EDATA, "attribute 'row_shape' is not a valid shape");
		goto fail;
	}
	hsize_t emax[2] = {2, 3}, ed[2] = {0, 0};
	if (get_array(f, "extent", H5T_FLOAT, H5T_NATIVE_DOUBLE, 2, emax, ed, m->extent, err))
		goto fail;
	if (ed[0] != 2 || ed[1] < 2) {
		li_err_set(err, LI_EDATA, "attribute 'extent' has the wrong shape");
		goto fail;
	}
	m->dims = (int)ed[1];
	for (int d = 0; d < m->dims; d++)
		if (!isfinite(m->extent[d]) || !isfinite(m->extent[m->dims + d]) ||
		    m->extent[d] > m->extent[m->dims + d]) {
			li_err_set(err, LI_EDATA, "the extent of dimension %d is not a range", d);
			goto fail;
		}
	json_t *rows = json_object_get(m->params, "rows");
	m->rows = json_is_integer(rows) ? json_integer_value(rows) : 0;
	*out = m;
	return 0;
fail:
	li_map_free(m);
	return LI_EDATA;
}

static li_map *load(const char *path, int info_only, li_err *err)
{
	hid_t f = li_h5_open(path, err);
	if (f < 0)
		return NULL;
	li_map *m = NULL;
	if (read_root(&m, f, err))
		goto fail;
	m->info_only = info_only;
	if (!info_only && m->method->ops && m->method->ops->load(m, f, err))
		goto fail;
	if (li_map_finish_text(m, err))
		goto fail;
	li_h5_close(f);
	return m;
fail:
	li_map_free(m);
	li_h5_close(f);
	return NULL;
}

li_map *li_map_load(const char *path, li_err *err)
{
	return load(path, 0, err);
}

li_map *li_map_load_info(const char *path, li_err *err)
{
	return load(path, 1, err);
}
