/*
 * li-info: describe arrays (format, dtype, shape, order) with a summary of their values:
 * min, max, mean and the NaN/Inf counts. Streams rows, so memory stays flat, and reads
 * every array of a stream that holds several.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-info [options] FILE...\n"
		"\n"
		"Describe .npy arrays: format, dtype, shape, order, and min, max, mean and the\n"
		"count of NaN and Inf values. '-' (or no FILE) reads standard input; a stream of\n"
		"several arrays is described array by array. NaN and Inf are reported, not errors.\n"
		"\n"
		"options:\n"
		"  -q, --quiet        print only format, dtype and shape (no value summary)\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-info latent.npy\n"
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

/* Describes one array; returns 0, or an li_err code (LI_EEND at the end of the stream). */
static int describe(FILE *in, const char *name, int quiet, li_err *err)
{
	li_npy_reader *r = li_npy_open(in, err);
	if (!r)
		return err->code;
	const li_npy_info *info = li_npy_info_of(r);
	char shape[LI_MAX_RANK * 24 + 8];
	li_shape_format(info->rank, info->shape, shape, sizeof shape);
	printf("%s: npy %d.0, %s, shape %s, %s order, %s-endian", name, info->version,
	       li_dtype_name(info->dtype), shape, info->fortran ? "Fortran" : "C",
	       info->big_endian ? "big" : "little");
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
	if (!quiet) {
		if (s.n)
			printf("\n  min %.9g, max %.9g, mean %.9g", s.min, s.max, s.sum / (double)s.n);
		else
			printf("\n  no finite values");
		printf(", nan %lld, inf %lld", (long long)s.nan, (long long)s.inf);
	}
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_LONGOPTS, {0}};
	cli_common common = {0};
	int c;
	cli_init("li-info");
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1)
		if (!cli_common_option(c, optarg, &common, usage))
			cli_usage_error("unknown option");
	if (common.output)
		cli_usage_error("li-info writes text to standard output; -o is not taken");

	int status = 0;
	int n_files = argc - optind;
	for (int i = 0; i < (n_files ? n_files : 1); i++) {
		const char *path = n_files ? argv[optind + i] : "-";
		FILE *in = cli_open_in(path);
		if (!in) {
			status = EXIT_DATA;
			continue;
		}
		li_err err = {0};
		int count = 0;
		for (;; count++) {
			li_err_clear(&err);
			if (describe(in, cli_name(path), common.quiet, &err))
				break;
		}
		if (err.code != LI_EEND || count == 0) {
			fflush(stdout);
			cli_error(cli_name(path), "%s", err.msg);
			status = cli_status(&err);
		}
		cli_close_in(in);
	}
	return cli_finish(status);
}
