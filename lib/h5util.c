/*
 * HDF5 attribute and dataset helpers (see h5util.h). Keras and h5py wrote strings in
 * several ways over the years: tf.keras 2.4 fixed-length NULLPAD arrays, 2.5+ and Keras 3
 * variable-length strings, root attributes as scalar variable-length ASCII or UTF-8.
 * Every reader here asks HDF5 what the type is and converts to a plain C string.
 */
#include "h5util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void li_h5_quiet(void)
{
	static int done;
	if (!done) {
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		done = 1;
	}
}

int li_h5_has_attr(hid_t obj, const char *name)
{
	return H5Aexists(obj, name) > 0;
}

/* Copies at most n bytes of a fixed-length string, stopping at the first NUL and
 * trimming SPACEPAD padding. */
static char *fixed_dup(const char *s, size_t n, int spacepad)
{
	size_t len = 0;
	while (len < n && s[len])
		len++;
	if (spacepad)
		while (len > 0 && s[len - 1] == ' ')
			len--;
	char *out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = 0;
	}
	return out;
}

/*
 * Reads every element of a string attribute (scalar = one element) into a new array.
 * Empty numeric arrays give n = 0; uint8/int8 1-D arrays give one string.
 */
static int read_attr(hid_t attr, const char *name, char ***out, int *n_out, li_err *err)
{
	hid_t type = -1, space = -1, mtype = -1;
	char **res = NULL;
	void *buf = NULL;
	int n = 0, rc = LI_EDATA;
	hssize_t count;
	type = H5Aget_type(attr);
	space = H5Aget_space(attr);
	if (type < 0 || space < 0) {
		li_err_set(err, LI_EDATA, "cannot read attribute '%s'", name);
		goto out;
	}
	count = H5Sget_simple_extent_npoints(space);
	if (count < 0 || count > (1 << 24)) {
		li_err_set(err, LI_EDATA, "attribute '%s' has a bad size", name);
		goto out;
	}
	H5T_class_t cls = H5Tget_class(type);
	if (cls != H5T_STRING) {
		if (count == 0) { /* Keras 2's empty weight_names: an empty float64 array */
			rc = 0;
			goto out;
		}
		if (cls == H5T_INTEGER && H5Tget_size(type) == 1) {
			buf = calloc((size_t)count + 1, 1);
			res = calloc(1, sizeof *res);
			if (!buf || !res) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			if (H5Aread(attr, H5T_NATIVE_UCHAR, buf) < 0) {
				li_err_set(err, LI_EDATA, "cannot read attribute '%s'", name);
				goto out;
			}
			res[0] = fixed_dup(buf, (size_t)count, 0);
			if (!res[0]) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			n = 1;
			rc = 0;
			goto out;
		}
		li_err_set(err, LI_EDATA, "attribute '%s' is not a string", name);
		goto out;
	}
	if (count == 0) {
		rc = 0;
		goto out;
	}
	res = calloc((size_t)count, sizeof *res);
	if (!res) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (H5Tis_variable_str(type) > 0) {
		mtype = H5Tcopy(H5T_C_S1);
		H5Tset_size(mtype, H5T_VARIABLE);
		H5Tset_cset(mtype, H5Tget_cset(type));
		char **v = calloc((size_t)count, sizeof *v);
		if (!v) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		buf = v;
		if (H5Aread(attr, mtype, v) < 0) {
			li_err_set(err, LI_EDATA, "cannot read string attribute '%s'", name);
			goto out;
		}
		for (hssize_t i = 0; i < count; i++) {
			res[i] = strdup(v[i] ? v[i] : "");
			if (!res[i])
				rc = LI_ENOMEM;
			n = (int)i + 1;
		}
		H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, v);
		if (rc == LI_ENOMEM) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
	} else {
		size_t sz = H5Tget_size(type);
		size_t total;
		if (sz == 0 || li_mul_size(sz, (size_t)count, &total) || total > (1u << 30)) {
			li_err_set(err, LI_EDATA, "attribute '%s' has a bad size", name);
			goto out;
		}
		int spacepad = H5Tget_strpad(type) == H5T_STR_SPACEPAD;
		mtype = H5Tcopy(H5T_C_S1);
		H5Tset_size(mtype, sz);
		H5Tset_strpad(mtype, H5T_STR_NULLPAD);
		H5Tset_cset(mtype, H5Tget_cset(type));
		buf = malloc(total);
		if (!buf) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		if (H5Aread(attr, mtype, buf) < 0) {
			li_err_set(err, LI_EDATA, "cannot read string attribute '%s'", name);
			goto out;
		}
		for (hssize_t i = 0; i < count; i++) {
			res[i] = fixed_dup((char *)buf + (size_t)i * sz, sz, spacepad);
			n = (int)i + 1;
			if (!res[i]) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	rc = 0;
out:
	free(buf);
	if (mtype >= 0)
		H5Tclose(mtype);
	if (space >= 0)
		H5Sclose(space);
	if (type >= 0)
		H5Tclose(type);
	if (rc) {
		li_h5_strings_free(res, n);
		return rc;
	}
	*out = res;
	*n_out = n;
	return 0;
}

static int read_named(hid_t obj, const char *name, char ***out, int *n, li_err *err)
{
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0)
		return li_err_set(err, LI_EDATA, "cannot open attribute '%s'", name);
	int rc = read_attr(a, name, out, n, err);
	H5Aclose(a);
	return rc;
}

int li_h5_attr_string(hid_t obj, const char *name, char **out, li_err *err)
{
	char **s = NULL;
	int n = 0;
	if (!li_h5_has_attr(obj, name))
		return LI_EEND;
	int rc = read_named(obj, name, &s, &n, err);
	if (rc)
		return rc;
	if (n < 1) {
		li_h5_strings_free(s, n);
		return li_err_set(err, LI_EDATA, "attribute '%s' is empty", name);
	}
	*out = s[0];
	s[0] = NULL;
	li_h5_strings_free(s, n);
	return 0;
}

int li_h5_attr_strings(hid_t obj, const char *name, char ***out, int *n, li_err *err)
{
	*out = NULL;
	*n = 0;
	if (li_h5_has_attr(obj, name))
		return read_named(obj, name, out, n, err);
	/* Chunks name0, name1, ... (Keras splits attributes past 64512 bytes). */
	char key[512];
	char **all = NULL;
	int n_all = 0;
	for (int c = 0;; c++) {
		snprintf(key, sizeof key, "%s%d", name, c);
		if (!li_h5_has_attr(obj, key))
			break;
		char **part = NULL;
		int n_part = 0;
		int rc = read_named(obj, key, &part, &n_part, err);
		if (rc) {
			li_h5_strings_free(all, n_all);
			return rc;
		}
		char **grown = realloc(all, sizeof *all * (size_t)(n_all + n_part + 1));
		if (!grown) {
			li_h5_strings_free(part, n_part);
			li_h5_strings_free(all, n_all);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		all = grown;
		for (int i = 0; i < n_part; i++)
			all[n_all++] = part[i];
		free(part);
	}
	snprintf(key, sizeof key, "%s0", name);
	if (!li_h5_has_attr(obj, key))
		return LI_EEND;
	*out = all;
	*n = n_all;
	return 0;
}

void li_h5_strings_free(char **s, int n)
{
	if (!s)
		return;
	for (int i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

int li_h5_read_f32(hid_t loc, const char *path, li_array *out, li_err *err)
{
	hid_t d = -1, space = -1, type = -1;
	int rc = LI_EDATA;
	memset(out, 0, sizeof *out);
	if (H5Lexists(loc, path, H5P_DEFAULT) <= 0) {
		/* H5Lexists fails on a missing intermediate group too: check each prefix. */
		return li_err_set(err, LI_EDATA, "weight '%s' is missing", path);
	}
	d = H5Dopen2(loc, path, H5P_DEFAULT);
	if (d < 0) {
		li_err_set(err, LI_EDATA, "weight '%s' is not a dataset", path);
		goto out;
	}
	space = H5Dget_space(d);
	type = H5Dget_type(d);
	int rank = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
	if (rank < 0 || rank > LI_MAX_RANK) {
		li_err_set(err, LI_EDATA, "weight '%s' has a bad shape", path);
		goto out;
	}
	H5T_class_t cls = H5Tget_class(type);
	if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
		li_err_set(err, LI_EDATA, "weight '%s' is not numeric", path);
		goto out;
	}
	hsize_t dims[LI_MAX_RANK];
	H5Sget_simple_extent_dims(space, dims, NULL);
	int64_t shape[LI_MAX_RANK];
	for (int i = 0; i < rank; i++)
		shape[i] = (int64_t)dims[i];
	int64_t count = li_shape_count(rank, shape);
	/* The storage must really hold the claimed elements (compressed data aside). */
	if (count < 0 || count > ((int64_t)1 << 34)) {
		li_err_set(err, LI_EDATA, "weight '%s' is too large", path);
		goto out;
	}
	hid_t dcpl = H5Dget_create_plist(d);
	int filtered = dcpl >= 0 && H5Pget_nfilters(dcpl) > 0;
	if (dcpl >= 0)
		H5Pclose(dcpl);
	/* Check the claim against the file's size before allocating: stored data cannot
	 * exceed it (compressed data is allowed a generous ratio). */
	hid_t fid = H5Iget_file_id(d);
	hsize_t fsize = 0;
	if (fid >= 0) {
		H5Fget_filesize(fid, &fsize);
		H5Fclose(fid);
	}
	double limit = (double)fsize * (filtered ? 1024.0 : 1.0) + 4096.0;
	if ((double)count * (double)H5Tget_size(type) > limit) {
		li_err_set(err, LI_EDATA, "weight '%s' claims more data than the file holds", path);
		goto out;
	}
	if (li_array_alloc(out, LI_DTYPE_F32, rank, shape, err))
		goto out;
	if (count > 0 && H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT,
				 out->data) < 0) {
		li_array_release(out);
		li_err_set(err, LI_EDATA, "cannot read weight '%s'", path);
		goto out;
	}
	rc = 0;
out:
	if (type >= 0)
		H5Tclose(type);
	if (space >= 0)
		H5Sclose(space);
	if (d >= 0)
		H5Dclose(d);
	return rc;
}

int li_h5_write_f32(hid_t loc, const char *path, const li_array *a, hid_t dcpl)
{
	hsize_t dims[LI_MAX_RANK];
	for (int i = 0; i < a->rank; i++)
		dims[i] = (hsize_t)a->shape[i];
	hid_t s = a->rank ? H5Screate_simple(a->rank, dims, NULL) : H5Screate(H5S_SCALAR), d = -1;
	int rc = -1;
	if (s >= 0 &&
	    (d = H5Dcreate2(loc, path, H5T_IEEE_F32LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) >= 0 &&
	    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->data) >= 0)
		rc = 0;
	if (d >= 0)
		H5Dclose(d);
	if (s >= 0)
		H5Sclose(s);
	return rc;
}
