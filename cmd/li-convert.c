/*
 * li-convert: convert an array from one file format or dtype to another. Rows stream
 * through in batches, so memory stays flat; the output appears only when complete.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_DTYPE = CLI_OPT_FIRST_FREE };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-convert [options] [IN] [-o OUT]\n"
		"\n"
		"Convert an array. IN is a .npy file ('-' or none: standard input; the first\n"
		"array of a stream); OUT a .npy file ('-' or none: standard output).\n"
		"\n"
		"options:\n"
		"  -o, --output FILE  write here, atomically [standard output]\n"
		"      --dtype TYPE   element type of the output: bool, int8..int64,\n"
		"                     uint8..uint64, float16, float32, float64 [as input]\n"
		CLI_ROWS_HELP
		"  -q, --quiet        no progress\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"Float to integer truncates toward zero and saturates at the type's range; NaN\n"
		"becomes 0.\n"
		"\n"
		"examples:\n"
		"  li-convert --dtype float32 x64.npy -o x.npy\n"
		"  cat labels.npy | li-convert --dtype int64 > labels64.npy\n"
		"  li-convert --shard 2/4 x.npy -o part2.npy\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		CLI_ROWS_LONGOPTS,
		{"dtype", required_argument, NULL, OPT_DTYPE},
		{0},
	};
	cli_common common = {0};
	li_rowsel sel = {0};
	int c, have_dtype = 0;
	li_dtype dtype = LI_DTYPE_F32;
	cli_init("li-convert");
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cli_rows_option(c, optarg, &sel))
			continue;
		if (c == OPT_DTYPE) {
			if (li_dtype_parse(optarg, &dtype))
				cli_usage_error("--dtype: unknown type '%s'", optarg);
			have_dtype = 1;
		}
	}
	if (argc - optind > 1)
		cli_usage_error("one input at a time");
	const char *path = optind < argc ? argv[optind] : "-";

	int status = EXIT_DATA;
	li_err err = {0};
	li_npy_reader *r = NULL;
	li_npy_writer *w = NULL;
	li_array batch = {0};
	cli_out out = {0};
	FILE *in = cli_open_in(path);
	if (!in)
		goto done;
	r = li_npy_open(in, &err);
	if (!r) {
		cli_error(cli_name(path), "%s", err.code == LI_EEND ? "empty file" : err.msg);
		goto done;
	}
	const li_npy_info *info = li_npy_info_of(r);
	if (!have_dtype)
		dtype = info->dtype;
	if (!cli_out_open(&out, common.output, 1)) {
		status = EXIT_DATA;
		goto done;
	}
	int64_t lo, hi, shape[LI_MAX_RANK];
	li_rowsel_resolve(&sel, li_npy_rows(r), &lo, &hi);
	memcpy(shape, info->shape, sizeof shape);
	if (sel.kind && info->rank == 0)
		cli_usage_error("--rows and --shard need an array with rows, not a 0-d array");
	if (info->rank)
		shape[0] = hi - lo;
	if (li_npy_skip_rows(r, lo, &err) < 0) {
		cli_error(cli_name(path), "%s", err.msg);
		goto done;
	}
	w = li_npy_writer_open(out.f, dtype, info->rank, shape, &err);
	if (!w) {
		cli_error(cli_name(common.output), "%s", err.msg);
		goto done;
	}
	int64_t row = li_npy_row_elems(r), rows = hi - lo, done_rows = 0, k;
	int64_t per = row > 0 ? (1 << 20) / row : 1 << 20;
	if (per < 1)
		per = 1;
	while (done_rows < rows &&
	       (k = li_npy_read_batch(r, &batch, dtype, per < rows - done_rows ? per : rows - done_rows,
				      &err)) > 0) {
		if (li_npy_write_rows(w, batch.data, k, &err)) {
			cli_error(cli_name(common.output), "%s", err.msg);
			goto done;
		}
		done_rows += k;
		cli_progress(&common, "rows", done_rows, rows);
	}
	cli_progress_end(&common);
	if (done_rows < rows) {
		cli_error(cli_name(path), "%s", err.msg);
		goto done;
	}
	int rc = li_npy_writer_close(w, &err);
	w = NULL;
	if (rc) {
		cli_error(cli_name(common.output), "%s", err.msg);
		goto done;
	}
	if (cli_out_commit(&out))
		goto done;
	status = 0;
done:
	li_npy_writer_free(w);
	cli_out_abort(&out);
	li_array_release(&batch);
	li_npy_close(r);
	cli_close_in(in);
	return cli_finish(status);
}
