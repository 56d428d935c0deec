/*
 * li-convert: convert a data set from any format lib/data.h reads (.npy, .json, .mat,
 * .csv/.tsv, IDX, labeled folders) to .npy, .csv/.tsv, .json or .mat, and from one dtype
 * to another. Rows stream through in batches, so memory stays flat (except for .mat
 * output, which matio writes whole); every output appears only when complete.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli_data.h"

enum { OPT_DTYPE = CLI_OPT_FIRST_FREE, OPT_TO, OPT_OUT_VAR, OPT_MAT_VERSION, OPT_LABELS_OUT,
       OPT_CLASSES_OUT };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-convert [options] [IN] [-o OUT]\n"
		"\n"
		"Convert a data set. IN is .npy, .json, .mat, .csv/.tsv, IDX (gzip or not) or a\n"
		"labeled data-set folder ('-' or none: standard input; of a .npy stream, the first\n"
		"array). OUT is .npy, .csv, .tsv, .json or .mat, by its extension or --to ('-' or\n"
		"none: standard output, .npy unless --to says otherwise).\n"
		"\n"
		"options:\n"
		"  -o, --output FILE  write here, atomically [standard output]\n"
		"      --to FMT       output format: npy, csv, tsv, json, mat [by OUT; npy]\n"
		"      --dtype TYPE   element type of the output: bool, int8..int64,\n"
		"                     uint8..uint64, float16, float32, float64 [as input]\n"
		CLI_DATA_USAGE
		CLI_PREPROCESS_USAGE
		"      --out-var NAME .mat output: the variable's name [x]\n"
		"      --mat-version V  .mat output: 4, 5 or 7.3 [5]\n"
		"      --labels-out FILE  also write the labels (int64 .npy)\n"
		"      --classes-out FILE also write the class names, one a line\n"
		CLI_ROWS_HELP
		"  -q, --quiet        no progress\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"Float to integer truncates toward zero and saturates at the type's range; NaN\n"
		"becomes 0. CSV output of labeled data gets a header line and a 'label' column.\n"
		"\n"
		"examples:\n"
		"  li-convert --dtype float32 x64.npy -o x.npy\n"
		"  cat labels.npy | li-convert --dtype int64 > labels64.npy\n"
		"  li-convert train-images-idx3-ubyte.gz --dtype float32 --scale 0.00392156862745098 -o x.npy\n"
		"  li-convert data.csv --label-col species --labels-out y.npy -o x.npy\n"
		"  li-convert --shard 2/4 x.npy -o part2.npy\n"
		"\n"
		"A model converts too: a TF.js model.json, a Keras .h5 (any version) or a Keras 3\n"
		"\".keras\" zip becomes a Keras .h5 laid out as tf.keras 2.4 writes it, or a .keras\n"
		"laid out as Keras 3 writes it (by -o's extension), with the same outputs:\n"
		"  li-convert model.json -o model.h5\n"
		"  li-convert model.h5 -o model.keras\n");
}

/* 1 when path is a model: a Keras .h5 or .keras file, or a TF.js model.json (with
 * modelTopology). Which of them it really is, li_model_load tells from its content. */
static int is_model(const char *path)
{
	const char *dot = strrchr(path, '.');
	if (!dot || strchr(dot, '/'))
		return 0;
	if (!strcmp(dot, ".h5") || !strcmp(dot, ".hdf5") || !strcmp(dot, ".keras"))
		return 1;
	if (strcmp(dot, ".json"))
		return 0;
	json_t *j = json_load_file(path, 0, NULL);
	int yes = json_is_object(json_object_get(j, "modelTopology"));
	json_decref(j);
	return yes;
}

/* Model conversion: TF.js model.json, a Keras .h5 of any version or a .keras zip to a
 * tf.keras 2.4 .h5 or a Keras 3 .keras, by the output's extension. */
static int convert_model(const char *path, const char *out)
{
	li_err err = {0};
	if (!out || !strcmp(out, "-"))
		cli_usage_error("a model converts to a Keras model file: give -o MODEL.h5 or "
				"-o MODEL.keras");
	int fmt = li_model_save_format(out, -1);
	if (fmt < 0)
		cli_usage_error("a model converts to a Keras .h5 or .keras file, not '%s'", out);
	li_model *m = li_model_load(path, NULL, &err);
	if (!m) {
		cli_fail(path, &err);
		return cli_finish(EXIT_DATA);
	}
	cli_out o;
	const char *tmp = cli_out_open_name(&o, out);
	int rc = !tmp;
	if (tmp && (rc = li_model_save_part_as(m, LI_PART_WHOLE, 0, tmp, fmt, &err)) != 0)
		cli_fail(out, &err);
	if (tmp && !rc)
		rc = cli_out_commit(&o);
	cli_out_abort(&o);
	li_model_free(m);
	return cli_finish(rc ? EXIT_DATA : 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, CLI_DATA_LONGOPTS, CLI_PREPROCESS_LONGOPTS, CLI_ROWS_LONGOPTS,
		{"dtype", required_argument, NULL, OPT_DTYPE},
		{"to", required_argument, NULL, OPT_TO},
		{"out-var", required_argument, NULL, OPT_OUT_VAR},
		{"mat-version", required_argument, NULL, OPT_MAT_VERSION},
		{"labels-out", required_argument, NULL, OPT_LABELS_OUT},
		{"classes-out", required_argument, NULL, OPT_CLASSES_OUT},
		{0},
	};
	cli_common common = {0};
	li_rowsel sel = {0};
	li_data_opts dopts;
	li_data_writer_opts wo = {.to = LI_FORMAT_AUTO, .mat_version = 5, .var = "x"};
	const char *labels_out = NULL, *classes_out = NULL;
	int c, have_dtype = 0;
	li_dtype dtype = LI_DTYPE_F32;
	cli_init("li-convert");
	cli_data_init(&dopts);
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cli_data_option(c, optarg, &dopts) ||
		    cli_rows_option(c, optarg, &sel))
			continue;
		switch (c) {
		case OPT_DTYPE:
			if (li_dtype_parse(optarg, &dtype))
				cli_usage_error("--dtype: unknown type '%s'", optarg);
			have_dtype = 1;
			break;
		case OPT_TO:
			if (li_format_parse(optarg, &wo.to) || wo.to == LI_FORMAT_IDX ||
			    wo.to == LI_FORMAT_FOLDER || wo.to == LI_FORMAT_AUTO)
				cli_usage_error("--to: cannot write '%s' (npy, csv, tsv, json, mat)", optarg);
			break;
		case OPT_OUT_VAR: wo.var = optarg; break;
		case OPT_MAT_VERSION:
			if (!strcmp(optarg, "4") || !strcmp(optarg, "5"))
				wo.mat_version = optarg[0] - '0';
			else if (!strcmp(optarg, "7.3"))
				wo.mat_version = 73;
			else
				cli_usage_error("--mat-version: 4, 5 or 7.3, not '%s'", optarg);
			break;
		case OPT_LABELS_OUT: labels_out = optarg; break;
		case OPT_CLASSES_OUT: classes_out = optarg; break;
		default: cli_usage_error("unknown option");
		}
	}
	if (argc - optind > 1)
		cli_usage_error("one input at a time");
	const char *path = optind < argc ? argv[optind] : "-";
	if (is_model(path))
		return convert_model(path, common.output);
	if (wo.to == LI_FORMAT_AUTO && common.output && strcmp(common.output, "-"))
		wo.to = li_format_from_path(common.output);
	if (wo.to == LI_FORMAT_AUTO || wo.to == LI_FORMAT_IDX || wo.to == LI_FORMAT_FOLDER)
		wo.to = LI_FORMAT_NPY;

	int status = EXIT_DATA;
	li_err err = {0};
	li_batch_src rows_in = {0};
	li_data_writer *w = NULL;
	cli_out out = {0}, labels = {0}, classes = {0};
	li_data *d = cli_data_open(path, &dopts, &status);
	if (!d)
		goto done;
	status = EXIT_DATA;
	if (!have_dtype)
		dtype = li_data_dtype(d);
	if ((dopts.pre.scale != 1 || dopts.pre.offset != 0) && !li_dtype_is_float(dtype)) {
		if (have_dtype) {
			cli_error(NULL, "--scale and --offset need a float --dtype");
			status = EXIT_USAGE;
			goto done;
		}
		dtype = LI_DTYPE_F32;
	}
	if (sel.kind && li_data_scalar(d))
		cli_usage_error("--rows and --shard need an array with rows, not a 0-d array");
	/* an unknown count (csv) serves a range from the start, not a shard */
	if (li_data_rows(d) < 0 && li_rowsel_needs_count(&sel))
		cli_usage_error("--shard and negative --rows need a known row count; "
				"convert the input to .npy first");
	if ((labels_out || classes_out) && !li_data_has_labels(d)) {
		cli_error(cli_name(path), "has no labels for --labels-out or --classes-out");
		goto done;
	}
	if (!cli_out_open(&out, common.output, wo.to == LI_FORMAT_NPY || wo.to == LI_FORMAT_MAT) ||
	    (labels_out && !cli_out_open(&labels, labels_out, 1)) ||
	    (classes_out && !cli_out_open(&classes, classes_out, 0)))
		goto done;
	const char *out_name = cli_name(common.output);
	int64_t shape[LI_MAX_RANK], rows = li_data_rows(d), lo = 0, hi = INT64_MAX, k;
	int rank = li_data_row_shape(d, shape + 1) + 1;
	int64_t row = li_data_row_elems(d), per = row > 0 ? (1 << 20) / row : 1 << 20;
	if (sel.kind) {
		li_rowsel_resolve(&sel, rows < 0 ? INT64_MAX : rows, &lo, &hi);
		if (rows >= 0)
			rows = hi - lo;
	}
	/* each row converts alone: batches start at the selection (lib/batches.h) */
	li_batches b;
	rows_in = (li_batch_src){.data = d, .want = dtype};
	li_batches_plan(&b, lo, hi, per, 0);
	b.progress = cli_progress_for(&common);
	b.total = rows;
	/* the rows before the selection: a .npy file seeks, a pipe reads and drops them */
	if (li_batches_start(&b, li_batch_src_read, li_batch_src_skip, &rows_in, &err)) {
		cli_fail(cli_name(path), &err);
		status = cli_status(&err);
		goto done;
	}
	shape[0] = rows;
	wo.dtype = dtype;
	wo.rank = li_data_scalar(d) ? 0 : rank;
	wo.shape = shape;
	wo.labeled = li_data_has_labels(d);
	wo.keep_labels = labels_out != NULL;
	wo.mat_path = out.tmp;
	if (!(w = li_data_writer_open(out.f, &wo, &err))) {
		cli_fail(out_name, &err);
		goto done;
	}
	while ((k = li_batches_next(&b, li_batch_src_read, li_batch_src_skip, &rows_in, &err)) > 0) {
		int64_t n_names;
		char *const *names = li_data_classes(d, &n_names);
		if (li_data_writer_rows(w, &rows_in.batch, li_data_batch_labels(d), names, n_names,
					&err)) {
			/* a JSON refusal (NaN) is about the data; a write error about the output */
			cli_fail(err.code == LI_EIO ? out_name : cli_name(path), &err);
			goto done;
		}
	}
	cli_progress_end(&common);
	if (k < 0) {
		cli_fail(cli_name(path), &err);
		status = cli_status(&err);
		goto done;
	}
	int rc = li_data_writer_close(w, &err);
	if (!rc && labels_out) {
		li_array ya = li_data_writer_labels(w);
		rc = li_npy_save(labels.f, &ya, &err);
		if (rc)
			out_name = cli_name(labels_out);
	}
	if (!rc && classes_out) {
		int64_t n_names;
		char *const *names = li_data_classes(d, &n_names);
		for (int64_t i = 0; i < n_names; i++)
			fprintf(classes.f, "%s\n", names[i]);
	}
	if (rc) {
		cli_fail(out_name, &err);
		goto done;
	}
	if (cli_out_commit(&out) || (labels_out && cli_out_commit(&labels)) ||
	    (classes_out && cli_out_commit(&classes)))
		goto done;
	status = 0;
done:
	li_data_writer_free(w);
	cli_out_abort(&out);
	cli_out_abort(&labels);
	cli_out_abort(&classes);
	li_array_release(&rows_in.batch);
	li_data_close(d);
	return cli_finish(status);
}
