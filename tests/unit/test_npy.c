/*
 * Unit tests for lib/array.c and lib/npy.c. Expected values are worked out by hand from
 * the IEEE half format and numpy's .npy format description.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"

static void test_half(void)
{
	static const struct { uint16_t h; float f; } t[] = {
		{0x3c00, 1.0f}, {0xc000, -2.0f}, {0x7bff, 65504.0f}, {0x0001, 5.9604644775390625e-8f},
		{0x0400, 6.103515625e-5f}, {0x3555, 0.333251953125f}, {0x0000, 0.0f},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		CHECK(li_half_to_float(t[i].h) == t[i].f, "half 0x%04x -> %g", t[i].h, (double)t[i].f);
		CHECK_INT(li_float_to_half(t[i].f), t[i].h, "float -> half");
	}
	CHECK(isinf(li_half_to_float(0x7c00)), "half 0x7c00 is +inf");
	CHECK(isnan(li_half_to_float(0x7e00)), "half 0x7e00 is nan");
	CHECK_INT(li_float_to_half(65520.0f), 0x7c00, "65520 overflows to inf");
	CHECK_INT(li_float_to_half(1.0f + 1.0f / 2048), 0x3c00, "tie rounds to even (down)");
	CHECK_INT(li_float_to_half(1.0f + 3.0f / 2048), 0x3c02, "tie rounds to even (up)");
}

static void test_convert(void)
{
	float f[] = {-1.7f, 300.5f, NAN, 2.9f, -200.0f};
	uint8_t u[5];
	int8_t s[5];
	li_convert(u, LI_DTYPE_U8, f, LI_DTYPE_F32, 5);
	li_convert(s, LI_DTYPE_I8, f, LI_DTYPE_F32, 5);
	CHECK(u[0] == 0 && u[1] == 255 && u[2] == 0 && u[3] == 2 && u[4] == 0,
	      "float -> uint8 saturates and truncates: %d %d %d %d %d", u[0], u[1], u[2], u[3], u[4]);
	CHECK(s[0] == -1 && s[1] == 127 && s[2] == 0 && s[3] == 2 && s[4] == -128,
	      "float -> int8: %d %d %d %d %d", s[0], s[1], s[2], s[3], s[4]);
	int64_t big = INT64_MAX - 1, back;
	li_convert(&back, LI_DTYPE_I64, &big, LI_DTYPE_U64, 1);
	CHECK(back == INT64_MAX - 1, "int64 values survive 64-bit integer conversion exactly");
	uint8_t b[3] = {0, 1, 7};
	float bf[3];
	li_convert(bf, LI_DTYPE_F32, b, LI_DTYPE_BOOL, 3);
	CHECK(bf[0] == 0 && bf[1] == 1 && bf[2] == 1, "bool -> float");
}

/* The exact bytes numpy writes for np.array([1.0, 2.0], dtype='<f4'). */
static void test_write_header(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	float v[2] = {1, 2};
	li_array a = {.dtype = LI_DTYPE_F32, .rank = 1, .shape = {2}, .data = v};
	li_err err = {0};
	CHECK(li_npy_save(f, &a, &err) == 0, "save a small array");
	fclose(f);
	const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
	CHECK_INT(len, 128 + 8, "header padded to 128 bytes, then 8 data bytes");
	CHECK(len >= 128 && !memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10), "magic, version 1.0, length 118");
	CHECK(len >= 128 && !memcmp(buf + 10, dict, strlen(dict)), "header dict as numpy writes it");
	CHECK(len >= 128 && buf[127] == '\n' && buf[126] == ' ', "space padding ends with a newline");
	free(buf);
}

/* Reads one array from the given bytes; returns the li_err code of li_npy_load. */
static int load_bytes(const void *bytes, size_t n, li_array *out, li_err *err)
{
	FILE *f = fmemopen((void *)bytes, n, "rb");
	li_err_clear(err);
	int rc = li_npy_load(f, out, LI_DTYPE_F64, err);
	fclose(f);
	return rc;
}

static void test_read_headers(void)
{
	static const struct {
		const char *dict;
		const char *data;
		size_t n_data;
		int code;
		const char *msg; /* expected message prefix, or shape/first value below */
	} t[] = {
		{"{'descr': '>i2', 'fortran_order': False, 'shape': (2,), }", "\x01\x02\xff\xfe", 4, 0, NULL},
		{"{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<u2\"}", "\x02\x01\x02\x01", 4, 0, NULL},
		{"{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "", 0, LI_EDATA,
		 "unsupported dtype '|O' (Python objects)"},
		{"{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "", 0, LI_EDATA,
		 "unsupported dtype '<c8' (complex)"},
		{"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", "", 0, LI_EDATA,
		 "unsupported dtype (structured array)"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "", 0, LI_EDATA,
		 "header 'shape' has a negative dimension"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "", 0,
		 LI_EDATA, "shape product overflows"},
		{"['descr', '<f4']", "", 0, LI_EDATA, "header is not a Python dict literal"},
		{"{'descr': '<f4', 'shape': (1,), }", "", 0, LI_EDATA, "header lacks 'fortran_order'"},
		{"{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "\0\0\x80\x3f", 4, LI_EDATA,
		 "truncated data"},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
		unsigned char buf[512];
		size_t dl = strlen(t[i].dict);
		memcpy(buf, "\x93NUMPY\x01\x00", 8);
		buf[8] = (unsigned char)(dl & 0xff);
		buf[9] = (unsigned char)(dl >> 8);
		memcpy(buf + 10, t[i].dict, dl);
		memcpy(buf + 10 + dl, t[i].data, t[i].n_data);
		li_array a;
		li_err err;
		int rc = load_bytes(buf, 10 + dl + t[i].n_data, &a, &err);
		CHECK(rc == t[i].code, "header %zu: code %d, expected %d (%s)", i, rc, t[i].code, err.msg);
		if (t[i].msg)
			CHECK(!strncmp(err.msg, t[i].msg, strlen(t[i].msg)), "header %zu message '%s'", i,
			      err.msg);
		if (rc == 0) {
			double *d = a.data;
			if (i == 0)
				CHECK(d[0] == 258 && d[1] == -2, "big-endian int16 values: %g %g", d[0], d[1]);
			if (i == 1)
				CHECK(d[0] == 258 && d[1] == 258, "keys in any order, L suffix: %g %g", d[0], d[1]);
			li_array_release(&a);
		}
	}
	li_array a;
	li_err err;
	CHECK(load_bytes("", 0, &a, &err) == LI_EEND, "empty stream is the end, not an error");
	CHECK(load_bytes("\x93NUMPZ\x01\x00", 8, &a, &err) == LI_EDATA && strstr(err.msg, "bad magic"),
	      "bad magic: %s", err.msg);
	CHECK(load_bytes("\x93NUMPY\x01\x00\x40\x00{'de", 14, &a, &err) == LI_EDATA &&
	      !strcmp(err.msg, "truncated header"), "truncated header: %s", err.msg);
	CHECK(load_bytes("\x93NUMPY\x04\x00", 8, &a, &err) == LI_EDATA, "version 4 refused: %s", err.msg);
	CHECK(load_bytes("\x93NUMPY\x02\x00\xff\xff\xff\x7f", 12, &a, &err) == LI_EDATA &&
	      strstr(err.msg, "implausible"), "huge header length refused before allocating: %s", err.msg);
}

/* Several arrays in one stream, Fortran order, batches, and the unknown-row-count writer. */
static void test_stream(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	li_err err = {0};
	int64_t shape[2] = {-1, 3};
	li_npy_writer *w = li_npy_writer_open(f, LI_DTYPE_I32, 2, shape, &err);
	int32_t rows[6] = {1, 2, 3, 4, 5, 6};
	CHECK(w && li_npy_write_rows(w, rows, 2, &err) == 0 && li_npy_write_rows(w, rows, 1, &err) == 0,
	      "write 3 rows of unknown count");
	CHECK(li_npy_writer_close(w, &err) == 0, "close writes the header with 3 rows");
	double one = 7;
	li_array s = {.dtype = LI_DTYPE_F64, .rank = 0, .data = &one};
	CHECK(li_npy_save(f, &s, &err) == 0, "append a 0-d array to the stream");
	fclose(f);

	f = fmemopen(buf, len, "rb");
	li_npy_reader *r = li_npy_open(f, &err);
	CHECK(r && li_npy_rows(r) == 3 && li_npy_row_elems(r) == 3, "first array: 3 rows of 3");
	li_array batch = {0};
	float total = 0;
	int64_t k, n = 0;
	while (r && (k = li_npy_read_batch(r, &batch, LI_DTYPE_F32, 2, &err)) > 0) {
		for (int64_t i = 0; i < k * 3; i++)
			total += ((float *)batch.data)[i];
		n += k;
	}
	CHECK(n == 3 && total == 1 + 2 + 3 + 4 + 5 + 6 + 1 + 2 + 3, "rows read in batches of 2: %lld, sum %g",
	      (long long)n, (double)total);
	li_npy_close(r);
	li_array a;
	CHECK(li_npy_load(f, &a, -1, &err) == 0 && a.rank == 0 && a.dtype == LI_DTYPE_F64 &&
	      ((double *)a.data)[0] == 7, "second array: the 0-d float64");
	li_array_release(&a);
	li_err_clear(&err);
	CHECK(li_npy_load(f, &a, -1, &err) == LI_EEND, "then the end of the stream");
	fclose(f);
	li_array_release(&batch);
	free(buf);

	/* Fortran order: shape (2, 3), data in column order 1 4 2 5 3 6 means rows 1 2 3 / 4 5 6 */
	const char *dict = "{'descr': '<i1', 'fortran_order': True, 'shape': (2, 3), }";
	unsigned char fb[128];
	size_t dl = strlen(dict);
	memcpy(fb, "\x93NUMPY\x01\x00", 8);
	fb[8] = (unsigned char)dl;
	fb[9] = 0;
	memcpy(fb + 10, dict, dl);
	memcpy(fb + 10 + dl, "\x01\x04\x02\x05\x03\x06", 6);
	CHECK(load_bytes(fb, 10 + dl + 6, &a, &err) == 0, "load a Fortran-order array");
	double *d = a.data;
	CHECK(d && d[0] == 1 && d[1] == 2 && d[2] == 3 && d[3] == 4 && d[5] == 6,
	      "Fortran order transposed to C order");
	li_array_release(&a);
}

int main(void)
{
	test_half();
	test_convert();
	test_write_header();
	test_read_headers();
	test_stream();
	return check_done();
}
