/*
 * li-train-lr: train a logistic-regression probe on latent rows (the paper's linear
 * probe), report how well it separates the classes, and save it as a Keras .h5 model
 * whose outputs are class probabilities (lib/probe.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "cli_data.h"

enum { OPT_VAL_SPLIT = CLI_OPT_FIRST_FREE, OPT_VAL, OPT_C, OPT_MAX_ITER, OPT_CLASSES, OPT_REPORT };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-train-lr [options] LATENT LABELS -o PROBE.h5\n"
		"       li-train-lr [options] DATASET -o PROBE.h5\n"
		"\n"
		"Train a logistic-regression probe (L2, L-BFGS, standardized features) on latent\n"
		"rows. LATENT is a data set in any format li-convert reads (rows of any shape);\n"
		"LABELS a .npy of integers, a text file of one integer or class name per line, or\n"
		"labels in .json/.mat/IDX/a labeled folder; or DATASET, a labeled data-set\n"
		"folder written by li-label (its samples, labels and class names). Prints train and\n"
		"validation accuracy, per-class precision/recall/F1 and the confusion matrix on\n"
		"standard error; saves the probe as a Keras .h5 model (Dense + softmax, class\n"
		"names inside) for li-propagate.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE      the probe model: .h5, or .keras for a Keras 3 zip [required]\n"
		"      --val-split F      hold out this fraction of each class for validation [0.2]\n"
		"      --val LATENT_V LABELS_V\n"
		"                         validate on separate data instead of a split\n"
		"      --C C              inverse L2 penalty, as scikit-learn's C [1.0]\n"
		"      --max-iter N       L-BFGS iterations at most [1000]\n"
		"      --classes FILE     class names, one per line (index = line number)\n"
		"      --seed N           seed of the validation split [0]\n"
		"      --report FILE      also write the report as JSON\n"
		"  -q, --quiet            no report on standard error\n"
		"  -h, --help             show this help and exit\n"
		"      --version          show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-train-lr latent.npy y.npy --classes classes.txt -o probe.h5\n"
		"  li-train-lr labeled/ --val-split 0.3 --seed 1 -o probe.h5\n");
}

/* Rows, their labels and class names, from files or a labeled data-set folder. */
typedef struct labeled_rows {
	li_array x;          /* float32, n x row shape */
	int64_t *y;          /* n labels */
	char **names;        /* class names (n_names), or NULL */
	int n_names;
} labeled_rows;

static void rows_release(labeled_rows *r)
{
	li_array_release(&r->x);
	free(r->y);
	li_labeled_free_names(r->names, r->n_names);
	memset(r, 0, sizeof *r);
}

static int is_dir(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Finds name in names (adding it when add is set); the index or -1. */
static int class_index(labeled_rows *r, const char *name, int add)
{
	for (int i = 0; i < r->n_names; i++)
		if (!strcmp(r->names[i], name))
			return i;
	if (!add)
		return -1;
	char **grown = realloc(r->names, (size_t)(r->n_names + 1) * sizeof *grown);
	if (!grown)
		return -1;
	r->names = grown;
	r->names[r->n_names] = strdup(name);
	return r->names[r->n_names] ? r->n_names++ : -1;
}

/*
 * LABELS: a .npy of integers or a text file of one integer or class name per line
 * (li_labeled_read_labels, as li-label reads them); .json, .mat, IDX or a labeled folder
 * through li_labels_load. Exactly one of *index / *names is set. 0, or 1 after printing
 * an error.
 */
static int read_labels(const char *path, int64_t **index, char ***names, int64_t *n)
{
	li_err err = {0};
	li_format f = li_format_from_path(path);
	if (f == LI_FORMAT_JSON || f == LI_FORMAT_MAT || f == LI_FORMAT_IDX || is_dir(path)) {
		li_labels l;
		if (li_labels_load(path, NULL, &l, &err)) {
			cli_fail(cli_name(path), &err);
			return 1;
		}
		*n = l.y.shape[0];
		if (!l.names) {
			*index = l.y.data;
			l.y.data = NULL;
		} else {
			/* names per row, so that --classes can map them */
			*names = calloc((size_t)(*n ? *n : 1), sizeof **names);
			for (int64_t i = 0; *names && i < *n; i++) {
				int64_t c = ((const int64_t *)l.y.data)[i];
				if (!((*names)[i] = strdup(c >= 0 && c < l.n_names ? l.names[c] : "")))
					break;
			}
			if (!*names || (*n && !(*names)[*n - 1])) {
				li_labeled_free_names(*names, *n);
				*names = NULL;
				li_labels_release(&l);
				cli_error(NULL, "out of memory");
				return 1;
			}
		}
		li_labels_release(&l);
		return 0;
	}
	FILE *in = cli_open_in(path);
	if (!in)
		return 1;
	int rc = li_labeled_read_labels(in, index, names, n, &err);
	cli_close_in(in);
	if (rc) {
		cli_fail(cli_name(path), &err);
		return 1;
	}
	return 0;
}

/* Loads LATENT + LABELS (or a data-set folder) into r. Names given by --classes come in
 * through r->names beforehand; label names then must be among them. 0, or 1 after
 * printing an error. */
static int load_rows_any(labeled_rows *r, const char *latent, const char *labels, int fixed_names);

/* The first row of r holding a NaN or an infinity, or -1. */
static int64_t first_bad_row(const labeled_rows *r)
{
	int64_t n = r->x.rank ? r->x.shape[0] : 0, d = li_shape_row_elems(r->x.rank, r->x.shape);
	const float *x = r->x.data;
	for (int64_t i = 0; i < n; i++)
		for (int64_t j = 0; j < d; j++)
			if (!isfinite(x[i * d + j]))
				return i;
	return -1;
}

/* Loads rows and labels (training or --val: the same rules, a NaN refused in both). */
static int load_rows(labeled_rows *r, const char *latent, const char *labels, int fixed_names)
{
	if (load_rows_any(r, latent, labels, fixed_names))
		return 1;
	int64_t bad = first_bad_row(r);
	if (bad >= 0) {
		cli_error(cli_name(latent), "row %lld: not a finite number (NaN or infinity)",
			  (long long)bad);
		return 1;
	}
	return 0;
}

static int load_rows_any(labeled_rows *r, const char *latent, const char *labels, int fixed_names)
{
	li_err err = {0};
	if (is_dir(latent)) {
		li_labeled *d = li_labeled_open(latent, &err);
		if (!d || li_labeled_load_samples(d, &r->x, &err)) {
			cli_fail(latent, &err);
			li_labeled_close(d);
			return 1;
		}
		const li_labeled_info *info = li_labeled_info_of(d);
		r->y = malloc((size_t)(info->count ? info->count : 1) * sizeof *r->y);
		if (r->y)
			memcpy(r->y, li_labeled_labels(d), (size_t)info->count * sizeof *r->y);
		if (!fixed_names)
			for (int i = 0; i < info->n_classes; i++)
				class_index(r, info->classes[i], 1);
		li_labeled_close(d);
		return r->y ? 0 : (cli_error(latent, "out of memory"), 1);
	}
	/* LATENT: any format lib/data.h reads */
	int status;
	li_data_opts o;
	li_data_opts_init(&o);
	li_data *dat = cli_data_open(latent, &o, &status);
	if (!dat)
		return 1;
	int scalar = li_data_scalar(dat);
	int rc = scalar ? 0 : li_data_read_all(dat, &r->x, LI_DTYPE_F32, &err);
	li_data_close(dat);
	if (rc) {
		cli_fail(cli_name(latent), &err);
		return 1;
	}
	if (scalar || r->x.rank == 0) {
		cli_error(cli_name(latent), "a 0-d array has no rows");
		return 1;
	}
	int64_t *index = NULL, n = 0;
	char **names = NULL;
	if (read_labels(labels, &index, &names, &n))
		return 1;
	if (n != r->x.shape[0]) {
		cli_error(cli_name(labels), "%lld labels for %lld rows", (long long)n,
			  (long long)r->x.shape[0]);
		free(index);
		li_labeled_free_names(names, n);
		return 1;
	}
	if (names) {
		index = malloc((size_t)(n ? n : 1) * sizeof *index);
		for (int64_t i = 0; index && i < n; i++) {
			int c = class_index(r, names[i], !fixed_names);
			if (c < 0) {
				cli_error(cli_name(labels), "label '%s' (row %lld) is not among the class names",
					  names[i], (long long)i);
				free(index);
				li_labeled_free_names(names, n);
				return 1;
			}
			index[i] = c;
		}
		li_labeled_free_names(names, n);
	}
	r->y = index;
	return 0;
}

/* Classes implied by labels and names: max label + 1, at least the names' count. */
static int count_classes(const labeled_rows *r, const char *file)
{
	int64_t k = r->n_names;
	for (int64_t i = 0; i < r->x.shape[0]; i++) {
		if (r->y[i] < 0 || r->y[i] > 1000000) {
			cli_error(file, "label %lld (row %lld) is not a class index", (long long)r->y[i],
				  (long long)i);
			return -1;
		}
		if (r->y[i] + 1 > k)
			k = r->y[i] + 1;
	}
	if (r->n_names && k > r->n_names) {
		cli_error(file, "label %lld has no class name (%d names given)", (long long)k - 1,
			  r->n_names);
		return -1;
	}
	return (int)k;
}

static const char *class_name(const labeled_rows *r, int c, char *buf, size_t n)
{
	if (c < r->n_names)
		return r->names[c];
	snprintf(buf, n, "%d", c);
	return buf;
}

/* Scores predictions of rows where sel[i] == want; prints and returns a JSON object. */
static json_t *evaluate(const li_logreg *m, const labeled_rows *r, const unsigned char *sel, int want,
			const char *what, int quiet, int detail)
{
	int64_t n = r->x.shape[0], d = m->n_features, k = m->n_classes, count = 0;
	int64_t *pred = NULL, *truth = NULL, *cm = calloc((size_t)(k * k), sizeof *cm);
	float *xs = NULL;
	double *prec = calloc((size_t)k, sizeof *prec), *rec = calloc((size_t)k, sizeof *rec),
	       *f1 = calloc((size_t)k, sizeof *f1);
	for (int64_t i = 0; i < n; i++)
		count += !sel || sel[i] == want;
	pred = malloc((size_t)(count ? count : 1) * sizeof *pred);
	truth = malloc((size_t)(count ? count : 1) * sizeof *truth);
	xs = malloc((size_t)(count ? count : 1) * (size_t)d * sizeof *xs);
	json_t *out = json_object();
	if (!pred || !truth || !xs || !cm || !prec || !rec || !f1)
		goto done;
	for (int64_t i = 0, j = 0; i < n; i++)
		if (!sel || sel[i] == want) {
			memcpy(xs + j * d, (float *)r->x.data + i * d, (size_t)d * sizeof *xs);
			truth[j++] = r->y[i];
		}
	li_logreg_predict(m, xs, count, pred);
	li_logreg_confusion(truth, pred, count, (int)k, cm);
	double acc = li_logreg_scores(cm, (int)k, prec, rec, f1);
	json_object_set_new(out, "rows", json_integer(count));
	json_object_set_new(out, "accuracy", json_real(acc));
	if (!quiet)
		fprintf(stderr, "%s accuracy: %.4f (%lld rows)\n", what, acc, (long long)count);
	if (!detail)
		goto done;
	json_t *per = json_array(), *conf = json_array();
	char buf[24];
	size_t w = 5;
	for (int c = 0; c < k; c++)
		if (strlen(class_name(r, c, buf, sizeof buf)) > w)
			w = strlen(class_name(r, c, buf, sizeof buf));
	if (w > 24)
		w = 24;
	if (!quiet)
		fprintf(stderr, "  %-*s  precision  recall     f1  support\n", (int)w, "class");
	for (int c = 0; c < k; c++) {
		int64_t support = 0;
		json_t *row = json_array();
		for (int p = 0; p < k; p++) {
			support += cm[c * k + p];
			json_array_append_new(row, json_integer(cm[c * k + p]));
		}
		json_array_append_new(conf, row);
		json_t *o = json_object();
		json_object_set_new(o, "class", json_string(class_name(r, c, buf, sizeof buf)));
		json_object_set_new(o, "precision", json_real(prec[c]));
		json_object_set_new(o, "recall", json_real(rec[c]));
		json_object_set_new(o, "f1", json_real(f1[c]));
		json_object_set_new(o, "support", json_integer(support));
		json_array_append_new(per, o);
		if (!quiet)
			fprintf(stderr, "  %-*.*s  %9.4f  %6.4f  %6.4f  %7lld\n", (int)w, (int)w,
				class_name(r, c, buf, sizeof buf), prec[c], rec[c], f1[c], (long long)support);
	}
	json_object_set_new(out, "classes", per);
	json_object_set_new(out, "confusion", conf);
	if (!quiet) {
		fprintf(stderr, "  confusion (rows: true class, columns: predicted)\n");
		for (int c = 0; c < k; c++) {
			fprintf(stderr, "  %-*.*s", (int)w, (int)w, class_name(r, c, buf, sizeof buf));
			for (int p = 0; p < k; p++)
				fprintf(stderr, " %6lld", (long long)cm[c * k + p]);
			fputc('\n', stderr);
		}
	}
done:
	free(pred);
	free(truth);
	free(xs);
	free(cm);
	free(prec);
	free(rec);
	free(f1);
	return out;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		{"val-split", required_argument, NULL, OPT_VAL_SPLIT},
		{"val", required_argument, NULL, OPT_VAL},
		{"C", required_argument, NULL, OPT_C},
		{"max-iter", required_argument, NULL, OPT_MAX_ITER},
		{"classes", required_argument, NULL, OPT_CLASSES},
		{"report", required_argument, NULL, OPT_REPORT},
		{0},
	};
	cli_common common = {0};
	li_logreg_params params = li_logreg_defaults();
	double val_split = 0.2;
	const char *val_x = NULL, *val_y = NULL, *classes = NULL, *report = NULL;
	long v;
	int c;
	cli_init("li-train-lr");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage))
			continue;
		switch (c) {
		case OPT_VAL_SPLIT:
			if (cli_parse_double(optarg, &val_split) || val_split < 0 || val_split >= 1)
				cli_usage_error("--val-split: '%s' is not a fraction in [0, 1)", optarg);
			break;
		case OPT_VAL:
			if (optind >= argc)
				cli_usage_error("--val needs LATENT_V and LABELS_V");
			val_x = optarg;
			val_y = argv[optind++];
			break;
		case OPT_C:
			if (cli_parse_double(optarg, &params.C) || params.C <= 0)
				cli_usage_error("--C: '%s' is not a positive number", optarg);
			break;
		case OPT_MAX_ITER:
			if (cli_parse_long(optarg, 1, 1000000, &v))
				cli_usage_error("--max-iter: '%s' is not a count from 1 to 1000000", optarg);
			params.max_iter = (int)v;
			break;
		case OPT_CLASSES: classes = optarg; break;
		case OPT_REPORT: report = optarg; break;
		}
	}
	int n_pos = argc - optind;
	const char *latent = n_pos > 0 ? argv[optind] : NULL;
	const char *labels = n_pos > 1 ? argv[optind + 1] : NULL;
	if (!latent)
		cli_usage_error("LATENT (and LABELS) or a labeled DATASET folder is required");
	if (n_pos > (is_dir(latent) ? 1 : 2) || (!is_dir(latent) && !labels))
		cli_usage_error(is_dir(latent) ? "a DATASET folder brings its own labels"
					       : "LATENT and LABELS are required");
	if (!common.output || !strcmp(common.output, "-"))
		cli_usage_error("-o PROBE.h5 is required (HDF5 files cannot stream)");
	if (val_x && (is_dir(val_x) || is_dir(val_y)))
		cli_usage_error("--val takes LATENT_V and LABELS_V files");

	int status = EXIT_DATA;
	labeled_rows tr = {0}, va = {0};
	li_logreg m = {0};
	unsigned char *is_val = NULL;
	json_t *rep = json_object();
	li_err err = {0};
	if (classes) {
		FILE *f = cli_open_in(classes);
		if (!f)
			goto done;
		int rc = li_labeled_read_classes(f, &tr.names, &tr.n_names, &err);
		cli_close_in(f);
		if (rc) {
			cli_fail(classes, &err);
			goto done;
		}
	}
	if (load_rows(&tr, latent, labels, classes != NULL))
		goto done;
	int k = count_classes(&tr, cli_name(labels ? labels : latent));
	if (k < 0)
		goto done;
	int64_t n = tr.x.shape[0], d = li_shape_row_elems(tr.x.rank, tr.x.shape);
	if (d > 1000000 || d < 1) {
		cli_error(cli_name(latent), "rows of %lld values cannot be probed", (long long)d);
		goto done;
	}
	if (val_x) {
		va.names = tr.names; /* shared: validation labels must use the same names */
		va.n_names = tr.n_names;
		int bad = load_rows(&va, val_x, val_y, 1);
		va.names = NULL;
		va.n_names = 0;
		if (bad)
			goto done;
		if (li_shape_row_elems(va.x.rank, va.x.shape) != d) {
			cli_error(val_x, "rows of %lld values, the training rows have %lld",
				  (long long)li_shape_row_elems(va.x.rank, va.x.shape), (long long)d);
			goto done;
		}
		for (int64_t i = 0; i < va.x.shape[0]; i++)
			if (va.y[i] < 0 || va.y[i] >= k) {
				cli_error(val_y, "label %lld (row %lld) is not one of the %d classes",
					  (long long)va.y[i], (long long)i, k);
				goto done;
			}
	}
	is_val = calloc((size_t)(n ? n : 1), 1);
	if (!is_val || (!val_x && val_split > 0 &&
			li_probe_split(tr.y, n, k, val_split, common.seed, is_val, &err))) {
		cli_error(NULL, "out of memory");
		goto done;
	}
	/* the training rows, compacted */
	int64_t n_train = 0;
	float *x = tr.x.data;
	int64_t *y = malloc((size_t)(n ? n : 1) * sizeof *y);
	float *xt = malloc((size_t)(n ? n : 1) * (size_t)d * sizeof *xt);
	if (!y || !xt) {
		free(y);
		free(xt);
		cli_error(NULL, "out of memory");
		goto done;
	}
	for (int64_t i = 0; i < n; i++)
		if (!is_val[i]) {
			memcpy(xt + n_train * d, x + i * d, (size_t)d * sizeof *xt);
			y[n_train++] = tr.y[i];
		}
	int rc = li_logreg_fit(&m, xt, n_train, (int)d, y, k, &params, &err);
	free(y);
	free(xt);
	if (rc) {
		cli_fail(cli_name(latent), &err);
		goto done;
	}
	if (!common.quiet)
		fprintf(stderr, "li-train-lr: %d classes, %lld features, %lld training rows; L-BFGS %s "
			"after %d iterations (loss %.6g, gradient norm %.3g)\n", k, (long long)d,
			(long long)n_train, m.converged ? "converged" : "did NOT converge", m.iterations,
			m.loss, m.grad_norm);
	json_object_set_new(rep, "classes", json_integer(k));
	json_object_set_new(rep, "features", json_integer(d));
	json_object_set_new(rep, "C", json_real(params.C));
	json_object_set_new(rep, "iterations", json_integer(m.iterations));
	json_object_set_new(rep, "converged", json_boolean(m.converged));
	json_object_set_new(rep, "loss", json_real(m.loss));
	int64_t n_val = val_x ? va.x.shape[0] : n - n_train;
	json_object_set_new(rep, "train", evaluate(&m, &tr, is_val, 0, "train", common.quiet, n_val == 0));
	if (val_x) {
		va.names = tr.names;
		va.n_names = tr.n_names;
		json_object_set_new(rep, "validation", evaluate(&m, &va, NULL, 0, "validation", common.quiet, 1));
		va.names = NULL;
		va.n_names = 0;
	} else if (n_val > 0) {
		json_object_set_new(rep, "validation",
				    evaluate(&m, &tr, is_val, 1, "validation", common.quiet, 1));
	}
	/* both outputs are opened (their folders checked) before either is written, and
	 * committed together: a bad --report path leaves no probe behind */
	int64_t *row_shape = tr.x.shape + 1;
	cli_out outs[2] = {{0}};
	const char *tmp = cli_out_open_name(&outs[0], common.output);
	if (!tmp || (report && !cli_out_open(&outs[1], report, 0))) {
		cli_out_abort(&outs[0]);
		goto done;
	}
	if (li_probe_save(tmp, li_model_save_format(common.output, LI_SAVE_H5), &m, tr.x.rank - 1,
			  row_shape, tr.n_names ? tr.names : NULL, &err)) {
		cli_fail(common.output, &err);
		goto outs_fail;
	}
	if (report && (json_dumpf(rep, outs[1].f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
		       fputc('\n', outs[1].f) == EOF)) {
		cli_error(report, "write error: %s", strerror(errno));
		goto outs_fail;
	}
	if (cli_out_commit_all(outs, report ? 2 : 1))
		goto done;
	status = 0;
	goto done;
outs_fail:
	cli_out_abort(&outs[0]);
	cli_out_abort(&outs[1]);
done:
	json_decref(rep);
	free(is_val);
	li_logreg_release(&m);
	rows_release(&tr);
	rows_release(&va);
	return cli_finish(status);
}
