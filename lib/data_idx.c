/*
 * IDX, the format MNIST and Fashion-MNIST ship in (Yann LeCun's description): bytes 0
 * and 1 zero, byte 2 the element type (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
 * 0x0D float32, 0x0E float64), byte 3 the rank, then one big-endian uint32 per
 * dimension, then the data, big-endian, C order. gzip is read through stream.c.
 *
 * The header's sizes are checked against the file's size when the input is a plain
 * file; on a pipe or in gzip, memory grows only with the bytes that arrive, a short
 * body is "truncated data" and bytes past the claimed data are an error.
 */
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PIECE (1 << 20)

typedef struct idx_state {
	unsigned char *raw;
	size_t m_raw;
	size_t esize;
	int64_t data_bytes_left;      /* for the end check; -1 unknown */
} idx_state;

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t idx_read(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err)
{
	idx_state *st = d->impl;
	int64_t k = d->rows - d->done;
	if (k > max)
		k = max;
	if (k <= 0) {
		if (d->done == d->rows && fgetc(d->file) != EOF)
			return li_err_set(err, LI_EDATA, "bytes follow the %lld rows the header claims",
					  (long long)d->rows);
		return 0;
	}
	size_t row_bytes = (size_t)d->row_elems * st->esize, need, got = 0;
	if (li_mul_size(row_bytes, (size_t)k, &need))
		return li_err_set(err, LI_EDATA, "rows too large");
	while (got < need) {
		size_t piece = need - got < PIECE ? need - got : PIECE;
		if (got + piece > st->m_raw) {
			size_t m = st->m_raw ? st->m_raw : PIECE;
			while (m < got + piece)
				m *= 2;
			unsigned char *p = realloc(st->raw, m);
			if (!p)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			st->raw = p;
			st->m_raw = m;
		}
		size_t n = fread(st->raw + got, 1, piece, d->file);
		got += n;
		if (n < piece) {
			if (ferror(d->file))
				return li_err_set(err, LI_EIO, "read error");
			return li_err_set(err, LI_EDATA, "truncated data: the header claims %lld rows, "
					  "the file holds %lld", (long long)d->rows,
					  (long long)(d->done + (int64_t)(got / (row_bytes ? row_bytes : 1))));
		}
	}
	if (li_data_reserve(d, batch, want, k, err))
		return err->code;
	size_t n = (size_t)k * (size_t)d->row_elems;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	li_bswap(st->raw, st->esize, n);
#endif
	if (n)	/* no elements: src may be NULL */
		li_convert(batch->data, want, st->raw, d->dtype, n);
	return k;
}

static void idx_close(li_data *d)
{
	idx_state *st = d->impl;
	if (st)
		free(st->raw);
	free(st);
}

static const li_data_ops idx_ops = {idx_read, idx_close};

int li_data_open_idx(li_data *d, li_err *err)
{
	unsigned char h[4 + 4 * 255];
	if (fread(h, 1, 4, d->file) != 4)
		return li_err_set(err, LI_EDATA, "truncated IDX header");
	if (h[0] || h[1])
		return li_err_set(err, LI_EDATA, "not an IDX file (bad magic number)");
	static const struct {
		unsigned char code;
		li_dtype t;
	} types[] = {
		{0x08, LI_DTYPE_U8}, {0x09, LI_DTYPE_I8}, {0x0B, LI_DTYPE_I16},
		{0x0C, LI_DTYPE_I32}, {0x0D, LI_DTYPE_F32}, {0x0E, LI_DTYPE_F64},
	};
	int found = 0;
	for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
		if (types[i].code == h[2]) {
			d->dtype = types[i].t;
			found = 1;
		}
	}
	if (!found)
		return li_err_set(err, LI_EDATA, "not an IDX file (unknown type code 0x%02x)", h[2]);
	int rank = h[3];
	if (rank < 1 || rank > LI_MAX_RANK)
		return li_err_set(err, LI_EDATA, "IDX rank %d out of range 1..%d", rank, LI_MAX_RANK);
	if (fread(h + 4, 4, (size_t)rank, d->file) != (size_t)rank)
		return li_err_set(err, LI_EDATA, "truncated IDX header");
	int64_t shape[LI_MAX_RANK], total = 1;
	for (int i = 0; i < rank; i++) {
		shape[i] = be32(h + 4 + 4 * i);
		if (li_mul_i64(total, shape[i], &total))
			return li_err_set(err, LI_EDATA, "IDX dimensions overflow");
	}
	idx_state *st = calloc(1, sizeof *st);
	if (!st)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	d->impl = st;
	d->ops = &idx_ops;
	st->esize = li_dtype_size(d->dtype);
	int64_t bytes;
	if (li_mul_i64(total, (int64_t)st->esize, &bytes))
		return li_err_set(err, LI_EDATA, "IDX dimensions overflow");
	/* a plain file: the claim must be the size */
	struct stat sb;
	if (d->own_file && !li_data_gzipped(d) && fstat(fileno(d->own_file), &sb) == 0 &&
	    S_ISREG(sb.st_mode)) {
		int64_t have = (int64_t)sb.st_size - 4 - 4 * rank;
		if (have != bytes)
			return li_err_set(err, LI_EDATA, "the header claims %lld bytes of data, the file "
					  "holds %lld", (long long)bytes, (long long)have);
	}
	li_data_set_shape(d, rank, shape);
	return 0;
}
