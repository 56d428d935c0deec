/*
 * li-cat: concatenate .npy arrays along their rows — the pieces of a sharded run, or
 * every array of a stream — checking that dtypes and per-row shapes agree. Rows stream
 * through; when every input is a regular file the row count is read from the headers
 * first, otherwise the output is spooled and its header written at the end.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-cat [options] [FILE...] [-o OUT]\n"
		"\n"
		"Concatenate .npy arrays along the first axis. '-' (or no FILE) reads standard\n"
		"input, where every array of the stream is taken in turn. All arrays must share\n"
		"the element type and the per-row shape (shape after the first axis); the output\n"
		"keeps them. Concatenating the outputs of --shard 0/N .. N-1/N of a program gives\n"
		"byte for byte the output of the unsharded run.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE  write here, atomically [standard output]\n"
		"  -q, --quiet        no progress\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-cat part-0.npy part-1.npy part-2.npy -o all.npy\n"
		"  cat part-*.npy | li-cat > all.npy\n");
}

typedef struct catter {
	li_npy_writer *w;
	li_npy_info first;     /* the first array's header: dtype and row shape to match */
	int have_first;
	int64_t total;         /* rows, or -1 when not known up front */
	li_array batch;
	cli_out *out;
	const char *out_name;
} catter;

static int same_rows(const li_npy_info *a, const li_npy_info *b)
{
	if (a->rank != b->rank || a->rank == 0)
		return 0;
	for (int d = 1; d < a->rank; d++)
		if (a->shape[d] != b->shape[d])
			return 0;
	return 1;
}

/* Copies one array from r; 0, or 1 after printing an error. */
static int copy_array(catter *c, li_npy_reader *r, const char *name)
{
	li_err err = {0};
	const li_npy_info *info = li_npy_info_of(r);
	char a[LI_MAX_RANK * 24 + 8], b[LI_MAX_RANK * 24 + 8];
	if (info->rank == 0) {
		cli_error(name, "a 0-d array has no rows to concatenate");
		return 1;
	}
	if (!c->have_first) {
		c->first = *info;
		c->have_first = 1;
		int64_t shape[LI_MAX_RANK];
		memcpy(shape, info->shape, sizeof shape);
		shape[0] = c->total;
		c->w = li_npy_writer_open(c->out->f, info->dtype, info->rank, shape, &err);
		if (!c->w) {
			cli_fail(c->out_name, &err);
			return 1;
		}
	} else if (info->dtype != c->first.dtype) {
		cli_error(name, "dtype %s does not match %s of the first array", li_dtype_name(info->dtype),
			  li_dtype_name(c->first.dtype));
		return 1;
	} else if (!same_rows(info, &c->first)) {
		li_shape_format(info->rank - 1, info->shape + 1, a, sizeof a);
		li_shape_format(c->first.rank - 1, c->first.shape + 1, b, sizeof b);
		cli_error(name, "row shape %s does not match %s of the first array", a, b);
		return 1;
	}
	int64_t row = li_npy_row_elems(r), k;
	int64_t per = row > 0 ? (1 << 20) / row : 1 << 20;
	while ((k = li_npy_read_batch(r, &c->batch, info->dtype, per > 0 ? per : 1, &err)) > 0)
		if (li_npy_write_rows(c->w, c->batch.data, k, &err)) {
			cli_fail(c->out_name, &err);
			return 1;
		}
	if (k < 0) {
		cli_fail(name, &err);
		return 1;
	}
	return 0;
}

/* Sums the row counts in the headers of regular files, seeking over the data of each
 * array (a file may hold several); -1 when any input is a stream or unreadable (errors
 * are reported when the input is read for real). */
static int64_t count_rows(char **paths, int n)
{
	int64_t total = 0;
	for (int i = 0; i < n; i++) {
		if (!strcmp(paths[i], "-"))
			return -1;
		FILE *f = fopen(paths[i], "rb");
		if (!f)
			return -1;
		li_err err = {0};
		li_npy_reader *r;
		while ((r = li_npy_open(f, &err))) {
			const li_npy_info *info = li_npy_info_of(r);
			int64_t bytes = li_npy_rows(r) * li_npy_row_elems(r) * (int64_t)li_dtype_size(info->dtype);
			int64_t rows = info->rank ? li_npy_rows(r) : -1;
			li_npy_close(r);
			if (rows < 0 || fseeko(f, bytes, SEEK_CUR) != 0) {
				fclose(f);
				return -1;
			}
			total += rows;
		}
		fclose(f);
		if (err.code != LI_EEND)
			return -1;
	}
	return total;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_LONGOPTS, {0}};
	cli_common common = {0};
	int c;
	cli_init("li-cat");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1)
		if (!cli_common_option(c, optarg, &common, usage))
			cli_usage_error("unknown option");
	int n = argc - optind;
	char *dash[] = {"-"};
	char **paths = n ? argv + optind : dash;
	if (!n)
		n = 1;
	int stdin_uses = 0;
	for (int i = 0; i < n; i++)
		stdin_uses += !strcmp(paths[i], "-");
	if (stdin_uses > 1)
		cli_usage_error("standard input can be named once");

	int status = EXIT_DATA;
	cli_out out = {0};
	catter cat = {.out = &out, .out_name = cli_name(common.output)};
	if (common.output && !strcmp(common.output, "-"))
		cat.out_name = "<stdout>";
	if (!common.output)
		cat.out_name = "<stdout>";
	cat.total = count_rows(paths, n);
	if (!cli_out_open(&out, common.output, 1))
		goto done;
	for (int i = 0; i < n; i++) {
		FILE *in = cli_open_in(paths[i]);
		if (!in)
			goto done;
		li_err err = {0};
		int arrays = 0, bad = 0;
		for (;; arrays++) {
			li_err_clear(&err);
			li_npy_reader *r = li_npy_open(in, &err);
			if (!r)
				break;
			bad = copy_array(&cat, r, cli_name(paths[i]));
			li_npy_close(r);
			if (bad)
				break;
		}
		cli_close_in(in);
		if (bad)
			goto done;
		if (err.code != LI_EEND || arrays == 0) {
			cli_fail(cli_name(paths[i]), &err);
			goto done;
		}
	}
	li_err err = {0};
	int rc = li_npy_writer_close(cat.w, &err);
	cat.w = NULL;
	if (rc) {
		/* a row count read from the headers that the files did not keep */
		cli_fail(cat.out_name, &err);
		goto done;
	}
	if (cli_out_commit(&out))
		goto done;
	status = 0;
done:
	li_npy_writer_free(cat.w);
	li_array_release(&cat.batch);
	cli_out_abort(&out);
	return cli_finish(status);
}
