/*
 * li-check: the CI check of model behavior. Compares an array (a model's outputs,
 * usually at chosen latent coordinates) with expectations and exits 0 when all hold,
 * 1 when any fails, with a table of what differs on standard error. Expectations: an
 * expected array within a tolerance, each row's argmax (an index, a class name, or one
 * per row from a file), the winning probability, and a value range. The input and the
 * expected array stream through in batches of rows, so memory stays flat.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"

enum {
	OPT_EXPECT = CLI_OPT_FIRST_FREE, OPT_ATOL, OPT_RTOL, OPT_ARGMAX, OPT_MODEL, OPT_MIN_PROB,
	OPT_RANGE, OPT_MAX_SHOW,
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
		"    li-check --model probe.h5 --argmax 7 --min-prob 0.9\n");
}

typedef struct check {
	const char *in, *expect, *argmax, *model;
	double atol, rtol, min_prob, lo, hi;
	int have_min_prob, have_range, quiet;
	long max_show;
	li_textlist names;              /* the model's class names */
	int64_t *want, n_want;          /* expected argmax per row (n_want 1: every row) */
	int64_t rows, width;            /* of the input */
	int64_t shown, failed_rows, failures;
	int digits;                     /* significant digits of the input's dtype */
} check;

/* "LO:HI" with either side empty. */
static int parse_range(const char *s, double *lo, double *hi)
{
	char buf[128];
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof buf)
		return -1;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = 0;
	*lo = -INFINITY;
	*hi = INFINITY;
	if (buf[0] && cli_parse_double(buf, lo))
		return -1;
	if (colon[1] && cli_parse_double(colon + 1, hi))
		return -1;
	return *lo <= *hi ? 0 : -1;
}

/* A class index as a table cell: "7" or "7 'seven'". */
static void class_cell(const check *k, int64_t c, char *buf, size_t n)
{
	if (c < 0)
		snprintf(buf, n, "none");
	else if (c < k->names.n)
		snprintf(buf, n, "%lld '%.40s'", (long long)c, k->names.s[c]);
	else
		snprintf(buf, n, "%lld", (long long)c);
}

/* One line of the failure table (the header before the first). */
static void report(check *k, const char *where, const char *what, const char *got,
		   const char *want)
{
	k->failures++;
	if (k->quiet || k->shown >= k->max_show)
		return;
	if (!k->shown++)
		fprintf(stderr, "  %-10s %-9s %-22s %s\n", "where", "check", "got", "expected");
	fprintf(stderr, "  %-10s %-9s %-22s %s\n", where, what, got, want);
}

/* 1 when path starts as a zip does (a Keras 3 .keras). */
static int is_zip(const char *path)
{
	char b[4];
	FILE *f = fopen(path, "rb");
	int yes = f && fread(b, 1, 4, f) == 4 && !memcmp(b, "PK\3\4", 4);
	if (f)
		fclose(f);
	return yes;
}

/* The class names of a .keras model as a JSON array, or NULL with the error printed. */
static char *model_names_json(const char *path)
{
	li_err err = {0};
	const char *const *names;
	li_model *m = li_model_load(path, NULL, &err);
	if (!m) {
		cli_error(path, "%s", err.msg);
		return NULL;
	}
	int n = li_model_class_names(m, &names), bad = 0;
	json_t *a = json_array();
	for (int i = 0; a && i < n; i++)
		bad |= json_array_append_new(a, json_string(names[i]));
	char *json = a && n && !bad ? json_dumps(a, 0) : NULL;
	json_decref(a);
	li_model_free(m);
	if (!json)
		cli_error(path, n ? "out of memory" : "the model has no class names (li_class_names)");
	return json;
}

/* Reads the model's class names: the root attribute li_class_names of an HDF5 file, or
 * metadata.json's of a .keras zip. */
static int load_names(check *k)
{
	li_err err = {0};
	char *json = NULL;
	int rc = li_h5attr_string(k->model, "li_class_names", &json, &err);
	if (rc == LI_EEND) {
		cli_error(k->model, "the model has no class names (root attribute li_class_names)");
		return -1;
	}
	if (rc && is_zip(k->model)) {
		if (!(json = model_names_json(k->model)))
			return -1;
		rc = 0;
	}
	if (rc) {
		cli_error(k->model, "%s", err.msg);
		return -1;
	}
	if ((rc = li_textlist_from_json(json, &k->names, &err)))
		li_err_prefix(&err, "li_class_names");
	free(json);
	if (rc)
		cli_error(k->model, "%s", err.msg);
	return rc ? -1 : 0;
}

/* --argmax: an index, a file, or a class name, in that order. */
static int load_argmax(check *k)
{
	li_err err = {0};
	long v;
	struct stat st;
	int64_t orig = k->names.n;
	if (!cli_parse_long(k->argmax, 0, 1L << 40, &v)) {
		k->want = malloc(sizeof *k->want);
		if (!k->want)
			return cli_error(NULL, "out of memory"), -1;
		k->want[0] = v;
		k->n_want = 1;
		return 0;
	}
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
	k->want = malloc(sizeof *k->want);
	if (!k->want)
		return cli_error(NULL, "out of memory"), -1;
	k->want[0] = c;
	k->n_want = 1;
	return 0;
}

/* Per-row checks: argmax, probability, range. Returns whether the row failed. */
static int check_row(check *k, int64_t r, const double *x)
{
	char where[64], got[128], want[128];
	int64_t best = -1, failures = k->failures;
	for (int64_t j = 0; j < k->width; j++)
		if (!isnan(x[j]) && (best < 0 || x[j] > x[best]))
			best = j;
	snprintf(where, sizeof where, "row %lld", (long long)r);
	int64_t w = k->want ? k->want[k->n_want == 1 ? 0 : r] : -1;
	if (k->want && best != w) {
		class_cell(k, best, got, sizeof got);
		class_cell(k, w, want, sizeof want);
		report(k, where, "argmax", got, want);
	}
	if (k->have_min_prob) {
		int64_t c = k->want ? w : best;
		double p = c >= 0 && c < k->width ? x[c] : NAN;
		if (!(p >= k->min_prob)) {
			snprintf(got, sizeof got, "%.*g (class %lld)", k->digits, p, (long long)c);
			snprintf(want, sizeof want, ">= %.6g", k->min_prob);
			report(k, where, "min-prob", got, want);
		}
	}
	if (k->have_range)
		for (int64_t j = 0; j < k->width; j++)
			if (!(x[j] >= k->lo && x[j] <= k->hi)) {
				snprintf(where, sizeof where, "[%lld,%lld]", (long long)r, (long long)j);
				snprintf(got, sizeof got, "%.*g", k->digits, x[j]);
				snprintf(want, sizeof want, "in [%.6g, %.6g]", k->lo, k->hi);
				report(k, where, "range", got, want);
			}
	return k->failures > failures;
}

/* Row r of the input against row r of the expected array, within atol + rtol * |e|. */
static int check_expect_row(check *k, int64_t r, const double *x, const double *y)
{
	int64_t failures = k->failures;
	for (int64_t j = 0; j < k->width; j++) {
		double g = x[j], w = y[j];
		if ((isnan(g) && isnan(w)) || fabs(g - w) <= k->atol + k->rtol * fabs(w))
			continue;
		char where[48], got[40], want[64];
		snprintf(where, sizeof where, "[%lld,%lld]", (long long)r, (long long)j);
		snprintf(got, sizeof got, "%.*g", k->digits, g);
		snprintf(want, sizeof want, "%.*g (diff %.3g)", k->digits, w, fabs(g - w));
		report(k, where, "expect", got, want);
	}
	return k->failures > failures;
}

/* A threshold in the input's precision (see the comment in main). */
static double in_precision(double v, li_dtype t)
{
	if (!isfinite(v))
		return v;
	if (t == LI_DTYPE_F32)
		return (float)v;
	if (t == LI_DTYPE_F16)
		return li_half_to_float(li_float_to_half((float)v));
	return v;
}

/* Rows and row width as li-check sees them: a 0-d or 1-D array is one row. */
static void row_layout(const li_npy_info *info, int64_t *rows, int64_t *width)
{
	*rows = info->rank >= 2 ? info->shape[0] : 1;
	*width = info->rank >= 2 ? li_shape_row_elems(info->rank, info->shape)
				 : li_shape_count(info->rank, info->shape);
}

/*
 * Reads up to max rows (li-check's rows) from r as float64 into b; a 0-d or 1-D array
 * is read whole as one row. Returns the rows read, 0 at the end, negative on error.
 */
static int64_t read_rows(li_npy_reader *r, li_array *b, int64_t max, int64_t width,
			 int *whole_done, li_err *err)
{
	if (li_npy_info_of(r)->rank >= 2)
		return li_npy_read_batch(r, b, LI_DTYPE_F64, max, err);
	if (*whole_done)
		return 0;
	*whole_done = 1;
	int64_t k = li_npy_read_batch(r, b, LI_DTYPE_F64, width > 0 ? width : 1, err);
	return k < 0 ? k : 1;
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
		CLI_ROWS_LONGOPTS,
		{0},
	};
	cli_common common = {0};
	check k = {.atol = 1e-5, .rtol = 1e-5, .max_show = 20};
	li_rowsel sel = {0};
	int c;
	cli_init("li-check");
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cli_rows_option(c, optarg, &sel))
			continue;
		switch (c) {
		case OPT_EXPECT: k.expect = optarg; break;
		case OPT_ATOL:
			if (cli_parse_double(optarg, &k.atol) || k.atol < 0)
				cli_usage_error("--atol: '%s' is not a number >= 0", optarg);
			break;
		case OPT_RTOL:
			if (cli_parse_double(optarg, &k.rtol) || k.rtol < 0)
				cli_usage_error("--rtol: '%s' is not a number >= 0", optarg);
			break;
		case OPT_ARGMAX: k.argmax = optarg; break;
		case OPT_MODEL: k.model = optarg; break;
		case OPT_MIN_PROB:
			if (cli_parse_double(optarg, &k.min_prob))
				cli_usage_error("--min-prob: '%s' is not a number", optarg);
			k.have_min_prob = 1;
			break;
		case OPT_RANGE:
			if (parse_range(optarg, &k.lo, &k.hi))
				cli_usage_error("--range: '%s' is not LO:HI with LO <= HI", optarg);
			k.have_range = 1;
			break;
		case OPT_MAX_SHOW:
			if (cli_parse_long(optarg, 0, 1000000, &k.max_show))
				cli_usage_error("--max-show: '%s' is not a count", optarg);
			break;
		}
	}
	if (argc - optind > 1)
		cli_usage_error("one input at a time");
	if (!k.expect && !k.argmax && !k.have_min_prob && !k.have_range)
		cli_usage_error("nothing to check: give --expect, --argmax, --min-prob or --range");
	k.in = optind < argc ? argv[optind] : "-";
	k.quiet = common.quiet;

	int status = EXIT_DATA;
	li_err err = {0};
	li_array batch = {0}, ebatch = {0};
	li_npy_reader *r = NULL, *e = NULL;
	FILE *in = NULL, *ein = NULL;
	int64_t n = 0;
	if (k.model && load_names(&k))
		goto done;
	if (k.argmax && load_argmax(&k))
		goto done;
	in = cli_open_in(k.in);
	if (!in)
		goto done;
	r = li_npy_open(in, &err);
	if (!r) {
		cli_error(cli_name(k.in), "%s", err.code == LI_EEND ? "empty file" : err.msg);
		goto done;
	}
	const li_npy_info *info = li_npy_info_of(r);
	row_layout(info, &k.rows, &k.width);
	/*
	 * A float32 output of 0.9 is 0.899999976: thresholds meet the values in the input's
	 * own precision, so --min-prob 0.9 passes it, and values print in that precision.
	 */
	k.digits = info->dtype == LI_DTYPE_F32 ? 7 : info->dtype == LI_DTYPE_F16 ? 4 : 10;
	k.min_prob = in_precision(k.min_prob, info->dtype);
	k.lo = in_precision(k.lo, info->dtype);
	k.hi = in_precision(k.hi, info->dtype);
	if (k.want && k.n_want != 1 && k.n_want != k.rows) {
		cli_error(k.argmax, "%lld classes for %lld rows", (long long)k.n_want,
			  (long long)k.rows);
		goto done;
	}
	for (int64_t i = 0; k.want && i < k.n_want; i++)
		if (k.want[i] >= k.width) {
			cli_error(cli_name(k.in), "class %lld is past the %lld values of a row",
				  (long long)k.want[i], (long long)k.width);
			goto done;
		}
	int same_shape = 1;
	if (k.expect) {
		if (!(ein = cli_open_in(k.expect)))
			goto done;
		if (!(e = li_npy_open(ein, &err))) {
			cli_error(cli_name(k.expect), "%s", err.code == LI_EEND ? "empty file" : err.msg);
			goto done;
		}
		const li_npy_info *ei = li_npy_info_of(e);
		same_shape = ei->rank == info->rank;
		for (int i = 0; same_shape && i < info->rank; i++)
			same_shape = ei->shape[i] == info->shape[i];
		if (!same_shape) {
			char got[64], want[64];
			li_shape_format(info->rank, info->shape, got, sizeof got);
			li_shape_format(ei->rank, ei->shape, want, sizeof want);
			report(&k, "shape", "expect", got, want);
		}
	}
	/* --rows/--shard: the same rows of the input, of --expect and of an --argmax list */
	int64_t lo = 0, hi = k.rows;
	if (sel.kind) {
		if (info->rank < 2)
			cli_usage_error("--rows and --shard need an array of rows (rank 2 or more)");
		li_rowsel_resolve(&sel, k.rows, &lo, &hi);
		if (lo > 0 && li_npy_skip_rows(r, lo, &err) < 0) {
			cli_error(cli_name(k.in), "%s", err.msg);
			goto done;
		}
		if (e && same_shape && lo > 0 && li_npy_skip_rows(e, lo, &err) < 0) {
			cli_error(cli_name(k.expect), "%s", err.msg);
			goto done;
		}
	}
	/* rows stream through in batches of about a million values */
	int64_t per = k.width > 0 ? (1 << 20) / k.width : 1 << 20, row = lo;
	int whole = 0, ewhole = 0;
	if (per < 1)
		per = 1;
	while (row < hi && (n = read_rows(r, &batch, per < hi - row ? per : hi - row, k.width,
					  &whole, &err)) > 0) {
		if (e && same_shape) {
			int64_t m = read_rows(e, &ebatch, n, k.width, &ewhole, &err);
			if (m != n) {
				cli_error(cli_name(k.expect), "%s", m < 0 ? err.msg : "truncated data");
				goto done;
			}
		}
		for (int64_t i = 0; i < n; i++, row++) {
			const double *x = (const double *)batch.data + i * k.width;
			int bad = check_row(&k, row, x);
			if (e && same_shape)
				bad |= check_expect_row(&k, row, x,
							(const double *)ebatch.data + i * k.width);
			k.failed_rows += bad || !same_shape;
		}
	}
	if (n < 0) {
		cli_error(cli_name(k.in), "%s", err.msg);
		goto done;
	}
	k.rows = hi - lo; /* the rows checked */
	if (!k.failures) {
		if (!k.quiet)
			fprintf(stderr, "li-check: ok: %lld row%s, every expectation holds\n",
				(long long)k.rows, k.rows == 1 ? "" : "s");
		status = 0;
		goto done;
	}
	if (!k.quiet) {
		if (k.failures > k.shown)
			fprintf(stderr, "  ... and %lld more\n", (long long)(k.failures - k.shown));
		fprintf(stderr, "li-check: FAILED: %lld of %lld row%s\n", (long long)k.failed_rows,
			(long long)k.rows, k.rows == 1 ? "" : "s");
	}
	status = 1;
done:
	free(k.want);
	li_textlist_release(&k.names);
	li_array_release(&batch);
	li_array_release(&ebatch);
	li_npy_close(r);
	li_npy_close(e);
	cli_close_in(in);
	cli_close_in(ein);
	return cli_finish(status);
}
