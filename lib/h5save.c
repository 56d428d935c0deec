/*
 * The Keras whole-model .h5 writer (see h5save.h for the layout). Every HDF5 id opened
 * here is closed on every path; the first failure is recorded in err and the temporary
 * file removed.
 */
#include "h5save.h"
#include "h5util.h"

#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Keras' HDF5_OBJECT_HEADER_LIMIT: attributes larger than this are split into chunks. */
#define HEADER_LIMIT 64512

typedef struct writer {
	hid_t file, gcpl, dcpl;
	li_err *err;
} writer;

static int h5fail(writer *w, const char *what)
{
	return li_err_set(w->err, LI_EIO, "cannot write %s", what);
}

/* A C string type of size bytes (or H5T_VARIABLE) with the given character set and
 * padding; -1 on failure. */
static hid_t string_type(size_t size, H5T_cset_t cset, H5T_str_t pad)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	if (t >= 0 && (H5Tset_size(t, size) < 0 || H5Tset_cset(t, cset) < 0 ||
		       H5Tset_strpad(t, pad) < 0)) {
		H5Tclose(t);
		t = -1;
	}
	return t;
}

/* Creates attribute name on obj of type t and dataspace s, writes buf and closes the
 * three (t or s negative: their making failed). 0, or the error naming the attribute. */
static int attr_put(writer *w, hid_t obj, const char *name, hid_t t, hid_t s, const void *buf)
{
	hid_t a = -1;
	int ok = t >= 0 && s >= 0 && (a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) >= 0 &&
		 H5Awrite(a, t, buf) >= 0;
	if (a >= 0)
		H5Aclose(a);
	if (s >= 0)
		H5Sclose(s);
	if (t >= 0)
		H5Tclose(t);
	return ok ? 0 : h5fail(w, name);
}

/* A scalar variable-length string attribute in the given character set. */
static int attr_vlen(writer *w, hid_t obj, const char *name, const char *value, H5T_cset_t cset)
{
	return attr_put(w, obj, name, string_type(H5T_VARIABLE, cset, H5T_STR_NULLTERM),
			H5Screate(H5S_SCALAR), &value);
}

/* A 1-D fixed-length NULLPAD string array attribute of names[lo, hi), item size size. */
static int attr_fixed(writer *w, hid_t obj, const char *name, const char *const *names, int lo,
		      int hi, size_t size)
{
	hsize_t n = (hsize_t)(hi - lo);
	char *buf = calloc(n ? n : 1, size);
	if (!buf)
		return li_err_set(w->err, LI_ENOMEM, "out of memory");
	for (int i = lo; i < hi; i++)
		memcpy(buf + (size_t)(i - lo) * size, names[i], strlen(names[i]));
	int rc = attr_put(w, obj, name, string_type(size, H5T_CSET_ASCII, H5T_STR_NULLPAD),
			  H5Screate_simple(1, &n, NULL), buf);
	free(buf);
	return rc;
}

/* A string-array attribute as Keras' save_attributes_to_hdf5_group writes it: one
 * attribute, or, when it exceeds the object header limit, name0, name1, ... holding
 * the parts numpy.array_split gives for the smallest chunk count that fits. */
static int attr_names(writer *w, hid_t obj, const char *name, const char *const *names, int n)
{
	size_t size = 1;
	for (int i = 0; i < n; i++)
		if (strlen(names[i]) > size)
			size = strlen(names[i]);
	int chunks = 1;
	for (;;) {
		/* array_split: the first n % chunks parts hold one more item */
		size_t biggest = (size_t)(n / chunks + (n % chunks ? 1 : 0)) * size;
		if (biggest <= HEADER_LIMIT || chunks >= n)
			break;
		chunks++;
	}
	if (chunks == 1)
		return attr_fixed(w, obj, name, names, 0, n, size);
	for (int c = 0, lo = 0; c < chunks; c++) {
		int len = n / chunks + (c < n % chunks ? 1 : 0);
		char cname[64];
		snprintf(cname, sizeof cname, "%s%d", name, c);
		if (attr_fixed(w, obj, cname, names, lo, lo + len, size))
			return w->err->code;
		lo += len;
	}
	return 0;
}

/* An empty float64 array attribute: what Keras 2 writes as weight_names of a layer
 * without weights. */
static int attr_empty_f64(writer *w, hid_t obj, const char *name)
{
	hsize_t zero = 0;
	hid_t s = H5Screate_simple(1, &zero, NULL), a = -1;
	int rc = -1;
	if (s >= 0 && (a = H5Acreate2(obj, name, H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT)) >= 0)
		rc = 0;
	if (a >= 0)
		H5Aclose(a);
	if (s >= 0)
		H5Sclose(s);
	return rc ? h5fail(w, name) : 0;
}

/* Opens or creates group path/part inside parent; returns the id (caller closes) or -1. */
static hid_t group_at(writer *w, hid_t parent, const char *name)
{
	htri_t exists = H5Lexists(parent, name, H5P_DEFAULT);
	if (exists > 0)
		return H5Gopen2(parent, name, H5P_DEFAULT);
	return H5Gcreate2(parent, name, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
}

/* Writes one weight at layer_group/<name>, creating the groups its '/'-separated name
 * implies (with time tracking off, which automatic intermediate groups would not have). */
static int write_weight(writer *w, hid_t layer_group, const char *name, const li_array *a)
{
	char path[1024];
	if (strlen(name) >= sizeof path || !*name)
		return li_err_set(w->err, LI_EUSAGE, "weight name '%s' is empty or too long", name);
	if (a->dtype != LI_DTYPE_F32)
		return li_err_set(w->err, LI_EUSAGE, "weight '%s' is not float32", name);
	strcpy(path, name);
	hid_t g = H5Gopen2(layer_group, ".", H5P_DEFAULT);
	char *part = path, *slash;
	while (g >= 0 && (slash = strchr(part, '/'))) {
		*slash = '\0';
		hid_t next = group_at(w, g, part);
		H5Gclose(g);
		g = next;
		part = slash + 1;
	}
	if (g < 0)
		return h5fail(w, name);
	int rc = li_h5_write_f32(g, part, a, w->dcpl);
	H5Gclose(g);
	return rc ? h5fail(w, name) : 0;
}

static int write_model(writer *w, const li_h5_model_desc *m)
{
	hid_t root = w->file, mw = -1, lg = -1;
	const char **lnames = NULL;
	int rc = -1;
	if (attr_vlen(w, root, "backend", m->backend, H5T_CSET_UTF8) ||
	    attr_vlen(w, root, "keras_version", m->keras_version, H5T_CSET_UTF8) ||
	    attr_vlen(w, root, "model_config", m->model_config, H5T_CSET_ASCII))
		goto out;
	if (m->class_names_json &&
	    attr_vlen(w, root, "li_class_names", m->class_names_json, H5T_CSET_UTF8))
		goto out;
	mw = H5Gcreate2(root, "model_weights", H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
	if (mw < 0) {
		h5fail(w, "model_weights");
		goto out;
	}
	if (attr_vlen(w, mw, "backend", m->backend, H5T_CSET_ASCII) ||
	    attr_vlen(w, mw, "keras_version", m->keras_version, H5T_CSET_ASCII))
		goto out;
	lnames = calloc((size_t)m->n_layers + 1, sizeof *lnames);
	if (!lnames) {
		li_err_set(w->err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < m->n_layers; i++)
		lnames[i] = m->layers[i].layer;
	if (attr_names(w, mw, "layer_names", lnames, m->n_layers))
		goto out;
	for (int i = 0; i < m->n_layers; i++) {
		const li_h5_layer_weights *L = &m->layers[i];
		lg = H5Gcreate2(mw, L->layer, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
		if (lg < 0) {
			li_err_set(w->err, LI_EUSAGE, "cannot create the group of layer '%s' (duplicate name?)",
				   L->layer);
			goto out;
		}
		if (L->n == 0 ? attr_empty_f64(w, lg, "weight_names")
			      : attr_names(w, lg, "weight_names", (const char *const *)L->names, L->n))
			goto out;
		for (int k = 0; k < L->n; k++)
			if (write_weight(w, lg, L->names[k], &L->arrays[k]))
				goto out;
		H5Gclose(lg);
		lg = -1;
	}
	rc = 0;
out:
	free(lnames);
	if (lg >= 0)
		H5Gclose(lg);
	if (mw >= 0)
		H5Gclose(mw);
	return rc;
}

int li_h5_save_model(const char *path, const li_h5_model_desc *m, li_err *err)
{
	writer w = {.file = -1, .gcpl = -1, .dcpl = -1, .err = err};
	char *tmp;
	/* a model is an ordinary file (as a map is) */
	int rc = li_h5_tmp_beside(path, 0644, &tmp, err);
	if (rc)
		return rc;
	rc = -1;
	H5E_BEGIN_TRY {
		w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
		w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
		w.dcpl = H5Pcreate(H5P_DATASET_CREATE);
		if (w.file < 0 || w.gcpl < 0 || w.dcpl < 0 || H5Pset_obj_track_times(w.gcpl, 0) < 0 ||
		    H5Pset_obj_track_times(w.dcpl, 0) < 0)
			li_err_set(err, LI_EIO, "cannot create an HDF5 file");
		else
			rc = write_model(&w, m);
		if (w.dcpl >= 0)
			H5Pclose(w.dcpl);
		if (w.gcpl >= 0)
			H5Pclose(w.gcpl);
		if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == 0)
			rc = h5fail(&w, "the file");
	} H5E_END_TRY;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = li_err_set(err, LI_EIO, "cannot rename into place: %s", strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc ? (err && err->code ? err->code : LI_EIO) : 0;
}
