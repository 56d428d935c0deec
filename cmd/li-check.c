/*
 * li-check: the CI check of model behavior. Compares an array (a model's outputs,
 * usually at chosen latent coordinates) with expectations and exits 0 when all hold,
 * 1 when any fails, with a table of what differs on standard error. Expectations: an
 * expected array within a tolerance, each row's argmax (an index, a class name, or one
 * per row from a file), the winning probability, and a value range, held by every row or
 * (--min-share) by a share of them. Input and expected array stream in batches of rows.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

enum {
	OPT_EXPECT = CLI_OPT_FIRST_FREE, OPT_ATOL, OPT_RTOL, OPT_ARGMAX, OPT_MODEL, OPT_MIN_PROB,
	OPT_RANGE, OPT_MAX_SHOW, OPT_MIN_SHARE,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-check [checks] [IN]\n"
		"\n"
		"Check the array IN (.npy; '-' or none: standard input) and exit 0 when every\n"
		"expectation holds, 1 when any fails (with a table of what differs on standard\n"
		"error), 2 for bad usage. Rows are the first axis (a 1-D array is one row).\n"
		"\n"
		"checks (at least one):\n"
		"      --expect E.npy   equals E element by element: |x - e| <= atol + rtol*|e|\n"
		"                       (NaN matches NaN)\n"
		"      --atol A         absolute tolerance for --expect [1e-5]\n"
		"      --rtol R         relative tolerance for --expect [1e-5]\n"
		"      --argmax C       each row's largest value is at class C: an index, a class\n"
		"                       name (with --model), or a file with one index or name per\n"
		"                       row (.npy of integers, or text)\n"
		"      --min-prob P     each row's largest value (with --argmax: the value of the\n"
		"                       expected class) is at least P\n"
		"      --range LO:HI    every value lies in [LO, HI]; leave a side empty for no\n"
		"                       bound (0: or :1)\n"
		"options:\n"
		"      --min-share F    pass when at least the share F (0 to 1) of the rows meets\n"
		"                       every expectation, and print the share [1: every row]\n"
		"      --model PROBE    class names from the model (.h5 or .keras: li_class_names)\n"
		"      --max-show N     rows of the table at most [20]\n"
		"      --rows A:B       check only rows A to B-1 of IN, of --expect and of an\n"
		"                       --argmax file (0-based; negative from the end) [all]\n"
		"      --shard I/N      check only the I-th of N near-equal contiguous parts\n"
		"  -q, --quiet          no table or summary; only the exit status\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n"
		"\n"
		"example: at map point (1.5, -2) the decoded sample is a '7' with p >= 0.9\n"
		"  echo \"1.5 -2\" | li-invert map.h5 | li-propagate tail.h5 | li-propagate probe.h5 |\n"
		"    li-check --model probe.h5 --argmax 7 --min-prob 0.9\n"
		"example: a classifier's accuracy is at least 0.9\n"
		"  li-propagate clf.h5 val-x.npy | li-check --argmax val-y.npy --min-share 0.9\n");
}

/* What li-check holds beside the library's li_check: the files and the table. */
typedef struct check {
	const char *in, *expect, *argmax, *model;
	int quiet;
	long max_show;
	double min_share;               /* share of rows that must hold; < 0: every row */
	li_textlist names;              /* the model's class names */
	int64_t *want, n_want;          /* expected argmax per row (n_want 1: every row) */
	int64_t shown;
	li_check c;
} check;

/* One line of the failure table (the header before the first). */
static void report(void *ctx, const char *where, const char *what, const char *got,
		   const char *want)
{
	check *k = ctx;
	if (k->quiet || k->shown >= k->max_show)
		return;
	if (!k->shown++)
		fprintf(stderr, "  %-10s %-9s %-22s %s\n", "where", "check", "got", "expected");
	fprintf(stderr, "  %-10s %-9s %-22s %s\n", where, what, got, want);
}

/* One expected class for every row. */
static int one_class(check *k, int64_t c)
{
	if (!(k->want = malloc(sizeof *k->want)))
		return cli_error(NULL, "out of memory"), -1;
	k->want[0] = c;
	k->n_want = 1;
	return 0;
}

/* --argmax: an index, a file, or a class name, in that order. */
static int load_argmax(check *k)
{
	li_err err = {0};
	long v;
	struct stat st;
	int64_t orig = k->names.n;
	if (!cli_parse_long(k->argmax, 0, 1L << 40, &v))
		return one_class(k, v);
	if (stat(k->argmax, &st) == 0) {
		FILE *f = cli_open_in(k->argmax);
		if (!f)
			return -1;
		int rc = li_textlist_labels(f, k->model ? &k->names : NULL, &k->want, &k->n_want,
					    &err);
		cli_close_in(f);
		if (rc) {
			cli_error(k->argmax, "%s%s", err.msg,
				  strstr(err.msg, "not an integer") ? " (class names need --model)" : "");
			return -1;
		}
		for (int64_t i = 0; i < k->n_want; i++)
			if (k->want[i] >= orig && k->names.n > orig) {
				cli_error(k->argmax, "row %lld: '%s' is not a class of %s", (long long)i,
					  k->names.s[k->want[i]], k->model);
				return -1;
			} else if (k->want[i] < 0) {
				cli_error(k->argmax, "row %lld: class %lld is negative", (long long)i,
					  (long long)k->want[i]);
				return -1;
			}
		return 0;
	}
	if (!k->model)
		cli_usage_error("--argmax: '%s' is neither an index nor a file; class names need "
				"--model", k->argmax);
	int64_t c = li_textlist_find(&k->names, k->argmax);
	if (c < 0) {
		cli_error(k->model, "no class '%s' among the model's %lld class names", k->argmax,
			  (long long)k->names.n);
		return -1;
	}
	return one_class(k, c);
}

/* --min-share: the share of the rows that hold every expectation, against F; 0 or 1. */
static int share_verdict(const check *k, int64_t rows)
{
	int64_t held = rows - k->c.failed_rows;
	double share = rows ? (double)held / (double)rows : 1;
	int ok = share >= k->min_share;
	if (!k->quiet)
		fprintf(stderr, "li-check: %s: %lld of %lld row%s hold (%.4f, at least %g asked)\n",
			ok ? "ok" : "FAILED", (long long)held, (long long)rows, rows == 1 ? "" : "s",
			share, k->min_share);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"expect", required_argument, NULL, OPT_EXPECT},
		{"atol", required_argument, NULL, OPT_ATOL},
		{"rtol", required_argument, NULL, OPT_RTOL},
		{"argmax", required_argument, NULL, OPT_ARGMAX},
		{"model", required_argument, NULL, OPT_MODEL},
		{"min-prob", required_argument, NULL, OPT_MIN_PROB},
		{"range", required_argument, NULL, OPT_RANGE},
		{"max-show", required_argument, NULL, OPT_MAX_SHOW},
		{"min-share", required_argument, NULL, OPT_MIN_SHARE},
		CLI_ROWS_LONGOPTS,
		{0},
	};
	cli_common common = {0};
	check k = {.max_show = 20, .min_share = -1, .c = {.atol = 1e-5, .rtol = 1e-5}};
	li_rowsel sel = {0};
	int c;
	double rg[2];
	cli_init("li-check");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cli_rows_option(c, optarg, &sel))
			continue;
		switch (c) {
		case OPT_EXPECT: k.expect = optarg; break;
		case OPT_ATOL:
			if (cli_parse_double(optarg, &k.c.atol) || k.c.atol < 0)
				cli_usage_error("--atol: '%s' is not a number >= 0", optarg);
			break;
		case OPT_RTOL:
			if (cli_parse_double(optarg, &k.c.rtol) || k.c.rtol < 0)
				cli_usage_error("--rtol: '%s' is not a number >= 0", optarg);
			break;
		case OPT_ARGMAX: k.argmax = optarg; break;
		case OPT_MODEL: k.model = optarg; break;
		case OPT_MIN_PROB:
			if (cli_parse_double(optarg, &k.c.min_prob))
				cli_usage_error("--min-prob: '%s' is not a number", optarg);
			k.c.have_min_prob = 1;
			break;
		case OPT_RANGE:
			if (cli_parse_range(optarg, rg, CLI_RANGE_OPEN))
				cli_usage_error("--range: '%s' is not LO:HI with LO <= HI", optarg);
			k.c.lo = rg[0], k.c.hi = rg[1];
			k.c.have_range = 1;
			break;
		case OPT_MAX_SHOW:
			if (cli_parse_long(optarg, 0, 1000000, &k.max_show))
				cli_usage_error("--max-show: '%s' is not a count", optarg);
			break;
		case OPT_MIN_SHARE:
			if (cli_parse_double(optarg, &k.min_share) || !(k.min_share >= 0) ||
			    k.min_share > 1)
				cli_usage_error("--min-share: '%s' is not a number from 0 to 1", optarg);
			break;
		}
	}
	if (argc - optind > 1)
		cli_usage_error("one input at a time");
	if (!k.expect && !k.argmax && !k.c.have_min_prob && !k.c.have_range)
		cli_usage_error("nothing to check: give --expect, --argmax, --min-prob or --range");
	k.in = optind < argc ? argv[optind] : "-";
	k.quiet = common.quiet;

	int status = EXIT_DATA;
	li_err err = {0};
	li_npy_reader *r = NULL, *e = NULL;
	FILE *in = NULL, *ein = NULL;
	if (k.model && li_check_model_names(k.model, &k.names, &err)) {
		cli_fail(k.model, &err);
		goto done;
	}
	if (k.argmax && load_argmax(&k))
		goto done;
	if (!(in = cli_open_in(k.in)))
		goto done;
	if (!(r = li_npy_open(in, &err))) {
		cli_fail(cli_name(k.in), &err);
		goto done;
	}
	const li_npy_info *info = li_npy_info_of(r);
	k.c.argmax = k.want;
	k.c.n_argmax = k.n_want;
	k.c.names = &k.names;
	k.c.fail = report;
	k.c.ctx = &k;
	li_check_begin(&k.c, info);
	if (k.want && k.n_want != 1 && k.n_want != k.c.rows) {
		cli_error(k.argmax, "%lld classes for %lld rows", (long long)k.n_want,
			  (long long)k.c.rows);
		goto done;
	}
	for (int64_t i = 0; k.want && i < k.n_want; i++)
		if (k.want[i] >= k.c.width) {
			cli_error(cli_name(k.in), "class %lld is past the %lld values of a row",
				  (long long)k.want[i], (long long)k.c.width);
			goto done;
		}
	if (k.expect) {
		if (!(ein = cli_open_in(k.expect)))
			goto done;
		if (!(e = li_npy_open(ein, &err))) {
			cli_fail(cli_name(k.expect), &err);
			goto done;
		}
		li_check_expect(&k.c, info, li_npy_info_of(e));
	}
	/* --rows/--shard: the same rows of the input, of --expect and of an --argmax list */
	int64_t lo = 0, hi = k.c.rows;
	int which;
	if (sel.kind) {
		if (info->rank < 2)
			cli_usage_error("--rows and --shard need an array of rows (rank 2 or more)");
		li_rowsel_resolve(&sel, k.c.rows, &lo, &hi);
	}
	if (li_check_rows(&k.c, r, e, lo, hi, &which, &err)) {
		cli_fail(cli_name(which ? k.expect : k.in), &err);
		goto done;
	}
	int64_t rows = hi - lo; /* the rows checked */
	if (k.min_share >= 0) {
		status = share_verdict(&k, rows);
		goto done;
	}
	if (!k.c.failures) {
		if (!k.quiet)
			fprintf(stderr, "li-check: ok: %lld row%s, every expectation holds\n",
				(long long)rows, rows == 1 ? "" : "s");
		status = 0;
		goto done;
	}
	if (!k.quiet) {
		if (k.c.failures > k.shown)
			fprintf(stderr, "  ... and %lld more\n", (long long)(k.c.failures - k.shown));
		fprintf(stderr, "li-check: FAILED: %lld of %lld row%s\n", (long long)k.c.failed_rows,
			(long long)rows, rows == 1 ? "" : "s");
	}
	status = 1;
done:
	free(k.want);
	li_textlist_release(&k.names);
	li_npy_close(r);
	li_npy_close(e);
	cli_close_in(in);
	cli_close_in(ein);
	return cli_finish(status);
}
