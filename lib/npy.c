/*
 * numpy's .npy format: "\x93NUMPY", major and minor version, a little-endian header
 * length (2 bytes in 1.0, 4 in 2.0 and 3.0), then a Python dict literal with 'descr',
 * 'fortran_order' and 'shape', padded with spaces to a multiple of 64 bytes and ended
 * by a newline, then the raw data. See npy.h for the streaming and allocation rules.
 */
#include "npy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_HEADER (1 << 20)   /* numpy itself refuses headers over 10,000 bytes */
#define CHUNK (1 << 20)        /* bytes read from the stream at a time */
#define SPOOL_MEM (32 << 20)   /* unknown-length output kept in memory up to this */

struct li_npy_reader {
	FILE *f;
	li_npy_info info;
	int64_t rows, row_elems, done_rows;
	size_t esize;
	int swap;
	unsigned char *chunk;          /* raw bytes in transit, CHUNK bytes */
	unsigned char *whole;          /* Fortran arrays: the whole array, C order, native */
};

/* -- header parsing ------------------------------------------------------ */

typedef struct {
	const char *s, *end;
} cursor;

static void skip_ws(cursor *c)
{
	while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
		c->s++;
}

static int eat(cursor *c, char ch)
{
	skip_ws(c);
	if (c->s < c->end && *c->s == ch) {
		c->s++;
		return 1;
	}
	return 0;
}

/* A Python string literal in ' or " quotes, without escapes (numpy writes none). */
static int string_lit(cursor *c, char *out, size_t n)
{
	skip_ws(c);
	if (c->s >= c->end || (*c->s != '\'' && *c->s != '"'))
		return -1;
	char q = *c->s++;
	size_t i = 0;
	while (c->s < c->end && *c->s != q) {
		if (*c->s == '\\' || i + 1 >= n)
			return -1;
		out[i++] = *c->s++;
	}
	if (c->s >= c->end)
		return -1;
	c->s++;
	out[i] = '\0';
	return 0;
}

static int parse_descr(const char *d, li_npy_info *info, li_err *err)
{
	char order = d[0];
	if (order != '<' && order != '>' && order != '|' && order != '=')
		return li_err_set(err, LI_EDATA, "unsupported dtype '%s'", d);
	char kind = d[1];
	char *end;
	long size = strtol(d + 2, &end, 10);
	if (kind == 'O')
		return li_err_set(err, LI_EDATA, "unsupported dtype '%s' (Python objects)", d);
	if (kind == 'c')
		return li_err_set(err, LI_EDATA, "unsupported dtype '%s' (complex)", d);
	if (end == d + 2 || *end)
		return li_err_set(err, LI_EDATA, "unsupported dtype '%s'", d);
	static const struct {
		char kind;
		long size;
		li_dtype t;
	} kinds[] = {
		{'b', 1, LI_DTYPE_BOOL}, {'i', 1, LI_DTYPE_I8}, {'i', 2, LI_DTYPE_I16},
		{'i', 4, LI_DTYPE_I32}, {'i', 8, LI_DTYPE_I64}, {'u', 1, LI_DTYPE_U8},
		{'u', 2, LI_DTYPE_U16}, {'u', 4, LI_DTYPE_U32}, {'u', 8, LI_DTYPE_U64},
		{'f', 2, LI_DTYPE_F16}, {'f', 4, LI_DTYPE_F32}, {'f', 8, LI_DTYPE_F64},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		if (kinds[i].kind == kind && kinds[i].size == size) {
			info->dtype = kinds[i].t;
			info->big_endian = order == '>';
			return 0;
		}
	}
	return li_err_set(err, LI_EDATA, "unsupported dtype '%s'", d);
}

static int parse_shape(cursor *c, li_npy_info *info, li_err *err)
{
	if (!eat(c, '('))
		return li_err_set(err, LI_EDATA, "header 'shape' is not a tuple");
	info->rank = 0;
	for (;;) {
		if (eat(c, ')'))
			return 0;
		skip_ws(c);
		if (c->s < c->end && *c->s == '-')
			return li_err_set(err, LI_EDATA, "header 'shape' has a negative dimension");
		if (c->s >= c->end || *c->s < '0' || *c->s > '9')
			return li_err_set(err, LI_EDATA, "header 'shape' is not a tuple of integers");
		int64_t v = 0;
		while (c->s < c->end && *c->s >= '0' && *c->s <= '9') {
			if (li_mul_i64(v, 10, &v) || __builtin_add_overflow(v, *c->s - '0', &v))
				return li_err_set(err, LI_EDATA, "header 'shape' dimension overflows");
			c->s++;
		}
		if (c->s < c->end && *c->s == 'L') /* Python 2 long */
			c->s++;
		if (info->rank == LI_MAX_RANK)
			return li_err_set(err, LI_EDATA, "header 'shape' has more than %d dimensions",
					  LI_MAX_RANK);
		info->shape[info->rank++] = v;
		if (!eat(c, ',')) {
			if (eat(c, ')'))
				return 0;
			return li_err_set(err, LI_EDATA, "header 'shape' is not a tuple of integers");
		}
	}
}

static int parse_header(const char *h, size_t len, li_npy_info *info, li_err *err)
{
	cursor c = {h, h + len};
	int have_descr = 0, have_order = 0, have_shape = 0;
	if (!eat(&c, '{'))
		return li_err_set(err, LI_EDATA, "header is not a Python dict literal");
	while (!eat(&c, '}')) {
		char key[32], val[64];
		if (string_lit(&c, key, sizeof key) || !eat(&c, ':'))
			return li_err_set(err, LI_EDATA, "header is not a Python dict literal");
		if (!strcmp(key, "descr")) {
			skip_ws(&c);
			if (c.s < c.end && *c.s == '[')
				return li_err_set(err, LI_EDATA, "unsupported dtype (structured array)");
			if (string_lit(&c, val, sizeof val))
				return li_err_set(err, LI_EDATA, "header 'descr' is not a string");
			if (parse_descr(val, info, err))
				return err->code;
			have_descr = 1;
		} else if (!strcmp(key, "fortran_order")) {
			skip_ws(&c);
			if (c.end - c.s >= 4 && !memcmp(c.s, "True", 4)) {
				info->fortran = 1;
				c.s += 4;
			} else if (c.end - c.s >= 5 && !memcmp(c.s, "False", 5)) {
				info->fortran = 0;
				c.s += 5;
			} else {
				return li_err_set(err, LI_EDATA, "header 'fortran_order' is not True or False");
			}
			have_order = 1;
		} else if (!strcmp(key, "shape")) {
			if (parse_shape(&c, info, err))
				return err->code;
			have_shape = 1;
		} else {
			return li_err_set(err, LI_EDATA, "header has an unexpected key '%s'", key);
		}
		if (!eat(&c, ',')) {
			if (eat(&c, '}'))
				break;
			return li_err_set(err, LI_EDATA, "header is not a Python dict literal");
		}
	}
	if (!have_descr || !have_order || !have_shape)
		return li_err_set(err, LI_EDATA, "header lacks '%s'",
				  !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
	return 0;
}

/* -- reading ------------------------------------------------------------- */

/* Reads exactly n bytes; returns the count read (short at end of stream) or -1 on error. */
static int64_t read_full(FILE *f, void *buf, size_t n)
{
	size_t got = fread(buf, 1, n, f);
	if (got < n && ferror(f))
		return -1;
	return (int64_t)got;
}

li_npy_reader *li_npy_open(FILE *f, li_err *err)
{
	unsigned char pre[12];
	char *header = NULL;
	li_npy_reader *r = NULL;
	int64_t got = read_full(f, pre, 8);
	if (got < 0) {
		li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		goto fail;
	}
	if (got == 0) {
		li_err_set(err, LI_EEND, "empty file");
		goto fail;
	}
	if (got < 6 || memcmp(pre, "\x93NUMPY", 6)) {
		li_err_set(err, LI_EDATA, "not a .npy file (bad magic)");
		goto fail;
	}
	if (got < 8) {
		li_err_set(err, LI_EDATA, "truncated header");
		goto fail;
	}
	int major = pre[6];
	if (major < 1 || major > 3) {
		li_err_set(err, LI_EDATA, "unsupported .npy version %d.%d", major, pre[7]);
		goto fail;
	}
	size_t lenbytes = major == 1 ? 2 : 4;
	if (read_full(f, pre + 8, lenbytes) != (int64_t)lenbytes) {
		li_err_set(err, LI_EDATA, "truncated header");
		goto fail;
	}
	size_t hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
	if (major > 1)
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	if (hlen > MAX_HEADER) {
		li_err_set(err, LI_EDATA, "header length %zu is implausible", hlen);
		goto fail;
	}
	header = malloc(hlen + 1);
	r = calloc(1, sizeof *r);
	if (!header || !r) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	if (read_full(f, header, hlen) != (int64_t)hlen) {
		li_err_set(err, LI_EDATA, "truncated header");
		goto fail;
	}
	header[hlen] = '\0';
	r->f = f;
	r->info.version = major;
	if (parse_header(header, hlen, &r->info, err))
		goto fail;
	free(header);
	header = NULL;

	li_npy_info *in = &r->info;
	int64_t count = li_shape_count(in->rank, in->shape);
	size_t bytes;
	r->esize = li_dtype_size(in->dtype);
	if (count < 0 || li_mul_size((size_t)count, r->esize, &bytes) || bytes > INT64_MAX) {
		li_err_set(err, LI_EDATA, "shape product overflows");
		goto fail;
	}
	r->rows = in->rank ? in->shape[0] : 1;
	r->row_elems = li_shape_row_elems(in->rank, in->shape);
	if (r->rows == 0)
		r->row_elems = li_shape_row_elems(in->rank, in->shape); /* may be 0 or more */
	r->swap = in->big_endian && r->esize > 1;

	/* On a regular file, check the claim against the bytes really there. */
	struct stat st;
	off_t pos = ftello(f);
	if (pos >= 0 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)(st.st_size - pos) < bytes) {
		li_err_set(err, LI_EDATA, "shape claims %zu bytes of data but the file holds %lld",
			   bytes, (long long)(st.st_size - pos));
		goto fail;
	}
	r->chunk = malloc(CHUNK);
	if (!r->chunk) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	return r;
fail:
	free(header);
	li_npy_close(r);
	return NULL;
}

const li_npy_info *li_npy_info_of(const li_npy_reader *r)
{
	return &r->info;
}

int64_t li_npy_rows(const li_npy_reader *r)
{
	return r->rows;
}

int64_t li_npy_row_elems(const li_npy_reader *r)
{
	return r->row_elems;
}

void li_npy_close(li_npy_reader *r)
{
	if (!r)
		return;
	free(r->chunk);
	free(r->whole);
	free(r);
}

/* Grows a (dtype want, bytes *cap) to hold n elements. */
static int reserve(li_array *a, size_t *cap, size_t n, li_dtype want, li_err *err)
{
	size_t need;
	if (li_mul_size(n, li_dtype_size(want), &need))
		return li_err_set(err, LI_EDATA, "array size overflows");
	if (need <= *cap && a->data)
		return 0;
	size_t ncap = *cap ? *cap : 4096;
	while (ncap < need)
		ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
	void *p = realloc(a->data, ncap);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory for %zu bytes", ncap);
	a->data = p;
	*cap = ncap;
	return 0;
}

/*
 * Reads n elements from the stream, converting to want, into dst; or, when grow is set,
 * into grow's buffer (capacity *cap), enlarged as data actually arrives. Returns 0, or a
 * negative code ("truncated data" when the stream ends first).
 */
static int read_elems(li_npy_reader *r, void *dst, li_array *grow, size_t *cap, li_dtype want,
		      size_t n, li_err *err)
{
	size_t per_chunk = CHUNK / r->esize, done = 0, wsize = li_dtype_size(want);
	while (done < n) {
		size_t k = n - done < per_chunk ? n - done : per_chunk;
		int64_t got = read_full(r->f, r->chunk, k * r->esize);
		if (got < 0)
			return li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		size_t whole = (size_t)got / r->esize;
		if (grow) {
			if (reserve(grow, cap, done + whole, want, err))
				return err->code;
			dst = grow->data;
		}
		if (r->swap)
			li_bswap(r->chunk, r->esize, whole);
		li_convert((char *)dst + done * wsize, want, r->chunk, r->info.dtype, whole);
		done += whole;
		if (whole < k)
			return li_err_set(err, LI_EDATA, "truncated data: the stream ended %zu bytes "
					  "into an array that claims %lld rows",
					  (size_t)got + (size_t)(r->done_rows * r->row_elems) * r->esize +
					  (done - whole) * r->esize, (long long)r->rows);
	}
	return 0;
}

/* Reads a whole Fortran-ordered array and transposes it to C order (native endian). */
static int load_fortran(li_npy_reader *r, li_err *err)
{
	li_array raw = {0};
	size_t cap = 0, n = (size_t)li_shape_count(r->info.rank, r->info.shape);
	int rc = read_elems(r, NULL, &raw, &cap, r->info.dtype, n, err);
	if (rc == 0 && reserve(&raw, &cap, n, r->info.dtype, err) == 0) {
		r->whole = malloc(n ? n * r->esize : 1);
		if (!r->whole) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		} else {
			/* Fortran index: i0 + s0*(i1 + s1*(i2 ...)); walk C order, count odometer */
			int rank = r->info.rank;
			int64_t idx[LI_MAX_RANK] = {0}, fstride[LI_MAX_RANK];
			fstride[0] = 1;
			for (int d = 1; d < rank; d++)
				fstride[d] = fstride[d - 1] * r->info.shape[d - 1];
			int64_t src = 0;
			for (size_t c = 0; c < n; c++) {
				memcpy(r->whole + c * r->esize, (char *)raw.data + (size_t)src * r->esize,
				       r->esize);
				for (int d = rank - 1; d >= 0; d--) {
					src += fstride[d];
					if (++idx[d] < r->info.shape[d])
						break;
					src -= fstride[d] * r->info.shape[d];
					idx[d] = 0;
				}
			}
		}
	}
	if (rc == 0 && err)
		rc = err->code;
	li_array_release(&raw);
	return rc;
}

static int64_t read_rows(li_npy_reader *r, void *buf, li_array *grow, size_t *cap,
			 li_dtype want, int64_t max_rows, li_err *err)
{
	int64_t left = r->rows - r->done_rows;
	int64_t k = max_rows < left ? max_rows : left;
	if (k <= 0)
		return 0;
	size_t n = (size_t)k * (size_t)r->row_elems;
	if (r->info.fortran && r->info.rank >= 2) {
		if (!r->whole && load_fortran(r, err))
			return err->code;
		if (grow) {
			if (reserve(grow, cap, n, want, err))
				return err->code;
			buf = grow->data;
		}
		size_t off = (size_t)r->done_rows * (size_t)r->row_elems * r->esize;
		li_convert(buf, want, r->whole + off, r->info.dtype, n);
	} else if (read_elems(r, buf, grow, cap, want, n, err)) {
		return err->code;
	}
	r->done_rows += k;
	return k;
}

int64_t li_npy_read_rows(li_npy_reader *r, void *buf, li_dtype want, int64_t max_rows,
			 li_err *err)
{
	return read_rows(r, buf, NULL, NULL, want, max_rows, err);
}

int64_t li_npy_read_batch(li_npy_reader *r, li_array *batch, li_dtype want, int64_t max_rows,
			  li_err *err)
{
	/* the capacity in bytes is not stored in li_array: track it as allocated size */
	size_t cap = batch->data ? (size_t)li_array_count(batch) * li_dtype_size(batch->dtype) : 0;
	int64_t k = read_rows(r, NULL, batch, &cap, want, max_rows, err);
	if (k < 0)
		return k;
	batch->dtype = want;
	batch->rank = r->info.rank ? r->info.rank : 1;
	batch->shape[0] = k;
	for (int d = 1; d < r->info.rank; d++)
		batch->shape[d] = r->info.shape[d];
	return k;
}

int64_t li_npy_skip_rows(li_npy_reader *r, int64_t k, li_err *err)
{
	int64_t left = r->rows - r->done_rows;
	if (k > left)
		k = left;
	if (k <= 0)
		return 0;
	if (r->info.fortran && r->info.rank >= 2) {
		if (!r->whole && load_fortran(r, err))
			return err->code;
		r->done_rows += k;
		return k;
	}
	size_t bytes = (size_t)k * (size_t)r->row_elems * r->esize;
	/* a regular file seeks past them (a shard far into a big file is not read through) */
	struct stat st;
	off_t pos = bytes > CHUNK ? ftello(r->f) : -1;
	if (pos >= 0 && fstat(fileno(r->f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)(st.st_size - pos) >= bytes && fseeko(r->f, (off_t)bytes, SEEK_CUR) == 0)
		bytes = 0;
	while (bytes > 0) {
		size_t step = bytes < CHUNK ? bytes : CHUNK;
		int64_t got = read_full(r->f, r->chunk, step);
		if (got < 0)
			return li_err_set(err, LI_EIO, "read error: %s", strerror(errno));
		if ((size_t)got < step)
			return li_err_set(err, LI_EDATA, "truncated data: the stream ended before row %lld "
					  "of an array that claims %lld rows",
					  (long long)(r->done_rows + k), (long long)r->rows);
		bytes -= step;
	}
	r->done_rows += k;
	return k;
}

int li_npy_load(FILE *f, li_array *out, int want, li_err *err)
{
	memset(out, 0, sizeof *out);
	li_npy_reader *r = li_npy_open(f, err);
	if (!r)
		return err->code;
	li_dtype t = want < 0 ? r->info.dtype : (li_dtype)want;
	size_t cap = 0;
	int64_t k = read_rows(r, NULL, out, &cap, t, r->rows, err);
	if (k >= 0 && !out->data && reserve(out, &cap, 1, t, err))
		k = -1;
	if (k < 0) {
		li_array_release(out);
		li_npy_close(r);
		return err->code;
	}
	out->dtype = t;
	out->rank = r->info.rank;
	memcpy(out->shape, r->info.shape, sizeof out->shape);
	li_npy_close(r);
	return 0;
}

/* -- writing ------------------------------------------------------------- */

struct li_npy_writer {
	FILE *f;
	li_dtype dtype;
	int rank;
	int64_t shape[LI_MAX_RANK];
	int64_t row_bytes, rows_written;
	int spooled;
	unsigned char *mem;            /* spooled rows, while they fit in SPOOL_MEM */
	size_t n_mem, m_mem;
	FILE *spill;                   /* spooled rows past SPOOL_MEM */
};

static const char *descr_of(li_dtype t)
{
	static const char *d[LI_DTYPE_COUNT] = {
		"|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8",
	};
	return d[t];
}

/* The header exactly as numpy writes it: keys sorted, padded so data starts at a multiple
 * of 64 bytes; version 2.0 only when the header does not fit 1.0's 16-bit length. */
static int write_header(FILE *f, li_dtype t, int rank, const int64_t *shape, li_err *err)
{
	char dict[LI_MAX_RANK * 24 + 128], shp[LI_MAX_RANK * 24 + 8];
	li_shape_format(rank, shape, shp, sizeof shp);
	int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
			   descr_of(t), shp);
	size_t hlen = (size_t)len + 1, pre = 10;
	size_t pad = 64 - (pre + hlen) % 64;
	if (pad == 64)
		pad = 0;
	int version = hlen + pad > 65535 ? 2 : 1;
	if (version == 2) {
		pre = 12;
		pad = (64 - (pre + hlen) % 64) % 64;
	}
	unsigned char magic[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)version, 0};
	size_t total = hlen + pad;
	magic[8] = total & 0xff;
	magic[9] = (total >> 8) & 0xff;
	magic[10] = (total >> 16) & 0xff;
	magic[11] = (total >> 24) & 0xff;
	if (fwrite(magic, 1, pre, f) != pre || fwrite(dict, 1, (size_t)len, f) != (size_t)len)
		return li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
	for (size_t i = 0; i < pad; i++)
		if (putc(' ', f) == EOF)
			return li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
	if (putc('\n', f) == EOF)
		return li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
	return 0;
}

li_npy_writer *li_npy_writer_open(FILE *f, li_dtype t, int rank, const int64_t *shape,
				  li_err *err)
{
	if ((unsigned)t >= LI_DTYPE_COUNT || rank < 0 || rank > LI_MAX_RANK) {
		li_err_set(err, LI_EUSAGE, "bad dtype or rank for a .npy writer");
		return NULL;
	}
	li_npy_writer *w = calloc(1, sizeof *w);
	if (!w) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	w->f = f;
	w->dtype = t;
	w->rank = rank;
	memcpy(w->shape, shape, (size_t)rank * sizeof *shape);
	w->spooled = rank > 0 && shape[0] < 0;
	int64_t row = li_shape_row_elems(rank, shape);
	if (row < 0 || li_mul_i64(row, (int64_t)li_dtype_size(t), &w->row_bytes) ||
	    (!w->spooled && li_shape_count(rank, shape) < 0)) {
		li_err_set(err, LI_EUSAGE, "array size overflows");
		free(w);
		return NULL;
	}
	if (!w->spooled && write_header(f, t, rank, shape, err)) {
		free(w);
		return NULL;
	}
	return w;
}

int li_npy_write_rows(li_npy_writer *w, const void *rows, int64_t n, li_err *err)
{
	size_t bytes = (size_t)n * (size_t)w->row_bytes;
	if (!w->spooled) {
		int64_t limit = w->rank ? w->shape[0] : 1;
		if (w->rows_written + n > limit)
			return li_err_set(err, LI_EUSAGE, "more rows written than the header says");
		if (bytes && fwrite(rows, 1, bytes, w->f) != bytes)
			return li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
	} else if (!w->spill && w->n_mem + bytes <= SPOOL_MEM) {
		if (w->n_mem + bytes > w->m_mem) {
			size_t m = w->m_mem ? w->m_mem : 65536;
			while (m < w->n_mem + bytes)
				m *= 2;
			unsigned char *p = realloc(w->mem, m);
			if (!p)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			w->mem = p;
			w->m_mem = m;
		}
		memcpy(w->mem + w->n_mem, rows, bytes);
		w->n_mem += bytes;
	} else {
		if (!w->spill) {
			w->spill = tmpfile();
			if (!w->spill || fwrite(w->mem, 1, w->n_mem, w->spill) != w->n_mem)
				return li_err_set(err, LI_EIO, "cannot spool rows to a temporary file: %s",
						  strerror(errno));
			free(w->mem);
			w->mem = NULL;
			w->n_mem = w->m_mem = 0;
		}
		if (fwrite(rows, 1, bytes, w->spill) != bytes)
			return li_err_set(err, LI_EIO, "cannot spool rows to a temporary file: %s",
					  strerror(errno));
	}
	w->rows_written += n;
	return 0;
}

int li_npy_writer_close(li_npy_writer *w, li_err *err)
{
	int rc = 0;
	if (!w->spooled) {
		int64_t want = w->rank ? w->shape[0] : 1;
		if (w->rows_written != want)
			rc = li_err_set(err, LI_EUSAGE, "%lld rows written to an array of %lld",
					(long long)w->rows_written, (long long)want);
	} else {
		w->shape[0] = w->rows_written;
		rc = write_header(w->f, w->dtype, w->rank, w->shape, err);
		if (!rc && w->mem && fwrite(w->mem, 1, w->n_mem, w->f) != w->n_mem)
			rc = li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
		if (!rc && w->spill) {
			rewind(w->spill);
			size_t got;
			unsigned char buf[65536];
			while (!rc && (got = fread(buf, 1, sizeof buf, w->spill)) > 0)
				if (fwrite(buf, 1, got, w->f) != got)
					rc = li_err_set(err, LI_EIO, "write error: %s", strerror(errno));
			if (!rc && ferror(w->spill))
				rc = li_err_set(err, LI_EIO, "cannot read back spooled rows");
		}
	}
	li_npy_writer_free(w);
	return rc;
}

void li_npy_writer_free(li_npy_writer *w)
{
	if (!w)
		return;
	if (w->spill)
		fclose(w->spill);
	free(w->mem);
	free(w);
}

int li_npy_save(FILE *f, const li_array *a, li_err *err)
{
	li_npy_writer *w = li_npy_writer_open(f, a->dtype, a->rank, a->shape, err);
	if (!w)
		return err->code;
	int64_t rows = a->rank ? a->shape[0] : 1;
	if (li_npy_write_rows(w, a->data, rows, err)) {
		li_npy_writer_free(w);
		return err->code;
	}
	return li_npy_writer_close(w, err);
}

int li_npy_sniff(FILE *f)
{
	int c = getc(f);
	if (c != EOF)
		ungetc(c, f);
	return c == 0x93;
}
