/*
 * li-finetune: train the layers after a cut (lib/nn/train.h) on labeled rows, the head
 * up to the cut frozen and run on every batch, and write the whole model with the tuned
 * weights as a Keras .h5 or .keras (lib/nn/modelsave.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "climodel.h"

enum { OPT_AT = CLI_OPT_FIRST_FREE, OPT_LATENT, OPT_OPTIMIZER, OPT_LR, OPT_MOMENTUM,
       OPT_EPOCHS, OPT_BATCH, OPT_WD, OPT_LOSS, OPT_VAL, OPT_VAL_SPLIT, OPT_PATIENCE,
       OPT_REPORT, OPT_NO_SHUFFLE, OPT_BN_TRAIN };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-finetune [options] MODEL --at LAYER DATA LABELS [DATA LABELS]... -o TUNED\n"
		"       li-finetune [options] MODEL --at LAYER DATASET... -o TUNED\n"
		"\n"
		"Train the layers of MODEL after LAYER (a split point; the head up to it stays\n"
		"frozen and runs on every batch) on labeled rows, and write the whole model with\n"
		"the tuned weights as a Keras .h5 or .keras. DATA is a data set in any format\n"
		"li-convert reads, LABELS its labels (class indices; for --loss mse, target rows of\n"
		"the output's shape); DATASET a labeled data-set folder, whose classes beyond the\n"
		"model's grow its output layer. Several sources mix in one shuffled stream. Trains\n"
		"Dense, Conv1D/2D, Conv1D/2DTranspose, pooling, UpSampling1D/2D,\n"
		"BatchNormalization, Embedding, Activation, Dropout, Flatten, Reshape.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    the tuned model (.h5 or .keras) [required]\n"
		"      --at LAYER       the cut: a name or an index as li-layers prints it\n"
		"      --latent         rows are already at the cut (li-embed --at LAYER output);\n"
		"                       a DATASET gives its latent rows (latent.npy)\n"
		"      --optimizer O    sgd or adam [adam]\n"
		"      --lr R           learning rate [0.001 adam, 0.01 sgd]\n"
		"      --momentum M     SGD momentum [0]\n"
		"      --epochs N       passes over the rows [1]\n"
		"      --batch B        rows per step [32]\n"
		"      --weight-decay W decoupled weight decay, as Keras' optimizers [0]\n"
		"      --loss NAME      sparse_categorical_crossentropy, binary_crossentropy, mse\n"
		"                       [softmax: the first; sigmoid of one unit: the second;\n"
		"                       else mse]\n"
		"      --val DATA LABELS  validation rows, loss and accuracy per epoch\n"
		"      --val-split F    hold out this fraction of the rows (seeded) [0]\n"
		"      --patience N     stop when the validation loss has not improved for N\n"
		"                       epochs [never]\n"
		"      --report FILE    loss and accuracy per epoch, and the validation rows'\n"
		"                       accuracy per class before and after, as JSON\n"
		"      --no-shuffle     keep the rows in their order (for checks)\n"
		"      --bn-train       BatchNormalization: batch statistics, moving ones updated\n"
		"      --seed N         shuffling, validation split and Dropout [0]\n"
		"      --threads N      OpenBLAS threads [OpenBLAS' default]\n"
		"  -q, --quiet          no progress or notes\n"
		"  -h, --help           show this help and exit\n"
		"      --version        show the version and exit\n"
		"data (any format li-convert reads):\n"
		CLI_DATA_USAGE
		CLI_PREPROCESS_USAGE
		"\n"
		"examples:\n"
		"  li-finetune cnn.h5 --at flatten x.npy y.npy labeled/ --epochs 3 -o tuned.h5\n"
		"  li-finetune --latent mlp.h5 --at 2 z.npy y.npy --optimizer sgd --lr 0.1 -o t.h5\n");
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

typedef struct settings {
	const char *at, *val_x, *val_y, *report;
	int latent;
	li_fit_opts fit;
	li_train_opts to;
} settings;

static void progress(void *ctx, int ep, int epochs, const double *s, int has_val)
{
	(void)ctx;
	fprintf(stderr, "epoch %d/%d: loss %.6g, accuracy %.4f", ep, epochs, s[0], s[1]);
	if (has_val)
		fprintf(stderr, ", val_loss %.6g, val_accuracy %.4f", s[2], s[3]);
	fputc('\n', stderr);
}

/*
 * Writes the tuned model and, when asked, the report together: both, or (when either
 * fails) neither, the old files kept. 0 or 1 with the error printed.
 */
static int write_outputs(const li_model *m, const char *path, const char *report, json_t *rep)
{
	li_err err = {0};
	cli_out outs[2] = {{0}};
	const char *tmp = cli_out_open_name(&outs[0], path);
	FILE *rf = tmp && report ? cli_out_open(&outs[1], report, 0) : NULL;
	if (!tmp || (report && !rf)) {
		cli_out_abort(&outs[0]);
		return 1;
	}
	if (report && (json_dumpf(rep, rf, JSON_INDENT(2)) || fputc('\n', rf) == EOF))
		cli_error(report, "write error");
	else if (li_model_save_part_as(m, LI_PART_WHOLE, 0, tmp,
				       li_model_save_format(path, LI_SAVE_H5), &err))
		cli_error(path, "%s", err.msg);
	else
		return cli_out_commit_all(outs, report ? 2 : 1) ? 1 : 0;
	cli_out_abort(&outs[0]);
	cli_out_abort(&outs[1]);
	return 1;
}

/*
 * Appends a source (0, or 1 with the error printed): DATA LABELS, a labeled data-set
 * folder's samples, or with --latent (latent) its latent rows. Rows that do not fit the
 * row they are fed at (feed) are refused here, naming the source.
 */
static int add(li_train_rows *r, const char *data, const char *labels, const li_data_opts *o,
	       int mse, int latent, li_model *m, int feed)
{
	li_err err = {0};
	const char *bad = data;
	int64_t before = r->n;
	if (latent && is_dir(data) ? li_train_rows_add_latent(r, data, &err) :
	    li_train_rows_add(r, data, labels, o, mse, &bad, &err)) {
		cli_error(bad ? cli_name(bad) : NULL, "%s", err.msg);
		return 1;
	}
	const li_shape *want = li_model_row_shape(m, feed);
	if (before == 0 && r->elems != li_shape_elems(want)) {
		char sh[128];
		li_shape_str(want, sh, sizeof sh);
		cli_error(cli_name(data), "rows of %lld values do not fit '%s', which takes %s",
			  (long long)r->elems, li_model_row_name(m, feed), sh);
		return 1;
	}
	return 0;
}

static long num(const char *opt, const char *arg, long lo, long hi)
{
	long v;
	if (cli_parse_long(arg, lo, hi, &v))
		cli_usage_error("%s: expected an integer in [%ld, %ld], got '%s'", opt, lo, hi, arg);
	return v;
}

static double real(const char *opt, const char *arg, double lo, double hi)
{
	double v;
	if (cli_parse_double(arg, &v) || !(v >= lo && v <= hi))
		cli_usage_error("%s: expected a number in [%g, %g], got '%s'", opt, lo, hi, arg);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, CLI_DATA_LONGOPTS, CLI_PREPROCESS_LONGOPTS,
		{"at", required_argument, NULL, OPT_AT},
		{"latent", no_argument, NULL, OPT_LATENT},
		{"optimizer", required_argument, NULL, OPT_OPTIMIZER},
		{"lr", required_argument, NULL, OPT_LR},
		{"momentum", required_argument, NULL, OPT_MOMENTUM},
		{"epochs", required_argument, NULL, OPT_EPOCHS},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"weight-decay", required_argument, NULL, OPT_WD},
		{"loss", required_argument, NULL, OPT_LOSS},
		{"val", required_argument, NULL, OPT_VAL},
		{"val-split", required_argument, NULL, OPT_VAL_SPLIT},
		{"patience", required_argument, NULL, OPT_PATIENCE},
		{"report", required_argument, NULL, OPT_REPORT},
		{"no-shuffle", no_argument, NULL, OPT_NO_SHUFFLE},
		{"bn-train", no_argument, NULL, OPT_BN_TRAIN},
		{0},
	};
	cli_common common = {0};
	li_data_opts dopt;
	settings s = { .fit = { .shuffle = 1, .epochs = 1, .batch = 32 } };
	double lr = -1;
	int c;
	cli_init("li-finetune");
	cli_data_init(&dopt);
	li_train_opts_init(&s.to);
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, opts, NULL)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cli_data_option(c, optarg, &dopt))
			continue;
		switch (c) {
		case OPT_AT: s.at = optarg; break;
		case OPT_LATENT: s.latent = 1; break;
		case OPT_OPTIMIZER:
			if (strcmp(optarg, "sgd") && strcmp(optarg, "adam"))
				cli_usage_error("--optimizer: expected sgd or adam, got '%s'", optarg);
			s.to.optimizer = strcmp(optarg, "sgd") ? LI_OPT_ADAM : LI_OPT_SGD;
			break;
		case OPT_LR: lr = real("--lr", optarg, 0, 3e38); break;
		case OPT_MOMENTUM: s.to.momentum = real("--momentum", optarg, 0, 1); break;
		case OPT_EPOCHS: s.fit.epochs = (int)num("--epochs", optarg, 1, 1000000); break;
		case OPT_BATCH: s.fit.batch = num("--batch", optarg, 1, 1L << 30); break;
		case OPT_WD: s.to.weight_decay = real("--weight-decay", optarg, 0, 1e30); break;
		case OPT_LOSS:
			if ((s.to.loss = li_train_loss_parse(optarg)) < 0)
				cli_usage_error("--loss: expected sparse_categorical_crossentropy, "
						"binary_crossentropy or mse, got '%s'", optarg);
			break;
		case OPT_VAL:
			if (optind >= argc)
				cli_usage_error("--val takes DATA LABELS");
			s.val_x = optarg;
			s.val_y = argv[optind++];
			break;
		case OPT_VAL_SPLIT: s.fit.val_split = real("--val-split", optarg, 0, 0.99); break;
		case OPT_PATIENCE: s.fit.patience = (int)num("--patience", optarg, 1, 1000000); break;
		case OPT_REPORT: s.report = optarg; break;
		case OPT_NO_SHUFFLE: s.fit.shuffle = 0; break;
		case OPT_BN_TRAIN: s.to.bn_train = 1; break;
		default:
			cli_usage_error("unknown option");
		}
	}
	s.to.lr = lr >= 0 ? lr : s.to.optimizer == LI_OPT_SGD ? 0.01 : 0.001;
	s.to.seed = s.fit.seed = common.seed;
	if (optind >= argc)
		cli_usage_error("give a MODEL");
	if (!s.at)
		cli_usage_error("give the cut: --at LAYER");
	if (!common.output || !strcmp(common.output, "-"))
		cli_usage_error("give the tuned model's file: -o TUNED.h5");
	const char *mpath = argv[optind++];
	int status = EXIT_DATA;
	li_train_rows r, v;
	li_model *m = NULL;
	li_tuner *t = NULL;
	li_err err = {0};
	json_t *rep = NULL;
	cli_out probe;
	li_train_rows_init(&r);
	li_train_rows_init(&v);
	if (optind >= argc)
		cli_usage_error("give training rows: DATA LABELS or DATASET");
	for (int i = optind; i < argc; i++)
		if (!is_dir(argv[i]) && i + 1 >= argc)
			cli_usage_error("'%s' has no LABELS", argv[i]);
		else if (!is_dir(argv[i]))
			i++;
	/* an unwritable output fails now, before the work */
	if (!cli_out_open(&probe, common.output, 0))
		return cli_finish(EXIT_DATA);
	cli_out_abort(&probe);
	if (!(rep = json_object()) || !(m = cm_load(mpath, NULL)))
		goto out;
	int cut = cm_row(m, s.at);
	if (!s.latent && li_model_n_inputs(m) != 1) {
		cli_error(mpath, "the model has %d inputs; li-finetune feeds one",
			  li_model_n_inputs(m));
		goto out;
	}
	/* a layer that cannot be trained is refused before the data is read */
	if (!(t = li_tuner_new(m, cut, &s.to, &err))) {
		cli_error(mpath, "%s", err.msg);
		status = cli_status(&err);
		goto out;
	}
	int mse = li_tuner_loss(t) == LI_LOSS_MSE;
	int feed = s.latent ? cut : li_model_input_row(m, 0);
	cm_blas(&common);
	for (int i = optind; i < argc; i++) {
		int dir = is_dir(argv[i]);
		if (add(&r, argv[i], dir ? argv[i] : argv[i + 1], &dopt, mse, s.latent, m, feed))
			goto out;
		i += !dir;
	}
	if (s.val_x && add(&v, s.val_x, s.val_y, &dopt, mse, s.latent, m, feed))
		goto out;
	s.fit.classes_before = li_tuner_out_elems(t);
	if (!(t = li_tuner_for_classes(m, t, cut, &r, &s.to, &err))) {
		cli_error(mpath, "%s", err.msg);
		goto out;
	}
	s.fit.progress = !common.quiet && isatty(2) ? progress : NULL;
	if (li_finetune_fit(m, t, feed, cut, &r, &v, &s.fit, rep, &err)) {
		cli_error(err.code == LI_EUSAGE ? NULL : mpath, "%s", err.msg);
		goto out;
	}
	status = write_outputs(m, common.output, s.report, rep);
out:
	json_decref(rep);
	li_tuner_free(t);
	li_train_rows_release(&r);
	li_train_rows_release(&v);
	li_model_free(m);
	return cli_finish(status);
}
