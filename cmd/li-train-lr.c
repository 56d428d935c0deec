/*
 * li-train-lr: train a logistic-regression probe on latent rows (the paper's linear
 * probe), report how well it separates the classes, and save it as a Keras .h5 model
 * whose outputs are class probabilities (lib/probe.h).
 */
#include <errno.h>
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

static int is_dir(const char *path)
{
	struct stat st;
	return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* LABELS: by name (.json, .mat, IDX, a folder) or as a stream ('-': standard input). Exactly
 * one of *index / *names is set. 0, or 1 after printing an error. */
static int read_labels(const char *path, int64_t **index, char ***names, int64_t *n)
{
	li_err err = {0};
	int rc;
	if (li_labels_by_name(path)) {
		rc = li_labels_load_rows(path, index, names, n, &err);
	} else {
		FILE *in = cli_open_in(path);
		if (!in)
			return 1;
		rc = li_labeled_read_labels(in, index, names, n, &err);
		cli_close_in(in);
	}
	return rc ? (cli_fail(cli_name(path), &err), 1) : 0;
}

/* LATENT (any format lib/data.h reads) into r->x. 0, or 1 after printing an error. */
static int read_latent(li_probe_rows *r, const char *latent)
{
	li_err err = {0};
	int status;
	li_data_opts o;
	li_data_opts_init(&o);
	li_data *dat = cli_data_open(latent, &o, &status);
	if (!dat)
		return 1;
	int scalar = li_data_scalar(dat);
	int rc = scalar ? 0 : li_data_read_all(dat, &r->x, LI_DTYPE_F32, &err);
	li_data_close(dat);
	if (rc)
		return cli_fail(cli_name(latent), &err), 1;
	if (scalar || r->x.rank == 0)
		return cli_error(cli_name(latent), "a 0-d array has no rows"), 1;
	return 0;
}

/*
 * Loads rows and labels (training or --val: the same rules, a NaN refused in both) from
 * LATENT + LABELS or a data-set folder. Names given by --classes come in through
 * r->names beforehand (fixed_names); label names then must be among them. 0, or 1 after
 * printing an error.
 */
static int load_rows(li_probe_rows *r, const char *latent, const char *labels, int fixed_names)
{
	li_err err = {0};
	int64_t *index = NULL, n = 0;
	char **names = NULL;
	if (is_dir(latent)) {
		if (li_probe_rows_from_dataset(r, latent, fixed_names, &err))
			return cli_fail(latent, &err), 1;
	} else {
		if (read_latent(r, latent) || read_labels(labels, &index, &names, &n))
			return 1;
		if (li_probe_rows_label(r, index, names, n, fixed_names, &err))
			return cli_fail(cli_name(labels), &err), 1;
	}
	int64_t bad = li_probe_rows_first_bad(r);
	if (bad >= 0) {
		cli_error(cli_name(latent), "row %lld: not a finite number (NaN or infinity)",
			  (long long)bad);
		return 1;
	}
	return 0;
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
	li_probe_rows tr = {0}, va = {0};
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
	int k = li_probe_rows_classes(&tr, &err);
	if (k < 0) {
		cli_fail(cli_name(labels ? labels : latent), &err);
		goto done;
	}
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
		if (li_probe_rows_within(&va, k, &err)) {
			cli_fail(val_y, &err);
			goto done;
		}
	}
	is_val = calloc((size_t)(n ? n : 1), 1);
	if (!is_val || (!val_x && val_split > 0 &&
			li_probe_split(tr.y, n, k, val_split, common.seed, is_val, &err))) {
		cli_error(NULL, "out of memory");
		goto done;
	}
	int64_t n_train = 0;
	if (li_probe_fit(&m, &tr, is_val, k, &params, &n_train, &err)) {
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
	FILE *text = common.quiet ? NULL : stderr;
	json_object_set_new(rep, "train", li_probe_evaluate(&m, &tr, is_val, 0, "train", text, n_val == 0));
	if (val_x) {
		va.names = tr.names;
		va.n_names = tr.n_names;
		json_object_set_new(rep, "validation",
				    li_probe_evaluate(&m, &va, NULL, 0, "validation", text, 1));
		va.names = NULL;
		va.n_names = 0;
	} else if (n_val > 0) {
		json_object_set_new(rep, "validation",
				    li_probe_evaluate(&m, &tr, is_val, 1, "validation", text, 1));
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
	li_probe_rows_release(&tr);
	li_probe_rows_release(&va);
	return cli_finish(status);
}
