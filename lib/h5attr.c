/*
 * Root attributes of HDF5 files (see h5attr.h). Strings are read as h5py writes them
 * (variable-length UTF-8, scalar) and as fixed-length strings, which older writers use.
 * Every identifier opened here is closed on every path.
 */
#include "h5attr.h"

#include <hdf5.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

/* Opens path read-only with HDF5's error stack silenced; negative with err set. */
static hid_t open_file(const char *path, li_err *err)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	if (access(path, R_OK)) {
		li_err_set(err, LI_EIO, "%s", strerror(errno));
		return -1;
	}
	if (H5Fis_hdf5(path) <= 0) {
		li_err_set(err, LI_EDATA, "not an HDF5 file");
		return -1;
	}
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0)
		li_err_set(err, LI_EDATA, "cannot open as HDF5");
	return f;
}

int li_h5attr_is_hdf5(const char *path)
{
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
	return H5Fis_hdf5(path) > 0;
}

/* Opens attribute name of the root group: negative and LI_EEND in err when absent. */
static hid_t open_attr(hid_t f, const char *name, li_err *err)
{
	htri_t has = H5Aexists(f, name);
	if (has <= 0) {
		li_err_set(err, has == 0 ? LI_EEND : LI_EDATA, "no root attribute '%s'", name);
		return -1;
	}
	hid_t a = H5Aopen(f, name, H5P_DEFAULT);
	if (a < 0)
		li_err_set(err, LI_EDATA, "cannot open the root attribute '%s'", name);
	return a;
}

int li_h5attr_string(const char *path, const char *name, char **out, li_err *err)
{
	int rc = LI_EDATA;
	hid_t f = -1, a = -1, t = -1, sp = -1, mt = -1;
	char *buf = NULL;
	if ((f = open_file(path, err)) < 0)
		return err->code;
	if ((a = open_attr(f, name, err)) < 0) {
		rc = err->code;
		goto out;
	}
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	if (t < 0 || sp < 0 || H5Tget_class(t) != H5T_STRING) {
		li_err_set(err, LI_EDATA, "the root attribute '%s' is not a string", name);
		goto out;
	}
	if (H5Sget_simple_extent_npoints(sp) != 1) {
		li_err_set(err, LI_EDATA, "the root attribute '%s' is not one string", name);
		goto out;
	}
	mt = H5Tcopy(H5T_C_S1);
	if (mt < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0)
		goto bad;
	if (H5Tis_variable_str(t) > 0) {
		char *p = NULL;
		if (H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Aread(a, mt, &p) < 0)
			goto bad;
		buf = strdup(p ? p : "");
		H5free_memory(p);
	} else {
		size_t sz = H5Tget_size(t);
		if (sz == 0 || H5Tset_size(mt, sz) < 0 || H5Tset_strpad(mt, H5T_STR_NULLPAD) < 0)
			goto bad;
		buf = calloc(1, sz + 1);
		if (buf && H5Aread(a, mt, buf) < 0)
			goto bad;
	}
	if (!buf) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	*out = buf;
	buf = NULL;
	rc = 0;
	goto out;
bad:
	li_err_set(err, LI_EDATA, "cannot read the root attribute '%s'", name);
out:
	free(buf);
	if (mt >= 0)
		H5Tclose(mt);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	if (f >= 0)
		H5Fclose(f);
	return rc;
}

int li_h5attr_f64(const char *path, const char *name, double **out, int *rank,
		  int64_t shape[4], li_err *err)
{
	int rc = LI_EDATA;
	hid_t f = -1, a = -1, t = -1, sp = -1;
	double *buf = NULL;
	if ((f = open_file(path, err)) < 0)
		return err->code;
	if ((a = open_attr(f, name, err)) < 0) {
		rc = err->code;
		goto out;
	}
	t = H5Aget_type(a);
	sp = H5Aget_space(a);
	H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
	if (sp < 0 || (cls != H5T_INTEGER && cls != H5T_FLOAT)) {
		li_err_set(err, LI_EDATA, "the root attribute '%s' is not numeric", name);
		goto out;
	}
	hsize_t dims[4] = {0};
	int r = H5Sget_simple_extent_ndims(sp);
	if (r < 0 || r > 4 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
		li_err_set(err, LI_EDATA, "the root attribute '%s' has more than 4 axes", name);
		goto out;
	}
	/* an attribute's elements live in the object header, so its size is real */
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	if (np < 0 || np > (1 << 24)) {
		li_err_set(err, LI_EDATA, "the root attribute '%s' is too large", name);
		goto out;
	}
	buf = malloc((size_t)(np ? np : 1) * sizeof *buf);
	if (!buf) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (np && H5Aread(a, H5T_NATIVE_DOUBLE, buf) < 0) {
		li_err_set(err, LI_EDATA, "cannot read the root attribute '%s'", name);
		goto out;
	}
	*rank = r;
	for (int i = 0; i < 4; i++)
		shape[i] = i < r ? (int64_t)dims[i] : 0;
	*out = buf;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (a >= 0)
		H5Aclose(a);
	if (f >= 0)
		H5Fclose(f);
	return rc;
}
