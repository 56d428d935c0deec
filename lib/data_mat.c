/*
 * MATLAB .mat files through matio: version 4, 5 (compressed or not) and 7.3 (HDF5).
 * One numeric variable is read whole: opts.var, or the only numeric one. MATLAB keeps
 * arrays column-major; the variable of size d0 x d1 x ... is delivered C-ordered with
 * shape (d0, d1, ...) so that element [i0, i1, ...] is x(i0+1, i1+1, ...), as
 * scipy.io.loadmat gives it. MATLAB has no 1-d arrays: with the default sample axis a
 * 1 x N or N x 1 variable is delivered as N rows of scalars. Logical arrays read as bool.
 *
 * Also the writer li_mat_write (li-convert's .mat output), the same rule backwards.
 *
 * matio reports problems through a log function: ours keeps the last message for the
 * error line instead of printing, since lib/ never prints. Before allocating, the size a
 * variable claims is checked against the file's size: deflate never compresses more than
 * about 1032:1, so a claim beyond that is a lie.
 */
#include "data_internal.h"

#include <errno.h>
#include <hdf5.h>
#include <matio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char last_msg[256];

static void log_quietly(int level, char *message)
{
	(void)level;
	snprintf(last_msg, sizeof last_msg, "%s", message ? message : "");
}

static void quiet(void)
{
	static int done;
	if (!done) {
		Mat_LogInitFunc("li", log_quietly);
		H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
		done = 1;
	}
	last_msg[0] = '\0';
}

static int dtype_of(const matvar_t *v, li_dtype *t)
{
	if (v->isComplex)
		return -1;
	switch (v->class_type) {
	case MAT_C_DOUBLE: *t = LI_DTYPE_F64; return 0;
	case MAT_C_SINGLE: *t = LI_DTYPE_F32; return 0;
	case MAT_C_INT8: *t = LI_DTYPE_I8; return 0;
	case MAT_C_UINT8: *t = v->isLogical ? LI_DTYPE_BOOL : LI_DTYPE_U8; return 0;
	case MAT_C_INT16: *t = LI_DTYPE_I16; return 0;
	case MAT_C_UINT16: *t = LI_DTYPE_U16; return 0;
	case MAT_C_INT32: *t = LI_DTYPE_I32; return 0;
	case MAT_C_UINT32: *t = LI_DTYPE_U32; return 0;
	case MAT_C_INT64: *t = LI_DTYPE_I64; return 0;
	case MAT_C_UINT64: *t = LI_DTYPE_U64; return 0;
	default: return -1;
	}
}

static const char *what_class(const matvar_t *v)
{
	if (v->isComplex)
		return "complex";
	switch (v->class_type) {
	case MAT_C_CELL: return "a cell array";
	case MAT_C_STRUCT: return "a struct";
	case MAT_C_CHAR: return "text";
	case MAT_C_SPARSE: return "sparse";
	case MAT_C_FUNCTION: return "a function handle";
	case MAT_C_OBJECT: return "an object";
	default: return "not numeric";
	}
}

/* Column-major src (dims d[0..rank-1], element size es) into C-ordered dst. */
static void from_fortran(char *dst, const char *src, int rank, const size_t *d, size_t es)
{
	size_t n = 1, stride[LI_MAX_RANK], idx[LI_MAX_RANK] = {0};
	for (int j = 0; j < rank; j++) {
		stride[j] = n;
		n *= d[j];
	}
	if (n == 0)
		return;
	size_t off = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(dst + i * es, src + off * es, es);
		/* advance the C-order counter: last axis fastest */
		for (int j = rank - 1; j >= 0; j--) {
			if (++idx[j] < d[j]) {
				off += stride[j];
				break;
			}
			off -= stride[j] * (d[j] - 1);
			idx[j] = 0;
		}
	}
}

/*
 * matio reads a v4 or v5 file cut short inside an uncompressed variable without a word,
 * handing back zeros: walk the top-level elements first and refuse a file whose last
 * element runs past its end (a compressed one fails in matio's inflate, which we catch).
 * v5: a 128-byte header, then elements of an 8-byte tag (type, byte count; "small"
 * elements pack both into 4 bytes) padded to 8 bytes. v4: per matrix a 20-byte header
 * (type MOPT, rows, columns, imaginary flag, name length), the name, then the data.
 */
static uint32_t u32(const unsigned char *p, int swap)
{
	return swap ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		    : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int check_layout(const char *path, int64_t size, enum mat_ft ver, li_err *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return li_err_set(err, LI_EIO, "%s", strerror(errno));
	unsigned char h[128];
	int rc = 0, swap = 0;
	int64_t off = 0;
	if (ver == MAT_FT_MAT5) {
		if (fread(h, 1, 128, f) != 128) {
			rc = li_err_set(err, LI_EDATA, "truncated MAT header");
			goto out;
		}
		swap = h[126] == 'M' && h[127] == 'I';
		off = 128;
		while (off + 8 <= size && !fseek(f, (long)off, SEEK_SET) && fread(h, 1, 8, f) == 8) {
			uint32_t type = u32(h, swap), n = u32(h + 4, swap);
			if (type >> 16) {       /* a small element: 8 bytes in all */
				off += 8;
				continue;
			}
			int64_t len = 8 + (int64_t)n;
			if (type != 15)         /* miCOMPRESSED elements are not padded */
				len = (len + 7) / 8 * 8;
			off += len;
		}
	} else if (ver == MAT_FT_MAT4) {
		while (off + 20 <= size && !fseek(f, (long)off, SEEK_SET) && fread(h, 1, 20, f) == 20) {
			uint32_t type = u32(h, 0);
			if (type > 4999)
				swap = 1, type = u32(h, 1);
			static const int64_t psize[] = {8, 4, 4, 2, 2, 1};
			uint32_t p = type / 10 % 10;
			int64_t rows = u32(h + 4, swap), cols = u32(h + 8, swap), es = p < 6 ? psize[p] : 8;
			int64_t n = rows * cols * es * (u32(h + 12, swap) ? 2 : 1);
			off += 20 + (int64_t)u32(h + 16, swap) + n;
		}
	}
	if (off > size)
		rc = li_err_set(err, LI_EDATA, "truncated: the last variable claims %lld bytes past "
				"the end of the file", (long long)(off - size));
out:
	fclose(f);
	return rc;
}

int li_data_open_mat(li_data *d, const char *path, li_err *err)
{
	quiet();
	struct stat sb;
	if (stat(path, &sb))
		return li_err_set(err, LI_EIO, "%s", strerror(errno));
	mat_t *mat = Mat_Open(path, MAT_ACC_RDONLY);
	if (!mat)
		return li_err_set(err, LI_EDATA, "not a MAT file matio can read%s%s",
				  last_msg[0] ? ": " : "", last_msg);
	int rc = check_layout(path, (int64_t)sb.st_size, Mat_GetVersion(mat), err);
	matvar_t *info = NULL, *v = NULL;
	char list[300] = "";
	char *chosen = NULL;
	int n_numeric = 0, n_all = 0;
	li_dtype t;
	if (rc)
		goto out;
	/* list the variables (names and classes, no data) */
	/* v7.3: matio gives class "empty" to a dataset whose MATLAB_class attribute it
	 * cannot read (h5py's default NULL-padded strings, for one): say so */
	int v73 = Mat_GetVersion(mat) == MAT_FT_MAT73;
	char noclass[200] = "";
	while ((info = Mat_VarReadNextInfo(mat)) != NULL) {
		n_all++;
		int numeric = !dtype_of(info, &t);
		if (v73 && info->class_type == MAT_C_EMPTY) {
			if (noclass[0])
				strncat(noclass, ", ", sizeof noclass - strlen(noclass) - 1);
			strncat(noclass, info->name ? info->name : "?", sizeof noclass - strlen(noclass) - 1);
		}
		if (d->opts.var ? !strcmp(info->name ? info->name : "", d->opts.var) : numeric) {
			if (d->opts.var && !numeric) {
				rc = li_err_set(err, LI_EDATA, "variable '%.100s' is %s", d->opts.var,
						v73 && info->class_type == MAT_C_EMPTY ?
						"of no class matio can read (its MATLAB_class attribute)" :
						what_class(info));
				goto out;
			}
			n_numeric++;
			free(chosen);
			chosen = strdup(info->name ? info->name : "");
			if (!chosen) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
		}
		if (numeric || d->opts.var) {
			if (list[0])
				strncat(list, ", ", sizeof list - strlen(list) - 1);
			strncat(list, info->name ? info->name : "?", sizeof list - strlen(list) - 1);
		}
		Mat_VarFree(info);
		info = NULL;
	}
	if (d->opts.var && !n_numeric) {
		rc = li_err_set(err, LI_EDATA, "no variable '%.100s'%s%s%s", d->opts.var,
				list[0] ? " (variables: " : "", list, list[0] ? ")" : "");
		goto out;
	}
	if (!d->opts.var && n_numeric == 0 && noclass[0]) {
		rc = li_err_set(err, LI_EDATA, "no numeric variable; matio reads no MATLAB_class "
				"attribute on %s", noclass);
		goto out;
	}
	if (!d->opts.var && n_numeric == 0) {
		rc = li_err_set(err, LI_EDATA, n_all ? "no numeric variable" : "no variables%s%s",
				last_msg[0] ? ": " : "", last_msg);
		goto out;
	}
	if (!d->opts.var && n_numeric > 1) {
		rc = li_err_set(err, LI_EDATA, "several numeric variables (%s): choose one with --var",
				list);
		goto out;
	}
	v = Mat_VarReadInfo(mat, chosen);
	if (!v || dtype_of(v, &t)) {
		rc = li_err_set(err, LI_EDATA, "cannot read variable '%.100s'%s%s", chosen,
				last_msg[0] ? ": " : "", last_msg);
		goto out;
	}
	if (v->rank < 1 || v->rank > LI_MAX_RANK) {
		rc = li_err_set(err, LI_EDATA, "variable '%.100s' has rank %d", chosen, v->rank);
		goto out;
	}
	int64_t shape[LI_MAX_RANK], count = 1, bytes;
	for (int j = 0; j < v->rank; j++) {
		shape[j] = (int64_t)v->dims[j];
		if (shape[j] < 0 || li_mul_i64(count, shape[j], &count))
			break;
	}
	if (li_mul_i64(count, (int64_t)li_dtype_size(t), &bytes) ||
	    bytes / 1032 > (int64_t)sb.st_size) {
		rc = li_err_set(err, LI_EDATA, "variable '%.100s' claims more data than the file holds",
				chosen);
		goto out;
	}
	Mat_VarFree(v);
	/* matio reports a short compressed variable as a warning and hands back zeros:
	 * any message while reading the data is an error */
	last_msg[0] = '\0';
	v = Mat_VarRead(mat, chosen);
	if (!v || last_msg[0] || (count && !v->data) || dtype_of(v, &t) ||
	    (count && v->nbytes != (size_t)bytes)) {
		rc = li_err_set(err, LI_EDATA, "cannot read variable '%.100s'%s%s", chosen,
				last_msg[0] ? ": " : "", last_msg);
		goto out;
	}
	rc = li_array_alloc(&d->whole, t, v->rank, shape, err);
	if (rc)
		goto out;
	from_fortran(d->whole.data, v->data, v->rank, v->dims, li_dtype_size(t));
	if (v->rank == 2 && d->opts.sample_axis == 0 && (shape[0] == 1 || shape[1] == 1)) {
		d->whole.rank = 1;
		d->whole.shape[0] = shape[0] * shape[1];
	}
	d->dtype = t;
	d->var = chosen;
	chosen = NULL;
	li_data_set_shape(d, d->whole.rank, d->whole.shape);
out:
	free(chosen);
	Mat_VarFree(info);
	Mat_VarFree(v);
	Mat_Close(mat);
	return rc;
}

static int class_of(li_dtype t, enum matio_classes *c, enum matio_types *mt)
{
	switch (t) {
	case LI_DTYPE_F64: *c = MAT_C_DOUBLE; *mt = MAT_T_DOUBLE; return 0;
	case LI_DTYPE_F32: *c = MAT_C_SINGLE; *mt = MAT_T_SINGLE; return 0;
	case LI_DTYPE_I8: *c = MAT_C_INT8; *mt = MAT_T_INT8; return 0;
	case LI_DTYPE_BOOL:
	case LI_DTYPE_U8: *c = MAT_C_UINT8; *mt = MAT_T_UINT8; return 0;
	case LI_DTYPE_I16: *c = MAT_C_INT16; *mt = MAT_T_INT16; return 0;
	case LI_DTYPE_U16: *c = MAT_C_UINT16; *mt = MAT_T_UINT16; return 0;
	case LI_DTYPE_I32: *c = MAT_C_INT32; *mt = MAT_T_INT32; return 0;
	case LI_DTYPE_U32: *c = MAT_C_UINT32; *mt = MAT_T_UINT32; return 0;
	case LI_DTYPE_I64: *c = MAT_C_INT64; *mt = MAT_T_INT64; return 0;
	case LI_DTYPE_U64: *c = MAT_C_UINT64; *mt = MAT_T_UINT64; return 0;
	default: return -1;
	}
}

int li_mat_write(const char *path, const char *var, const li_array *a, int version, li_err *err)
{
	quiet();
	if (version == 4 && a->rank > 2)
		return li_err_set(err, LI_EDATA, "a version 4 .mat file holds matrices only, not rank %d: "
				  "use version 5 or 7.3", a->rank);
	enum mat_ft ft = version == 4 ? MAT_FT_MAT4 : version == 73 ? MAT_FT_MAT73 : MAT_FT_MAT5;
	li_array src = *a, conv = {0};
	/* v4 holds doubles only (and float16 has no MATLAB class) */
	if (version == 4 || a->dtype == LI_DTYPE_F16) {
		li_dtype to = version == 4 ? LI_DTYPE_F64 : LI_DTYPE_F32;
		if (li_array_alloc(&conv, to, a->rank, a->shape, err))
			return err->code;
		if (li_array_count(a))	/* no elements: src may be NULL */
			li_convert(conv.data, to, a->data, a->dtype, (size_t)li_array_count(a));
		src = conv;
	}
	enum matio_classes c = MAT_C_DOUBLE;
	enum matio_types mt = MAT_T_DOUBLE;
	class_of(src.dtype, &c, &mt);
	/* MATLAB needs rank >= 2: rows of scalars become an N x 1 column */
	size_t dims[LI_MAX_RANK];
	int rank = src.rank;
	for (int j = 0; j < rank; j++)
		dims[j] = (size_t)src.shape[j];
	if (rank == 0)
		dims[0] = dims[1] = 1, rank = 2;
	else if (rank == 1)
		dims[1] = 1, rank = 2;
	size_t n = (size_t)li_array_count(&src), es = li_dtype_size(src.dtype);
	char *fort = malloc(n ? n * es : 1);
	mat_t *mat = NULL;
	matvar_t *v = NULL;
	int rc = 0;
	if (!fort) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	/* C order (d0..dk) -> column-major: the transpose of from_fortran */
	size_t stride[LI_MAX_RANK], idx[LI_MAX_RANK] = {0}, m = 1, off = 0;
	for (int j = 0; j < rank; j++) {
		stride[j] = m;
		m *= dims[j];
	}
	for (size_t i = 0; i < n; i++) {
		memcpy(fort + off * es, (const char *)src.data + i * es, es);
		for (int j = rank - 1; j >= 0; j--) {
			if (++idx[j] < dims[j]) {
				off += stride[j];
				break;
			}
			off -= stride[j] * (dims[j] - 1);
			idx[j] = 0;
		}
	}
	mat = Mat_CreateVer(path, NULL, ft);
	if (!mat) {
		rc = li_err_set(err, LI_EIO, "cannot create the MAT file%s%s", last_msg[0] ? ": " : "",
				last_msg);
		goto out;
	}
	v = Mat_VarCreate(var, c, mt, rank, dims, fort, MAT_F_DONT_COPY_DATA |
			  (a->dtype == LI_DTYPE_BOOL && version != 4 ? MAT_F_LOGICAL : 0));
	if (!v || Mat_VarWrite(mat, v, version == 73 || version == 4 ? MAT_COMPRESSION_NONE :
			       MAT_COMPRESSION_ZLIB)) {
		rc = li_err_set(err, LI_EIO, "cannot write variable '%s'%s%s", var,
				last_msg[0] ? ": " : "", last_msg);
		goto out;
	}
out:
	Mat_VarFree(v);
	if (mat && Mat_Close(mat) && !rc)
		rc = li_err_set(err, LI_EIO, "cannot finish the MAT file");
	free(fort);
	li_array_release(&conv);
	return rc;
}
