/*
 * Data sets in any format (see data.h): format detection, the dispatch to one back end
 * per format (data_*.c), the .npy back end (a thin layer over npy.c), the serving of
 * whole-array formats row by row, and the preprocessing (scale, offset, reshape) that
 * every program spells the same way.
 */
#include "data_internal.h"
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const format_names[LI_FORMAT_COUNT] = {
	"auto", "npy", "json", "mat", "csv", "tsv", "idx", "folder",
};

const char *li_format_name(li_format f)
{
	return f >= 0 && f < LI_FORMAT_COUNT ? format_names[f] : "?";
}

int li_format_parse(const char *name, li_format *out)
{
	for (int i = 0; i < LI_FORMAT_COUNT; i++) {
		if (!strcmp(name, format_names[i])) {
			*out = (li_format)i;
			return 0;
		}
	}
	return -1;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && !strncasecmp(s + n - k, suffix, k);
}

li_format li_format_from_path(const char *path)
{
	if (!path || !strcmp(path, "-"))
		return LI_FORMAT_AUTO;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (ends_with(base, n, ".gz"))
		n -= 3;
	static const struct {
		const char *ext;
		li_format f;
	} exts[] = {
		{".npy", LI_FORMAT_NPY}, {".json", LI_FORMAT_JSON}, {".mat", LI_FORMAT_MAT},
		{".csv", LI_FORMAT_CSV}, {".tsv", LI_FORMAT_TSV}, {".tab", LI_FORMAT_TSV},
		{".idx", LI_FORMAT_IDX},
	};
	for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
		if (ends_with(base, n, exts[i].ext))
			return exts[i].f;
	/* MNIST's names: train-images-idx3-ubyte, t10k-labels.idx1-ubyte */
	for (size_t i = 0; i + 4 <= n; i++)
		if (!strncasecmp(base + i, "idx", 3) && base[i + 3] >= '1' && base[i + 3] <= '9')
			return LI_FORMAT_IDX;
	return LI_FORMAT_AUTO;
}

/* The format of a stream's first bytes. */
static li_format sniff(const unsigned char *m, size_t n)
{
	if (n >= 6 && !memcmp(m, "\x93NUMPY", 6))
		return LI_FORMAT_NPY;
	if (n >= 6 && !memcmp(m, "MATLAB", 6))
		return LI_FORMAT_MAT;
	if (n >= 4 && m[0] == 0 && m[1] == 0 && m[2] >= 0x08 && m[2] <= 0x0e && m[3] >= 1)
		return LI_FORMAT_IDX;
	size_t i = 0;
	if (n >= 3 && m[0] == 0xef && m[1] == 0xbb && m[2] == 0xbf)
		i = 3;
	while (i < n && isspace(m[i]))
		i++;
	if (i < n && (m[i] == '[' || m[i] == '{'))
		return LI_FORMAT_JSON;
	return LI_FORMAT_AUTO;        /* text: csv or tsv, as its first line says */
}

void li_data_opts_init(li_data_opts *o)
{
	memset(o, 0, sizeof *o);
	o->header = -1;
	o->pre.scale = 1;
}

/* -- the .npy back end ------------------------------------------------------ */

static int64_t npy_read(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err)
{
	int64_t k = li_npy_read_batch(d->impl, batch, want, max, err);
	if (k > 0 && d->row_rank == 0)
		batch->rank = 1;
	return k;
}

static void npy_close(li_data *d)
{
	li_npy_close(d->impl);
}

static const li_data_ops npy_ops = {npy_read, npy_close};

int li_data_open_npy(li_data *d, li_err *err)
{
	li_npy_reader *r = li_npy_open(d->file, err);
	if (!r)
		return li_err_empty_file(err);
	const li_npy_info *info = li_npy_info_of(r);
	d->impl = r;
	d->ops = &npy_ops;
	d->dtype = info->dtype;
	li_data_set_shape(d, info->rank, info->shape);
	return 0;
}

/* -- shared helpers for back ends ------------------------------------------- */

void li_data_set_shape(li_data *d, int rank, const int64_t *shape)
{
	d->scalar = rank == 0;
	if (rank == 0) {
		d->rows = 1;
		d->row_rank = 0;
	} else {
		d->rows = shape[0];
		d->row_rank = rank - 1;
		memcpy(d->row_shape, shape + 1, (size_t)(rank - 1) * sizeof *shape);
	}
	d->row_elems = 1;
	for (int i = 0; i < d->row_rank; i++)
		if (li_mul_i64(d->row_elems, d->row_shape[i], &d->row_elems))
			d->row_elems = -1;
}

int li_data_reserve(li_data *d, li_array *batch, li_dtype want, int64_t rows, li_err *err)
{
	size_t bytes, old = 0;
	if (batch->data)
		old = (size_t)li_array_count(batch) * li_dtype_size(batch->dtype);
	if (d->row_elems < 0 || li_mul_size((size_t)d->row_elems, li_dtype_size(want), &bytes) ||
	    li_mul_size(bytes, (size_t)rows, &bytes))
		return li_err_set(err, LI_EDATA, "rows too large");
	if (bytes > old || !batch->data) {
		void *p = realloc(batch->data, bytes ? bytes : 1);
		if (!p)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		batch->data = p;
	}
	batch->dtype = want;
	batch->rank = d->row_rank + 1;
	batch->shape[0] = rows;
	memcpy(batch->shape + 1, d->row_shape, (size_t)d->row_rank * sizeof *d->row_shape);
	return 0;
}

int li_data_reserve_labels(li_data *d, int64_t n, li_err *err)
{
	if ((size_t)n <= d->m_batch_labels)
		return 0;
	size_t m = d->m_batch_labels ? d->m_batch_labels : 64;
	while (m < (size_t)n)
		m *= 2;
	int64_t *p = realloc(d->batch_labels, m * sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	d->batch_labels = p;
	d->m_batch_labels = m;
	return 0;
}

int64_t li_data_read_whole(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err)
{
	int64_t k = d->rows - d->done;
	if (k > max)
		k = max;
	if (k <= 0)
		return 0;
	if (li_data_reserve(d, batch, want, k, err))
		return err->code;
	size_t es = li_dtype_size(d->whole.dtype);
	if (k > 0 && d->row_elems > 0) {   /* no elements: the data may be NULL */
		const char *src = (const char *)d->whole.data + (size_t)(d->done * d->row_elems) * es;
		li_convert(batch->data, want, src, d->whole.dtype, (size_t)(k * d->row_elems));
	}
	if (d->has_labels) {
		if (li_data_reserve_labels(d, k, err))
			return err->code;
		memcpy(d->batch_labels, (int64_t *)d->labels.data + d->done, (size_t)k * sizeof(int64_t));
	}
	return k;
}

int li_array_moveaxis0(li_array *a, int k, li_err *err)
{
	if (k < 0)
		k += a->rank;
	if (a->rank == 0 && k == 0)
		return 0;
	if (k < 0 || k >= a->rank)
		return li_err_set(err, LI_EUSAGE, "sample axis %d out of range for a rank-%d array",
				  k, a->rank);
	if (k == 0)
		return 0;
	/* view a as (outer, n_k, inner) with outer = prod(shape[:k]), inner = prod(shape[k+1:]);
	 * the result is (n_k, outer, inner) */
	int64_t outer = 1, inner = 1, nk = a->shape[k];
	for (int i = 0; i < k; i++)
		outer *= a->shape[i];
	for (int i = k + 1; i < a->rank; i++)
		inner *= a->shape[i];
	size_t es = li_dtype_size(a->dtype), total = (size_t)(outer * nk * inner) * es;
	char *out = malloc(total ? total : 1);
	if (!out)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	const char *in = a->data;
	size_t blk = (size_t)inner * es;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < nk; j++)
			memcpy(out + ((size_t)(j * outer + o)) * blk, in + ((size_t)(o * nk + j)) * blk, blk);
	free(a->data);
	a->data = out;
	int64_t s = a->shape[k];
	memmove(a->shape + 1, a->shape, (size_t)k * sizeof *a->shape);
	a->shape[0] = s;
	return 0;
}

static const li_data_ops whole_ops = {li_data_read_whole, NULL};

/* -- preprocessing ------------------------------------------------------------ */

int li_preprocess_row_shape(const li_preprocess *p, int rank, const int64_t *row_shape,
			    int64_t *out, li_err *err)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		if (li_mul_i64(n, row_shape[i], &n))
			return li_err_set(err, LI_EDATA, "row too large");
	if (p->reshape_rank <= 0 || p->reshape_rank >= LI_MAX_RANK) {
		if (p->reshape_rank)
			return li_err_set(err, LI_EUSAGE, "bad --reshape rank");
		if (rank < 0 || rank >= LI_MAX_RANK)
			return li_err_set(err, LI_EDATA, "bad rank");
		memcpy(out, row_shape, (size_t)rank * sizeof *out);
		return rank;
	}
	int64_t known = 1;
	int free_at = -1;
	for (int i = 0; i < p->reshape_rank; i++) {
		if (p->reshape[i] == -1 && free_at < 0) {
			free_at = i;
			continue;
		}
		if (p->reshape[i] < 0 || li_mul_i64(known, p->reshape[i], &known))
			return li_err_set(err, LI_EUSAGE, "bad --reshape dimensions");
	}
	memcpy(out, p->reshape, (size_t)p->reshape_rank * sizeof *out);
	if (free_at >= 0) {
		if (known == 0 || n % known)
			return li_err_set(err, LI_EDATA, "cannot reshape rows of %lld elements: "
					  "not a multiple of %lld", (long long)n, (long long)known);
		out[free_at] = n / known;
	} else if (known != n) {
		return li_err_set(err, LI_EDATA, "cannot reshape rows of %lld elements into %lld",
				  (long long)n, (long long)known);
	}
	return p->reshape_rank;
}

void li_preprocess_apply(const li_preprocess *p, void *data, li_dtype t, size_t n)
{
	if (p->scale == 1 && p->offset == 0)
		return;
	if (t == LI_DTYPE_F32) {
		float *x = data, s = (float)p->scale, o = (float)p->offset;
		for (size_t i = 0; i < n; i++)
			x[i] = x[i] * s + o;
	} else if (t == LI_DTYPE_F64) {
		double *x = data;
		for (size_t i = 0; i < n; i++)
			x[i] = x[i] * p->scale + p->offset;
	}
}

/* -- opening ------------------------------------------------------------------ */

/* Copies standard input (already wrapped) to a temporary file for matio. */
static int spool(li_data *d, li_err *err)
{
	const char *tmp = getenv("TMPDIR");
	size_t n = strlen(tmp && *tmp ? tmp : "/tmp") + 32;
	d->spool = malloc(n);
	if (!d->spool)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	snprintf(d->spool, n, "%s/li-data.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(d->spool);
	if (fd < 0) {
		free(d->spool);
		d->spool = NULL;
		return li_err_set(err, LI_EIO, "cannot make a temporary file: %s", strerror(errno));
	}
	FILE *out = fdopen(fd, "wb");
	if (!out) {
		close(fd);
		return li_err_set(err, LI_EIO, "cannot make a temporary file: %s", strerror(errno));
	}
	char buf[1 << 16];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, d->file)) > 0)
		if (fwrite(buf, 1, k, out) != k)
			break;
	int bad = ferror(d->file) || ferror(out);
	if (fclose(out) || bad)
		return li_err_set(err, LI_EIO, "cannot copy standard input to a temporary file");
	return 0;
}

static li_data *open_common(FILE *f, const char *path, const char *name,
			    const li_data_opts *opts, li_err *err)
{
	li_data *d = calloc(1, sizeof *d);
	if (!d) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	if (opts)
		d->opts = *opts;
	else
		li_data_opts_init(&d->opts);
	d->rows = -1;
	li_format fmt = d->opts.format;
	if (fmt == LI_FORMAT_AUTO)
		fmt = li_format_from_path(name);
	struct stat st;
	if (path && strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		fmt = LI_FORMAT_FOLDER;
	int rc;
	if (fmt == LI_FORMAT_FOLDER) {
		if (!path) {
			rc = li_err_set(err, LI_EUSAGE, "a data-set folder needs a path");
			goto fail;
		}
		d->format = fmt;
		rc = li_data_open_folder(d, path, err);
		goto opened;
	}
	if (fmt == LI_FORMAT_MAT && path && strcmp(path, "-") && !ends_with(path, strlen(path), ".gz")) {
		d->format = fmt;
		rc = li_data_open_mat(d, path, err);
		goto opened;
	}
	if (!f) {
		f = d->own_file = fopen(path, "rb");
		if (!f) {
			rc = li_err_set(err, LI_EIO, "%s", strerror(errno));
			goto fail;
		}
	}
	d->stream = li_stream_open(f, err);
	if (!d->stream) {
		rc = err->code;
		goto fail;
	}
	d->file = li_stream_file(d->stream);
	size_t n_magic;
	const unsigned char *magic = li_stream_magic(d->stream, &n_magic);
	if (n_magic == 0) {
		rc = li_err_set(err, LI_EDATA, "empty file");
		goto fail;
	}
	if (fmt == LI_FORMAT_AUTO)
		fmt = sniff(magic, n_magic);
	d->format = fmt;
	switch (fmt) {
	case LI_FORMAT_NPY: rc = li_data_open_npy(d, err); break;
	case LI_FORMAT_JSON: rc = li_data_open_json(d, err); break;
	case LI_FORMAT_AUTO: d->format = LI_FORMAT_CSV; rc = li_data_open_csv(d, 0, err); break;
	case LI_FORMAT_CSV: rc = li_data_open_csv(d, ',', err); break;
	case LI_FORMAT_TSV: rc = li_data_open_csv(d, '\t', err); break;
	case LI_FORMAT_IDX: rc = li_data_open_idx(d, err); break;
	case LI_FORMAT_MAT:
		rc = spool(d, err);
		if (!rc)
			rc = li_data_open_mat(d, d->spool, err);
		break;
	default: rc = li_err_set(err, LI_EUSAGE, "unknown format"); break;
	}
opened:
	if (rc)
		goto fail;
	if (!d->ops)
		d->ops = &whole_ops;
	/* whole-array formats may move their sample axis */
	if (d->whole.data && d->opts.sample_axis != 0) {
		if (li_array_moveaxis0(&d->whole, d->opts.sample_axis, err))
			goto fail;
		li_data_set_shape(d, d->whole.rank, d->whole.shape);
	} else if (d->opts.sample_axis != 0) {
		li_err_set(err, LI_EUSAGE, "a sample axis can be chosen only for .json and .mat data");
		goto fail;
	}
	if (d->row_elems < 0) {
		li_err_set(err, LI_EDATA, "rows too large");
		goto fail;
	}
	d->out_rank = li_preprocess_row_shape(&d->opts.pre, d->row_rank, d->row_shape,
					      d->out_shape, err);
	if (d->out_rank < 0)
		goto fail;
	d->opts.var = d->opts.cols = d->opts.label_col = d->opts.classes = NULL;
	return d;
fail:
	/* a decompression error explains whatever the back end saw */
	if (li_stream_error(d->stream)) {
		li_err_clear(err);
		li_err_set(err, LI_EDATA, "%s", li_stream_error(d->stream));
	}
	li_data_close(d);
	return NULL;
}

li_data *li_data_open(const char *path, const li_data_opts *opts, li_err *err)
{
	if (!path || !strcmp(path, "-"))
		return open_common(stdin, "-", NULL, opts, err);
	return open_common(NULL, path, path, opts, err);
}

li_data *li_data_open_file(FILE *f, const char *name, const li_data_opts *opts, li_err *err)
{
	return open_common(f, NULL, name, opts, err);
}

/* -- reading ------------------------------------------------------------------ */

int64_t li_data_read_batch(li_data *d, li_array *batch, li_dtype want, int64_t max_rows,
			   li_err *err)
{
	const li_preprocess *p = &d->opts.pre;
	if ((p->scale != 1 || p->offset != 0) && !li_dtype_is_float(want))
		return li_err_set(err, LI_EUSAGE, "--scale and --offset need a float output type");
	if (max_rows <= 0)
		return li_err_set(err, LI_EUSAGE, "batch of %lld rows", (long long)max_rows);
	int64_t k = d->ops->read(d, batch, want, max_rows, err);
	if (k < 0) {
		if (li_stream_error(d->stream)) {
			li_err_clear(err);
			li_err_set(err, LI_EDATA, "%s", li_stream_error(d->stream));
		}
		return err->code ? err->code : LI_EDATA;
	}
	if (k == 0)
		return 0;
	d->done += k;
	li_preprocess_apply(p, batch->data, want, (size_t)(k * d->row_elems));
	batch->rank = d->out_rank + 1;
	memcpy(batch->shape + 1, d->out_shape, (size_t)d->out_rank * sizeof *d->out_shape);
	return k;
}

int64_t li_data_skip_rows(li_data *d, int64_t k, li_err *err)
{
	li_array scratch = {0};
	int64_t left = k, got = 0, per = d->row_elems > 0 ? (1 << 20) / d->row_elems + 1 : 1 << 20;
	if (k <= 0)
		return 0;
	if (d->ops == &npy_ops) {
		/* a regular file seeks past them (li_npy_skip_rows) */
		if ((got = li_npy_skip_rows(d->impl, k, err)) > 0)
			d->done += got;
		return got;
	}
	/* float32 whatever the type, so that --scale/--offset are never refused here */
	while (left > 0 &&
	       (got = li_data_read_batch(d, &scratch, LI_DTYPE_F32, left < per ? left : per, err)) > 0)
		left -= got;
	li_array_release(&scratch);
	return got < 0 ? got : k - left;
}

int li_data_read_all(li_data *d, li_array *out, li_dtype want, li_err *err)
{
	li_array batch = {0};
	memset(out, 0, sizeof *out);
	size_t es = li_dtype_size(want), used = 0, cap = 0;
	char *buf = NULL;
	int64_t k, rows = 0;
	size_t row_bytes = (size_t)d->row_elems * es;
	while ((k = li_data_read_batch(d, &batch, want, 1 << 16, err)) > 0) {
		size_t add = (size_t)k * row_bytes;
		if (used + add > cap) {
			size_t m = cap ? cap : 1 << 12;
			while (m < used + add)
				m *= 2;
			char *p = realloc(buf, m);
			if (!p) {
				li_err_set(err, LI_ENOMEM, "out of memory");
				k = -1;
				break;
			}
			buf = p;
			cap = m;
		}
		memcpy(buf + used, batch.data, add);
		used += add;
		rows += k;
	}
	li_array_release(&batch);
	if (k < 0) {
		free(buf);
		return err->code ? err->code : LI_EDATA;
	}
	out->dtype = want;
	out->rank = d->out_rank + 1;
	out->shape[0] = rows;
	memcpy(out->shape + 1, d->out_shape, (size_t)d->out_rank * sizeof *d->out_shape);
	out->data = buf ? buf : malloc(1);
	if (!out->data)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

/* -- accessors ------------------------------------------------------------------ */

li_format li_data_format(const li_data *d) { return d->format; }
li_dtype li_data_dtype(const li_data *d) { return d->dtype; }
const char *li_data_var(const li_data *d) { return d->var; }
int li_data_gzipped(const li_data *d) { return d->stream && li_stream_gzipped(d->stream); }
int64_t li_data_row_elems(const li_data *d) { return d->row_elems; }
int64_t li_data_rows(const li_data *d) { return d->rows; }
int li_data_has_labels(const li_data *d) { return d->has_labels; }
int li_data_scalar(const li_data *d) { return d->scalar; }
FILE *li_data_file(const li_data *d) { return d->file; }

const li_npy_info *li_data_npy_info(const li_data *d)
{
	return d->format == LI_FORMAT_NPY ? li_npy_info_of(d->impl) : NULL;
}

int li_data_row_shape(const li_data *d, int64_t *shape)
{
	memcpy(shape, d->out_shape, (size_t)d->out_rank * sizeof *shape);
	return d->out_rank;
}

const int64_t *li_data_batch_labels(const li_data *d)
{
	return d->has_labels ? d->batch_labels : NULL;
}

char *const *li_data_classes(const li_data *d, int64_t *n)
{
	*n = d->classes.n;
	return d->classes.n ? d->classes.names : NULL;
}

void li_data_close(li_data *d)
{
	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	li_stream_close(d->stream);
	if (d->own_file)
		fclose(d->own_file);
	if (d->spool) {
		unlink(d->spool);
		free(d->spool);
	}
	free(d->var);
	li_array_release(&d->whole);
	li_array_release(&d->labels);
	free(d->batch_labels);
	li_classmap_release(&d->classes);
	free(d);
}
