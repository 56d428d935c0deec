/*
 * Unit tests for lib/data.h and labels.c: format names and detection by path, the
 * preprocessing shape rule, the row-serving of in-memory streams (CSV header detection,
 * JSON), batches that stay within max_rows, and LABELS files of each kind. Expected
 * values are worked out by hand.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "li.h"

/* f gets the stream, to close after the reader */
static li_data *open_text(const char *text, li_format fmt, const char *label_col, FILE **f,
			  li_err *err)
{
	li_data_opts o;
	li_data_opts_init(&o);
	o.format = fmt;
	o.label_col = label_col;
	*f = fmemopen((void *)text, strlen(text), "rb");
	return li_data_open_file(*f, NULL, &o, err);
}

static void test_formats(void)
{
	static const struct {
		const char *path;
		li_format want;
	} cases[] = {
		{"x.npy", LI_FORMAT_NPY}, {"a/b.JSON", LI_FORMAT_JSON}, {"m.mat", LI_FORMAT_MAT},
		{"t.csv.gz", LI_FORMAT_CSV}, {"t.tsv", LI_FORMAT_TSV},
		{"train-images-idx3-ubyte.gz", LI_FORMAT_IDX}, {"t10k-labels.idx1-ubyte", LI_FORMAT_IDX},
		{"data", LI_FORMAT_AUTO}, {"-", LI_FORMAT_AUTO}, {"idx.txt", LI_FORMAT_AUTO},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		CHECK_INT(li_format_from_path(cases[i].path), cases[i].want, cases[i].path);
	li_format f;
	CHECK(!li_format_parse("folder", &f) && f == LI_FORMAT_FOLDER, "parse 'folder'");
	CHECK(li_format_parse("xls", &f) == -1, "'xls' is no format");
}

static void test_preprocess(void)
{
	li_err err = {0};
	li_preprocess p = {.scale = 1};
	int64_t row[] = {784}, out[LI_MAX_RANK];
	p.reshape_rank = 3;
	p.reshape[0] = 28, p.reshape[1] = -1, p.reshape[2] = 1;
	CHECK_INT(li_preprocess_row_shape(&p, 1, row, out, &err), 3, "reshape 784 -> 28,-1,1");
	CHECK_INT(out[1], 28, "the free dimension");
	p.reshape[0] = 27;
	CHECK(li_preprocess_row_shape(&p, 1, row, out, &err) < 0, "784 is no multiple of 27");
	float x[] = {0, 255};
	li_preprocess s = {.scale = 1.0 / 255, .offset = -0.5};
	li_preprocess_apply(&s, x, LI_DTYPE_F32, 2);
	CHECK_NEAR(x[0], -0.5, 1e-7, "0 -> -0.5");
	CHECK_NEAR(x[1], 0.5, 1e-7, "255 -> 0.5");
}

static void test_csv_batches(void)
{
	li_err err = {0};
	FILE *f, *g;
	li_data *d = open_text("a,b\n1,2\n3,4\n5,6\n", LI_FORMAT_CSV, NULL, &f, &err);
	CHECK(d != NULL, "csv opens (%s)", err.msg);
	if (!d)
		return;
	CHECK_INT(li_data_rows(d), -1, "csv rows unknown up front");
	li_array b = {0};
	int64_t k = li_data_read_batch(d, &b, LI_DTYPE_I32, 2, &err);
	CHECK_INT(k, 2, "first batch keeps to max_rows");
	CHECK(b.rank == 2 && b.shape[0] == 2 && b.shape[1] == 2, "batch shape (2, 2)");
	CHECK_INT(((int32_t *)b.data)[3], 4, "element [1][1]");
	k = li_data_read_batch(d, &b, LI_DTYPE_I32, 2, &err);
	CHECK_INT(k, 1, "second batch holds the last row");
	CHECK_INT(((int32_t *)b.data)[0], 5, "last row");
	CHECK_INT(li_data_read_batch(d, &b, LI_DTYPE_I32, 2, &err), 0, "then the end");
	li_array_release(&b);
	li_data_close(d);
	fclose(f);

	d = open_text("x,y\n1,b\n2,a\n3,b\n", LI_FORMAT_CSV, "y", &g, &err);
	CHECK(d && li_data_has_labels(d), "label column");
	if (!d)
		return;
	li_array all = {0};
	CHECK(!li_data_read_all(d, &all, LI_DTYPE_F64, &err), "read all");
	int64_t n;
	char *const *names = li_data_classes(d, &n);
	CHECK(n == 2 && !strcmp(names[0], "b") && !strcmp(names[1], "a"), "classes in order of first appearance");
	li_array_release(&all);
	li_data_close(d);
	fclose(g);
}

static void test_json(void)
{
	li_err err = {0};
	FILE *f;
	li_data *d = open_text("{\"n\": \"x\", \"v\": [[1, 2.5], [3, 4]]}", LI_FORMAT_AUTO, NULL, &f,
			       &err);
	CHECK(d != NULL, "json opens by content (%s)", err.msg);
	if (!d)
		return;
	CHECK_INT(li_data_format(d), LI_FORMAT_JSON, "json by content");
	CHECK(!strcmp(li_data_var(d), "v"), "the only array member");
	CHECK_INT(li_data_dtype(d), LI_DTYPE_F64, "2.5 makes it float64");
	li_array a = {0};
	CHECK(!li_data_read_all(d, &a, LI_DTYPE_F64, &err) && a.shape[0] == 2, "read all");
	CHECK_NEAR(((double *)a.data)[1], 2.5, 0, "[0][1]");
	li_array_release(&a);
	li_data_close(d);
	fclose(f);
}

static void test_labels(void)
{
	char dir[] = "/tmp/li-test-data.XXXXXX";
	if (!mkdtemp(dir)) {
		CHECK(0, "mkdtemp");
		return;
	}
	char path[256], path2[256], path3[256];
	snprintf(path, sizeof path, "%s/y.txt", dir);
	FILE *f = fopen(path, "w");
	fputs("label\n3\n1\n4\n", f);
	fclose(f);
	li_labels l;
	li_err err = {0};
	CHECK(!li_labels_load(path, NULL, &l, &err), "integer text labels (%s)", err.msg);
	CHECK(l.y.shape[0] == 3 && ((int64_t *)l.y.data)[2] == 4 && !l.names, "3 1 4, header skipped");
	li_labels_release(&l);

	snprintf(path2, sizeof path2, "%s/names.txt", dir);
	f = fopen(path2, "w");
	fputs("cat\ndog\r\ncat\n", f);
	fclose(f);
	CHECK(!li_labels_load(path2, NULL, &l, &err), "name labels (%s)", err.msg);
	CHECK(l.n_names == 2 && ((int64_t *)l.y.data)[1] == 1 && ((int64_t *)l.y.data)[2] == 0,
	      "cat dog cat -> 0 1 0");
	li_labels_release(&l);

	snprintf(path3, sizeof path3, "%s/classes.txt", dir);
	f = fopen(path3, "w");
	fputs("bird\ndog\ncat\n", f);
	fclose(f);
	li_data_opts o;
	li_data_opts_init(&o);
	o.classes = path3;
	CHECK(!li_labels_load(path2, &o, &l, &err), "names through a class file (%s)", err.msg);
	CHECK(l.n_names == 3 && ((int64_t *)l.y.data)[0] == 2 && ((int64_t *)l.y.data)[1] == 1,
	      "cat dog -> 2 1");
	li_labels_release(&l);

	char npy[256];
	snprintf(npy, sizeof npy, "%s/y.npy", dir);
	f = fopen(npy, "wb");
	double v[] = {1, 2.5};
	li_array a = {.dtype = LI_DTYPE_F64, .rank = 1, .shape = {2}, .data = v};
	CHECK(!li_npy_save(f, &a, &err), "save");
	fclose(f);
	li_err_clear(&err);
	CHECK(li_labels_load(npy, NULL, &l, &err) < 0, "2.5 is no label");
	CHECK(!strcmp(err.msg, "label 1 (2.5) is not an integer"), "message: %s", err.msg);
	unlink(path), unlink(path2), unlink(path3), unlink(npy);
	rmdir(dir);
}

int main(void)
{
	test_formats();
	test_preprocess();
	test_csv_batches();
	test_json();
	test_labels();
	return check_done();
}
