/*
 * li-convert: convert a data set from any format lib/data.h reads (.npy, .json, .mat,
 * .csv/.tsv, IDX, labeled folders) to .npy, .csv/.tsv, .json or .mat, and from one dtype
 * to another. Rows stream through in batches, so memory stays flat (except for .mat
 * output, which matio writes whole); every output appears only when complete.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		cli_error(path, "%s", err.msg);
		return cli_finish(EXIT_DATA);
	}
	int rc = li_model_save_part_as(m, LI_PART_WHOLE, 0, out, fmt, &err);
	if (rc)
		cli_error(out, "%s", err.msg);
	li_model_free(m);
	return cli_finish(rc ? EXIT_DATA : 0);
}

typedef struct outputs {
	cli_out main, labels, classes;
	li_format to;
	int mat_version;
	const char *var;
	li_npy_writer *w;
	/* labels gathered for --labels-out */
	int64_t *y;
	size_t n_y, m_y;
	/* .mat: the rows gathered */
	li_array all;
	size_t n_all, m_all;
} outputs;

static int keep_labels(outputs *o, const int64_t *y, int64_t k)
{
	if (o->n_y + (size_t)k > o->m_y) {
		size_t m = o->m_y ? o->m_y : 1024;
		while (m < o->n_y + (size_t)k)
			m *= 2;
		int64_t *p = realloc(o->y, m * sizeof *p);
		if (!p)
			return -1;
		o->y = p;
		o->m_y = m;
	}
	memcpy(o->y + o->n_y, y, (size_t)k * sizeof *y);
	o->n_y += (size_t)k;
	return 0;
}

static int keep_rows(outputs *o, const li_array *b, int64_t k, int64_t row)
{
	size_t es = li_dtype_size(b->dtype), add = (size_t)(k * row) * es;
	if (o->n_all + add > o->m_all) {
		size_t m = o->m_all ? o->m_all : 1 << 16;
		while (m < o->n_all + add)
			m *= 2;
		void *p = realloc(o->all.data, m);
		if (!p)
			return -1;
		o->all.data = p;
		o->m_all = m;
	}
	memcpy((char *)o->all.data + o->n_all, b->data, add);
	o->n_all += add;
	return 0;
}

/* Writes the gathered rows as a .mat file at o->main's temporary path, or to stdout. */
static int write_mat(outputs *o, const char *out_name, li_err *err)
{
	if (o->main.tmp)
		return li_mat_write(o->main.tmp, o->var, &o->all, o->mat_version, err);
	const char *dir = getenv("TMPDIR");
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s/li-convert.XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(tmp);
	if (fd < 0)
		return li_err_set(err, LI_EIO, "cannot make a temporary file: %s", strerror(errno));
	close(fd);
	int rc = li_mat_write(tmp, o->var, &o->all, o->mat_version, err);
	FILE *f = rc ? NULL : fopen(tmp, "rb");
	if (!rc && f) {
		char buf[1 << 16];
		size_t n;
		while ((n = fread(buf, 1, sizeof buf, f)) > 0)
			if (fwrite(buf, 1, n, o->main.f) != n)
				break;
		if (ferror(f) || ferror(o->main.f))
			rc = li_err_set(err, LI_EIO, "write error");
	}
	if (f)
		fclose(f);
	unlink(tmp);
	(void)out_name;
	return rc;
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
	outputs o = {.to = LI_FORMAT_AUTO, .mat_version = 5, .var = "x"};
	const char *labels_out = NULL, *classes_out = NULL;
	int c, have_dtype = 0;
	li_dtype dtype = LI_DTYPE_F32;
	cli_init("li-convert");
	cli_data_init(&dopts);
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
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
			if (li_format_parse(optarg, &o.to) || o.to == LI_FORMAT_IDX ||
			    o.to == LI_FORMAT_FOLDER || o.to == LI_FORMAT_AUTO)
				cli_usage_error("--to: cannot write '%s' (npy, csv, tsv, json, mat)", optarg);
			break;
		case OPT_OUT_VAR: o.var = optarg; break;
		case OPT_MAT_VERSION:
			if (!strcmp(optarg, "4") || !strcmp(optarg, "5"))
				o.mat_version = optarg[0] - '0';
			else if (!strcmp(optarg, "7.3"))
				o.mat_version = 73;
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
	if (o.to == LI_FORMAT_AUTO && common.output && strcmp(common.output, "-"))
		o.to = li_format_from_path(common.output);
	if (o.to == LI_FORMAT_AUTO || o.to == LI_FORMAT_IDX || o.to == LI_FORMAT_FOLDER)
		o.to = LI_FORMAT_NPY;

	int status = EXIT_DATA;
	li_err err = {0};
	li_array batch = {0};
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
	if (sel.kind && li_data_rows(d) < 0 &&
	    (sel.kind == 2 || (sel.has_a && sel.a < 0) || (sel.has_b && sel.b < 0)))
		cli_usage_error("--shard and negative --rows need a known row count; "
				"convert the input to .npy first");
	if ((labels_out || classes_out) && !li_data_has_labels(d)) {
		cli_error(cli_name(path), "has no labels for --labels-out or --classes-out");
		goto done;
	}
	if (!cli_out_open(&o.main, common.output, o.to == LI_FORMAT_NPY || o.to == LI_FORMAT_MAT) ||
	    (labels_out && !cli_out_open(&o.labels, labels_out, 1)) ||
	    (classes_out && !cli_out_open(&o.classes, classes_out, 0)))
		goto done;
	const char *out_name = cli_name(common.output);
	int64_t shape[LI_MAX_RANK], rows = li_data_rows(d), lo = 0, hi = INT64_MAX;
	int rank = li_data_row_shape(d, shape + 1) + 1;
	int64_t row = li_data_row_elems(d), done_rows = 0, k;
	int64_t per = row > 0 ? (1 << 20) / row : 1 << 20;
	if (per < 1)
		per = 1;
	if (sel.kind) {
		li_rowsel_resolve(&sel, rows < 0 ? INT64_MAX : rows, &lo, &hi);
		if (rows >= 0)
			rows = hi - lo;
		/* the rows before the selection: a .npy file seeks, a pipe reads and drops them */
		if (lo > 0 && li_data_skip_rows(d, lo, &err) < 0) {
			cli_error(cli_name(path), "%s", err.msg);
			status = cli_status(&err);
			goto done;
		}
	}
	shape[0] = rows;
	char delim = o.to == LI_FORMAT_TSV ? '\t' : ',';
	if (o.to == LI_FORMAT_NPY) {
		o.w = li_data_scalar(d) ? li_npy_writer_open(o.main.f, dtype, 0, shape, &err)
					: li_npy_writer_open(o.main.f, dtype, rank, shape, &err);
		if (!o.w) {
			cli_error(out_name, "%s", err.msg);
			goto done;
		}
	} else if ((o.to == LI_FORMAT_CSV || o.to == LI_FORMAT_TSV) && li_data_has_labels(d)) {
		if (li_csv_write_header(o.main.f, row, 1, delim, &err)) {
			cli_error(out_name, "%s", err.msg);
			goto done;
		}
	}
	k = 0;
	while (done_rows < hi - lo &&
	       (k = li_data_read_batch(d, &batch, dtype, per < hi - lo - done_rows ? per :
				       hi - lo - done_rows, &err)) > 0) {
		const int64_t *y = li_data_batch_labels(d);
		int64_t n_names;
		char *const *names = li_data_classes(d, &n_names);
		int rc = 0;
		switch (o.to) {
		case LI_FORMAT_NPY: rc = li_npy_write_rows(o.w, batch.data, k, &err); break;
		case LI_FORMAT_CSV:
		case LI_FORMAT_TSV:
			rc = li_csv_write_rows(o.main.f, &batch, y, names, n_names, delim, &err);
			break;
		case LI_FORMAT_JSON:
			/* a 0-d array is a bare number (the csv writer prints exactly that) */
			rc = li_data_scalar(d) ? li_csv_write_rows(o.main.f, &batch, NULL, NULL, 0, ',', &err)
					       : li_json_write_rows(o.main.f, &batch, done_rows, &err);
			break;
		default:
			if (keep_rows(&o, &batch, k, row))
				rc = li_err_set(&err, LI_ENOMEM, "out of memory");
			break;
		}
		if (!rc && y && labels_out && keep_labels(&o, y, k))
			rc = li_err_set(&err, LI_ENOMEM, "out of memory");
		if (rc) {
			/* a JSON refusal (NaN) is about the data; a write error about the output */
			cli_error(err.code == LI_EIO ? out_name : cli_name(path), "%s", err.msg);
			goto done;
		}
		done_rows += k;
		cli_progress(&common, "rows", done_rows, rows);
	}
	cli_progress_end(&common);
	if (k < 0) {
		cli_error(cli_name(path), "%s", err.msg);
		status = cli_status(&err);
		goto done;
	}
	int rc = 0;
	if (o.to == LI_FORMAT_NPY) {
		rc = li_npy_writer_close(o.w, &err);
		o.w = NULL;
	} else if (o.to == LI_FORMAT_JSON && !li_data_scalar(d)) {
		rc = li_json_write_end(o.main.f, done_rows, &err);
	} else if (o.to == LI_FORMAT_MAT) {
		o.all.dtype = dtype;
		o.all.rank = li_data_scalar(d) ? 0 : rank;
		memcpy(o.all.shape, shape, (size_t)rank * sizeof *shape);
		o.all.shape[0] = done_rows;
		if (!o.all.data)
			o.all.data = malloc(1);
		rc = write_mat(&o, out_name, &err);
	}
	if (!rc && labels_out) {
		li_array ya = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {(int64_t)o.n_y},
			       .data = o.y};
		rc = li_npy_save(o.labels.f, &ya, &err);
		if (rc)
			out_name = cli_name(labels_out);
	}
	if (!rc && classes_out) {
		int64_t n_names;
		char *const *names = li_data_classes(d, &n_names);
		for (int64_t i = 0; i < n_names; i++)
			fprintf(o.classes.f, "%s\n", names[i]);
	}
	if (rc) {
		cli_error(out_name, "%s", err.msg);
		goto done;
	}
	if (cli_out_commit(&o.main) || (labels_out && cli_out_commit(&o.labels)) ||
	    (classes_out && cli_out_commit(&o.classes)))
		goto done;
	status = 0;
done:
	li_npy_writer_free(o.w);
	cli_out_abort(&o.main);
	cli_out_abort(&o.labels);
	cli_out_abort(&o.classes);
	free(o.y);
	li_array_release(&o.all);
	li_array_release(&batch);
	li_data_close(d);
	return cli_finish(status);
}
