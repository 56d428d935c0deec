/*
 * li-reduce: fit PCA, UMAP or t-SNE on latent rows and write their 2-D or 3-D
 * coordinates; --save keeps the fitted map, --transform places new rows into a saved
 * map. Fitting needs every row in memory; --transform streams in batches.
 *
 * Over 300 lines because of its surface, not its work (the fits, the streaming placement
 * and the report live in lib/map/): twenty options over three methods, each refused with
 * its own usage line, and a fit's four outputs opened before and committed together.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cli.h"

enum {
	OPT_METHOD = CLI_OPT_FIRST_FREE, OPT_DIMS, OPT_SAVE, OPT_REPORT, OPT_WHITEN,
	OPT_SOLVER, OPT_TRANSFORM, OPT_TRUST_ROWS, OPT_PERPLEXITY, OPT_EARLY_ITER, OPT_ITER,
	OPT_AUTO, OPT_NEIGHBORS, OPT_MIN_DIST, OPT_SPREAD, OPT_EPOCHS, OPT_SAMPLE,
	OPT_SAMPLE_INDEX,
};

/* --sample: fit on a seeded random sample of the rows */
typedef struct sample_opts {
	int64_t rows;          /* 0: every row */
	const char *index;     /* --sample-index FILE: the sampled row numbers */
} sample_opts;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-reduce [options] [LATENT] > COORDS.npy\n"
		"       li-reduce --transform MAP.h5 [NEW] > COORDS.npy\n"
		"\n"
		"Fit a dimension reduction on the rows of LATENT (.npy of any rank: each row is\n"
		"flattened; '-' or none: standard input) and write their coordinates as a float32\n"
		"N x DIMS .npy. The fit's quality (trustworthiness@10 on a sample, PCA's explained\n"
		"variance ratios, t-SNE's KL divergence) goes to standard error, --report and the\n"
		"map.\n"
		"\n"
		"options:\n"
		"      --method M        pca, umap or tsne [pca]\n"
		"      --dims N          2 or 3 output dimensions [2]\n"
		"      --seed N          seed for randomized steps and the quality sample [0]\n"
		"      --save MAP.h5     keep the fitted map (for --transform, li-invert, li-grid)\n"
		"      --report R.json   write the fit's parameters and quality as JSON\n"
		"      --whiten          PCA: scale the components to unit variance\n"
		"      --solver S        PCA: auto, eig, svd or randomized [auto: eig up to 1000\n"
		"                        columns, svd up to 1000 rows, randomized beyond]\n"
		"      --neighbors K     UMAP: n_neighbors, 2 to 1024 [15]\n"
		"      --min-dist D      UMAP: min_dist, 0 to --spread [0.1]\n"
		"      --spread S        UMAP: spread [1.0]\n"
		"      --epochs N        UMAP: SGD epochs [500 up to 10,000 rows, else 200]\n"
		"      --perplexity P    t-SNE: effective neighbour count, > 0; lowered to (N-1)/3\n"
		"                        for small N, with a note [30]\n"
		"      --early-iterations N  t-SNE: iterations with exaggeration 12 [250]\n"
		"      --iterations N    t-SNE: iterations after them [750]\n"
		"      --auto            choose the method's parameters by trustworthiness@10\n"
		"                        on a sample of 2000 rows (t-SNE: perplexity; UMAP:\n"
		"                        --neighbors, then --min-dist; PCA: --whiten); the\n"
		"                        options given are the base candidate; prints the\n"
		"                        candidates, their scores and the choice\n"
		"      --trust-rows N    rows sampled for trustworthiness; 0 skips it [5000]\n"
		"      --sample N        fit on a random sample of N rows (--seed picks it; the\n"
		"                        others are read and dropped); the coordinates written\n"
		"                        are the sample's, in input order [every row]\n"
		"      --sample-index F  write the sampled row numbers (int64 .npy) to F\n"
		"      --transform MAP   place the rows of NEW into a saved map instead of fitting\n"
		CLI_ROWS_HELP
		"      --threads N       BLAS threads, and UMAP's and t-SNE's worker threads [all\n"
		"                        cores]; results do not depend on it\n"
		"  -o, --output FILE     write here, atomically [standard output]\n"
		"  -q, --quiet           no progress and no quality line on standard error (the\n"
		"                        progress shows on a terminal only)\n"
		"  -h, --help            show this help and exit\n"
		"      --version         show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-reduce --save map.h5 --report fit.json latent.npy > xy.npy\n"
		"  li-reduce --transform map.h5 more.npy > more-xy.npy\n"
		"  li-reduce --method umap --sample 50 --save sample.h5 latent.npy > /dev/null\n"
		"  li-reduce --transform sample.h5 --shard 3/8 latent.npy > part3.npy\n"
		"  li-reduce --method umap --neighbors 30 --save umap.h5 latent.npy > xy.npy\n"
		"  li-reduce --method tsne --perplexity 20 --save tsne.h5 latent.npy > txy.npy\n"
		"  li-reduce --method umap --auto --report fit.json latent.npy > xy.npy\n");
}

/* Writes n x dims float64 coordinates as a float32 .npy to out. 0 or -1 (reported). */
static int write_coords(FILE *out, const char *name, const double *y, int64_t n, int dims)
{
	li_err err = {0};
	li_array a = {0};
	int64_t shape[2] = {n, dims};
	if (li_array_alloc(&a, LI_DTYPE_F32, 2, shape, &err) ||
	    (li_convert(a.data, LI_DTYPE_F32, y, LI_DTYPE_F64, (size_t)(n * dims)),
	     li_npy_save(out, &a, &err))) {
		cli_fail(name, &err);
		li_array_release(&a);
		return -1;
	}
	li_array_release(&a);
	return 0;
}

/* Writes the n sampled row numbers as an int64 .npy. 0 or -1 (reported). */
static int write_index(FILE *out, const char *path, const int64_t *idx, int64_t n)
{
	li_err err = {0};
	li_array a = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {n}, .data = (void *)idx};
	if (li_npy_save(out, &a, &err)) {
		cli_fail(cli_name(path), &err);
		return -1;
	}
	return 0;
}

static int fit(const li_reduce_opts *o, const char *path, const cli_common *common,
	       const char *save, const char *report, const sample_opts *so)
{
	int status = EXIT_DATA;
	li_err err = {0};
	li_array x = {0};
	li_map *m = NULL;
	double *y = NULL;
	cli_out outs[4] = {{0}};
	char *text = NULL;
	int64_t *idx = NULL, of = 0;
	li_npy_reader *r = NULL;
	/* rows for a method that works in float32 are read as float32 and handed over */
	li_dtype dt = li_reduce_wants_f32(o) ? LI_DTYPE_F32 : LI_DTYPE_F64;
	FILE *in = cli_open_in(path);
	if (!in)
		return EXIT_DATA;
	if (so->rows) {
		/* only the sample is kept: memory grows with --sample, not with the input */
		if (!(r = li_npy_open(in, &err)) ||
		    li_rows_sample(r, so->rows, common->seed, dt, &x, &idx, &err) < 0) {
			cli_fail(cli_name(path), &err);
			goto done;
		}
		of = li_npy_rows(r);
	} else if (li_npy_load(in, &x, dt, &err)) {
		cli_fail(cli_name(path), &err);
		goto done;
	}
	int64_t n = x.rank < 1 ? 0 : x.shape[0];
	m = li_reduce_fit_array(o, &x, &y, &err);
	cli_progress_end(common);
	if (!m) {
		cli_fail(cli_name(path), &err);
		status = cli_status(&err);
		goto done;
	}
	li_array_release(&x);
	/*
	 * Every output is opened (its folder checked) before any is written, and all are
	 * committed together. The map and report are written first: standard output cannot be
	 * taken back after a failure.
	 */
	enum { O_MAP, O_REP, O_IDX, O_XY };
	const char *map_tmp = NULL;
	if ((save && !(map_tmp = cli_out_open_name(&outs[O_MAP], save))) ||
	    (report && !cli_out_open(&outs[O_REP], report, 0)) ||
	    (so->index && !cli_out_open(&outs[O_IDX], so->index, 1)) ||
	    !cli_out_open(&outs[O_XY], common->output, 1))
		goto done;
	if (save && li_map_save(m, map_tmp, &err)) {
		cli_fail(save, &err);
		goto done;
	}
	if (report) {
		if (!(text = li_map_report_sample(m, so->rows ? n : 0, of, common->seed))) {
			cli_error(report, "out of memory");
			goto done;
		}
		fprintf(outs[O_REP].f, "%s\n", text);
	}
	if (so->index && write_index(outs[O_IDX].f, so->index, idx, n))
		goto done;
	if (write_coords(outs[O_XY].f, cli_name(common->output), y, n, o->dims))
		goto done;
	/* the unused slots were never opened: packed so that commit_all sees only real ones */
	int k = 0;
	for (int i = 0; i < 4; i++)
		if (outs[i].name)
			outs[k++] = outs[i];
	for (int i = k; i < 4; i++)
		memset(&outs[i], 0, sizeof outs[i]);
	if (cli_out_commit_all(outs, k))
		goto done;
	int64_t asked = li_map_neighbors_asked(m);
	if (asked > 0)
		fprintf(stderr, "li-reduce: warning: %s: n_neighbors %lld is not below the %lld "
			"rows: using %lld\n", cli_name(path), (long long)asked, (long long)n,
			(long long)n - 1);
	if (!common->quiet) {
		char line[512];
		if (so->rows)
			fprintf(stderr, "li-reduce: fitted on a random sample of %lld of %lld rows "
				"(seed %llu)\n", (long long)n, (long long)of,
				(unsigned long long)common->seed);
		const char *note = li_map_note(m);
		while (note && *note) {
			size_t len = strcspn(note, "\n");
			fprintf(stderr, "li-reduce: %.*s\n", (int)len, note);
			note += len + (note[len] == '\n');
		}
		li_map_summary(m, line, sizeof line);
		fprintf(stderr, "li-reduce: %s\n", line);
	}
	status = 0;
done:
	for (int i = 0; i < 4; i++)
		cli_out_abort(&outs[i]);
	free(text);
	free(y);
	free(idx);
	li_map_free(m);
	li_array_release(&x);
	li_npy_close(r);
	cli_close_in(in);
	return status;
}

static int transform(const char *map_path, const char *path, const cli_common *common,
		     const li_rowsel *sel)
{
	int status = EXIT_DATA;
	li_err err = {0};
	li_npy_reader *r = NULL;
	cli_out out = {0};
	FILE *in = NULL;
	li_map *m = li_map_load(map_path, &err);
	if (!m) {
		cli_fail(map_path, &err);
		return EXIT_DATA;
	}
	const char *why;
	if (!li_map_can_transform(m, &why)) {
		cli_error(map_path, "%s", why);
		goto done;
	}
	li_map_set_threads(m, common->threads);
	if (!(in = cli_open_in(path)))
		goto done;
	if (!(r = li_npy_open(in, &err))) {
		cli_fail(cli_name(path), &err);
		goto done;
	}
	const li_npy_info *info = li_npy_info_of(r);
	int64_t d = li_npy_row_elems(r), rows = li_npy_rows(r);
	if (info->rank < 1 || d != li_map_features(m)) {
		cli_error(cli_name(path), "rows have %lld numbers; the map expects %lld",
			  (long long)(info->rank < 1 ? 1 : d), (long long)li_map_features(m));
		goto done;
	}
	int64_t lo = 0, hi = rows;
	int which;
	li_rowsel_resolve(sel, rows, &lo, &hi);
	li_progress progress = cli_progress_for(common);
	if (!cli_out_open(&out, common->output, 1))
		goto done;
	int rc = li_map_transform_npy(m, r, lo, hi, out.f, &progress, &which, &err);
	cli_progress_end(common);
	if (rc) {
		cli_fail(cli_name(which ? common->output : path), &err);
		goto done;
	}
	if (cli_out_commit(&out))
		goto done;
	status = 0;
done:
	cli_out_abort(&out);
	li_npy_close(r);
	cli_close_in(in);
	li_map_free(m);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		CLI_ROWS_LONGOPTS,
		{"neighbors", required_argument, NULL, OPT_NEIGHBORS},
		{"min-dist", required_argument, NULL, OPT_MIN_DIST},
		{"spread", required_argument, NULL, OPT_SPREAD},
		{"epochs", required_argument, NULL, OPT_EPOCHS},
		{"method", required_argument, NULL, OPT_METHOD},
		{"dims", required_argument, NULL, OPT_DIMS},
		{"save", required_argument, NULL, OPT_SAVE},
		{"report", required_argument, NULL, OPT_REPORT},
		{"whiten", no_argument, NULL, OPT_WHITEN},
		{"solver", required_argument, NULL, OPT_SOLVER},
		{"transform", required_argument, NULL, OPT_TRANSFORM},
		{"trust-rows", required_argument, NULL, OPT_TRUST_ROWS},
		{"perplexity", required_argument, NULL, OPT_PERPLEXITY},
		{"early-iterations", required_argument, NULL, OPT_EARLY_ITER},
		{"iterations", required_argument, NULL, OPT_ITER},
		{"auto", no_argument, NULL, OPT_AUTO},
		{"sample", required_argument, NULL, OPT_SAMPLE},
		{"sample-index", required_argument, NULL, OPT_SAMPLE_INDEX},
		{0},
	};
	cli_common common = {0};
	li_reduce_opts o = {.method = "pca", .dims = 2};
	const char *save = NULL, *report = NULL, *map = NULL;
	int c, fit_only = 0;
	long v;
	double dv;
	li_rowsel sel = {0};
	sample_opts so = {0};
	cli_init("li-reduce");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		if (cli_rows_option(c, optarg, &sel)) {
			fit_only |= 2;
			continue;
		}
		fit_only |= c != OPT_TRANSFORM;
		switch (c) {
		case OPT_METHOD:
			o.method = optarg;
			break;
		case OPT_DIMS:
			if (cli_parse_long(optarg, 2, 3, &v))
				cli_usage_error("--dims: '%s' is not 2 or 3", optarg);
			o.dims = (int)v;
			break;
		case OPT_SAVE:
			save = optarg;
			break;
		case OPT_REPORT:
			report = optarg;
			break;
		case OPT_WHITEN:
			o.whiten = 1;
			break;
		case OPT_SOLVER:
			if (strcmp(optarg, "auto") && strcmp(optarg, "eig") && strcmp(optarg, "svd") &&
			    strcmp(optarg, "randomized"))
				cli_usage_error("--solver: '%s' is not auto, eig, svd or randomized",
						optarg);
			o.solver = optarg;
			break;
		case OPT_TRANSFORM:
			map = optarg;
			break;
		case OPT_NEIGHBORS:
			if (cli_parse_long(optarg, 2, 1024, &v))
				cli_usage_error("--neighbors: '%s' is not a count from 2 to 1024", optarg);
			o.neighbors = (int)v;
			break;
		case OPT_MIN_DIST:
			if (cli_parse_double(optarg, &dv) || !(dv >= 0) || !isfinite(dv))
				cli_usage_error("--min-dist: '%s' is not a number >= 0", optarg);
			o.min_dist = dv;
			o.min_dist_set = 1;
			break;
		case OPT_SPREAD:
			if (cli_parse_double(optarg, &dv) || !(dv > 0) || !isfinite(dv))
				cli_usage_error("--spread: '%s' is not a number > 0", optarg);
			o.spread = dv;
			break;
		case OPT_EPOCHS:
			if (cli_parse_long(optarg, 1, 100000, &v))
				cli_usage_error("--epochs: '%s' is not a count from 1 to 100000", optarg);
			o.epochs = (int)v;
			break;
		case OPT_TRUST_ROWS:
			if (cli_parse_long(optarg, 0, 1000000, &v))
				cli_usage_error("--trust-rows: '%s' is not a count up to 1000000", optarg);
			o.trust_rows = v ? v : -1;
			break;
		case OPT_PERPLEXITY:
			if (cli_parse_double(optarg, &o.perplexity) || !(o.perplexity > 0) ||
			    !(o.perplexity <= 1e6))
				cli_usage_error("--perplexity: '%s' is not a number above 0", optarg);
			break;
		case OPT_EARLY_ITER:
		case OPT_ITER:
			if (cli_parse_long(optarg, 1, 100000, &v))
				cli_usage_error("--%s: '%s' is not a count from 1 to 100000",
						c == OPT_ITER ? "iterations" : "early-iterations", optarg);
			*(c == OPT_ITER ? &o.iterations : &o.early_iter) = (int)v;
			break;
		case OPT_AUTO:
			o.auto_tune = 1;
			break;
		case OPT_SAMPLE:
			if (cli_parse_long(optarg, 1, INT32_MAX, &v))
				cli_usage_error("--sample: '%s' is not a row count from 1", optarg);
			so.rows = v;
			break;
		case OPT_SAMPLE_INDEX:
			so.index = optarg;
			break;
		}
	}
	o.seed = common.seed;
	o.threads = common.threads;
	o.progress = cli_progress_for(&common);
	if (common.threads)
		openblas_set_num_threads(common.threads);
	if (argc - optind > 1)
		cli_usage_error("one input at a time");
	const char *path = optind < argc ? argv[optind] : "-";
	if (map && (fit_only & 1))
		cli_usage_error("--transform takes none of the fitting options");
	if (!map && (fit_only & 2))
		cli_usage_error("--rows and --shard go with --transform (a fit needs every row)");
	li_err err = {0};
	if (li_reduce_opts_check(&o, &err))
		cli_usage_error("%s", err.msg);
	if (report && !strcmp(report, "-") && (!common.output || !strcmp(common.output, "-")))
		cli_usage_error("--report and the coordinates cannot both go to standard output");
	const char *named[][2] = {{save, "--save"}, {report, "--report"}, {so.index, "--sample-index"},
				  {common.output, "-o"}};
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++)
			if (cli_same_file(named[i][0], named[j][0]))
				cli_usage_error("%s and %s name the same file '%s'", named[i][1],
						named[j][1], named[i][0]);
	if (map)
		return cli_finish(transform(map, path, &common, &sel));
	if (so.index && !so.rows)
		cli_usage_error("--sample-index goes with --sample");
	return cli_finish(fit(&o, path, &common, save, report, &so));
}
