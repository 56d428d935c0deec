/*
 * li-info: describe data sets (format, dtype, shape; for .npy also version, order and
 * byte order) with a summary of their values: min, max, mean and the NaN/Inf counts,
 * and their labels when they have some. Any format lib/data.h reads; streams rows, so
 * memory stays flat, and reads every array of a .npy stream that holds several.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_data.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-info [options] FILE...\n"
		"\n"
		"Describe data sets: format, dtype, shape (for .npy also version, order and\n"
		"byte order), and min, max, mean and the count of NaN and Inf values; labels\n"
		"and class names when the data has them. FILE is .npy, .json, .mat, .csv/.tsv,\n"
		"IDX (gzip or not) or a labeled data-set folder. '-' (or no FILE) reads standard\n"
		"input; a stream of several .npy arrays is described array by array. NaN and\n"
		"Inf are reported, not errors.\n"
		"\n"
		"options:\n"
		"  -q, --quiet        print only the description line (no value summary)\n"
		CLI_DATA_USAGE
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-info latent.npy\n"
		"  li-info /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz\n"
		"  li-embed model.h5 x.npy | li-info -\n");
}

typedef struct stats {
	double min, max, sum;
	int64_t n, nan, inf;
} stats;

static void add(stats *s, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		if (isnan(x)) {
			s->nan++;
			continue;
		}
		if (isinf(x)) {
			s->inf++;
			continue;
		}
		if (s->n == 0 || x < s->min)
			s->min = x;
		if (s->n == 0 || x > s->max)
			s->max = x;
		s->sum += x;
		s->n++;
	}
}

static void print_stats(const stats *s)
{
	if (s->n)
		printf("\n  min %.9g, max %.9g, mean %.9g", s->min, s->max, s->sum / (double)s->n);
	else
		printf("\n  no finite values");
	printf(", nan %lld, inf %lld", (long long)s->nan, (long long)s->inf);
}

static void npy_line(const char *name, const li_npy_info *info)
{
	char shape[LI_MAX_RANK * 24 + 8];
	li_shape_format(info->rank, info->shape, shape, sizeof shape);
	printf("%s: npy %d.0, %s, shape %s, %s order, %s-endian", name, info->version,
	       li_dtype_name(info->dtype), shape, info->fortran ? "Fortran" : "C",
	       info->big_endian ? "big" : "little");
}

/* Describes one more .npy array of a stream; 0, or an li_err code (LI_EEND at the end). */
static int describe_npy(FILE *in, const char *name, int quiet, li_err *err)
{
	li_npy_reader *r = li_npy_open(in, err);
	if (!r)
		return err->code;
	npy_line(name, li_npy_info_of(r));
	stats s = {0};
	li_array batch = {0};
	int64_t row = li_npy_row_elems(r);
	int64_t per = row > 0 ? (1 << 19) / row : 1 << 19;
	int64_t k;
	while ((k = li_npy_read_batch(r, &batch, LI_DTYPE_F64, per > 0 ? per : 1, err)) > 0)
		if (!quiet)
			add(&s, batch.data, (size_t)(k * row));
	li_array_release(&batch);
	li_npy_close(r);
	if (k < 0) {
		putchar('\n');
		return err->code;
	}
	if (!quiet)
		print_stats(&s);
	putchar('\n');
	return 0;
}

/* Describes the data set d; 0 or an li_err code. */
static int describe(li_data *d, const char *name, int quiet, li_err *err)
{
	stats s = {0};
	li_array batch = {0};
	int64_t row = li_data_row_elems(d), rows = 0, k;
	int64_t per = row > 0 ? (1 << 19) / row : 1 << 19;
	int64_t n_labels = 0, *counts = NULL, m_counts = 0, bad_labels = 0, top = 0;
	while ((k = li_data_read_batch(d, &batch, LI_DTYPE_F64, per > 0 ? per : 1, err)) > 0) {
		rows += k;
		if (!quiet)
			add(&s, batch.data, (size_t)(k * row));
		const int64_t *y = li_data_batch_labels(d);
		for (int64_t i = 0; y && i < k; i++, n_labels++) {
			if (y[i] < 0 || y[i] > 1000000) {
				bad_labels++;
				continue;
			}
			if (y[i] >= m_counts) {
				int64_t m = y[i] + 1 > 2 * m_counts ? y[i] + 1 : 2 * m_counts;
				int64_t *p = realloc(counts, (size_t)m * sizeof *p);
				if (!p) {
					k = li_err_set(err, LI_ENOMEM, "out of memory");
					goto out;
				}
				memset(p + m_counts, 0, (size_t)(m - m_counts) * sizeof *p);
				counts = p;
				m_counts = m;
			}
			counts[y[i]]++;
			if (y[i] + 1 > top)
				top = y[i] + 1;
		}
	}
	if (k < 0)
		goto out;
	const li_npy_info *info = li_data_npy_info(d);
	int64_t shape[LI_MAX_RANK];
	shape[0] = rows;
	int rank = li_data_row_shape(d, shape + 1) + 1;
	char sh[LI_MAX_RANK * 24 + 8];
	li_shape_format(li_data_scalar(d) ? 0 : rank, li_data_scalar(d) ? shape + 1 : shape,
			sh, sizeof sh);
	if (info) {
		npy_line(name, info);
	} else {
		printf("%s: %s%s", name, li_format_name(li_data_format(d)),
		       li_data_gzipped(d) ? " (gzip)" : "");
		if (li_data_var(d))
			printf(", variable '%s'", li_data_var(d));
		printf(", %s, shape %s", li_dtype_name(li_data_dtype(d)), sh);
	}
	if (!quiet)
		print_stats(&s);
	if (li_data_has_labels(d)) {
		int64_t n_names;
		char *const *names = li_data_classes(d, &n_names);
		printf("\n  labels %lld", (long long)n_labels);
		if (names)
			printf(", %lld classes", (long long)n_names);
		if (!quiet) {
			printf(":");
			int64_t n_show = top > n_names ? top : n_names;
			for (int64_t c = 0; c < n_show; c++) {
				if (c < n_names)
					printf(" %s", names[c]);
				else
					printf(" %lld", (long long)c);
				printf(" %lld%s", (long long)(c < m_counts ? counts[c] : 0),
				       c + 1 < n_show ? "," : "");
			}
			if (bad_labels)
				printf("; %lld other", (long long)bad_labels);
		}
	}
	putchar('\n');
out:
	free(counts);
	li_array_release(&batch);
	return k < 0 ? (err->code ? err->code : LI_EDATA) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_LONGOPTS, CLI_DATA_LONGOPTS, {0}};
	cli_common common = {0};
	li_data_opts dopts;
	int c;
	cli_init("li-info");
	cli_data_init(&dopts);
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1)
		if (!cli_common_option(c, optarg, &common, usage) && !cli_data_option(c, optarg, &dopts))
			cli_usage_error("unknown option");
	if (common.output)
		cli_usage_error("li-info writes text to standard output; -o is not taken");

	int status = 0;
	int n_files = argc - optind;
	for (int i = 0; i < (n_files ? n_files : 1); i++) {
		const char *path = n_files ? argv[optind + i] : "-";
		const char *name = cli_name(path);
		li_err err = {0};
		li_data *d = li_data_open(path, &dopts, &err);
		if (!d) {
			fflush(stdout);
			cli_fail(name, &err);
			status = cli_status(&err);
			continue;
		}
		int rc = describe(d, name, common.quiet, &err);
		/* a .npy stream may hold more arrays */
		if (!rc && li_data_format(d) == LI_FORMAT_NPY) {
			li_err_clear(&err);
			while (!(rc = describe_npy(li_data_file(d), name, common.quiet, &err)))
				li_err_clear(&err);
			if (rc == LI_EEND)
				rc = 0;
		}
		if (rc) {
			fflush(stdout);
			cli_fail(name, &err);
			status = cli_status(&err);
		}
		li_data_close(d);
	}
	return cli_finish(status);
}
