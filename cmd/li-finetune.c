/*
 * li-finetune: train the layers after a cut (lib/nn/train.h) on labeled rows, the head
 * up to the cut frozen and run on every batch, and write the whole model with the tuned
 * weights as a Keras .h5 (lib/nn/modelsave.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "climodel.h"
#include "rng.h"

enum { OPT_AT = CLI_OPT_FIRST_FREE, OPT_LATENT, OPT_OPTIMIZER, OPT_LR, OPT_MOMENTUM,
       OPT_EPOCHS, OPT_BATCH, OPT_WD, OPT_LOSS, OPT_VAL, OPT_VAL_SPLIT, OPT_PATIENCE,
       OPT_REPORT, OPT_NO_SHUFFLE, OPT_BN_TRAIN };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-finetune [options] MODEL --at LAYER DATA LABELS [DATA LABELS]... -o TUNED.h5\n"
		"       li-finetune [options] MODEL --at LAYER DATASET... -o TUNED.h5\n"
		"\n"
		"Train the layers of MODEL after LAYER (a split point; the head up to it stays\n"
		"frozen and runs on every batch) on labeled rows, and write the whole model with\n"
		"the tuned weights as a Keras .h5. DATA is a data set in any format li-convert\n"
		"reads, LABELS its labels (class indices; for --loss mse, target rows of the\n"
		"output's shape); DATASET a labeled data-set folder. Several sources mix in one\n"
		"shuffled stream. Trains Dense (linear, relu, leaky_relu, elu, selu, gelu, sigmoid,\n"
		"tanh, softplus, softsign, swish, softmax), Activation, Dropout, Flatten, Reshape.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    the tuned model (.h5) [required]\n"
		"      --at LAYER       the cut: a name or an index as li-layers prints it\n"
		"      --latent         rows are already at the cut (li-embed --at LAYER output)\n"
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
		"      --report FILE    loss and accuracy per epoch as JSON\n"
		"      --no-shuffle     keep the rows in their order (for checks)\n"
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

/* All rows of every source, at the model input (or the cut with --latent). */
typedef struct rows {
	float *x;
	int64_t *y;
	float *target;
	int64_t n, elems, t_elems;
} rows;

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Appends data's rows (and labels or, mse, target rows) to r; 0 or 1 (error printed). */
static int add_source(rows *r, const char *data, const char *labels, const li_data_opts *o,
		      int mse)
{
	li_err err = {0};
	li_array a = {0}, t = {0};
	li_labels lab = {0};
	int rc = 1;
	li_data *d = li_data_open(data, o, &err);
	if (!d || li_data_read_all(d, &a, LI_DTYPE_F32, &err)) {
		cli_error(cli_name(data), "%s", err.msg);
		goto out;
	}
	int64_t n = a.rank ? a.shape[0] : 0, e = li_shape_row_elems(a.rank, a.shape), k = 0;
	if (n == 0) {
		cli_error(cli_name(data), "no rows");
		goto out;
	}
	if (r->n && e != r->elems) {
		cli_error(cli_name(data), "rows of %lld values, the rows before have %lld",
			  (long long)e, (long long)r->elems);
		goto out;
	}
	if (mse) {
		li_data_opts plain;
		li_data_opts_init(&plain);
		li_data *td = li_data_open(labels, &plain, &err);
		int bad = !td || li_data_read_all(td, &t, LI_DTYPE_F32, &err);
		li_data_close(td);
		if (bad) {
			cli_error(cli_name(labels), "%s", err.msg);
			goto out;
		}
		k = t.rank ? t.shape[0] : 0;
		r->t_elems = li_shape_row_elems(t.rank, t.shape);
	} else {
		if (li_labels_load(labels, o, &lab, &err)) {
			cli_error(cli_name(labels), "%s", err.msg);
			goto out;
		}
		k = lab.y.shape[0];
	}
	if (k != n) {
		cli_error(cli_name(labels), "%lld labels for %lld rows", (long long)k, (long long)n);
		goto out;
	}
	float *x = realloc(r->x, sizeof(float) * (size_t)((r->n + n) * e));
	if (x)
		r->x = x;
	if (mse) {
		float *g = realloc(r->target, sizeof(float) * (size_t)((r->n + n) * r->t_elems));
		if (g)
			r->target = g;
		x = x && g ? x : NULL;
	} else {
		int64_t *y = realloc(r->y, sizeof(int64_t) * (size_t)(r->n + n));
		if (y)
			r->y = y;
		x = x && y ? x : NULL;
	}
	if (!x) {
		cli_error(NULL, "out of memory");
		goto out;
	}
	memcpy(r->x + r->n * e, a.data, sizeof(float) * (size_t)(n * e));
	if (mse)
		memcpy(r->target + r->n * r->t_elems, t.data, sizeof(float) * (size_t)(n * r->t_elems));
	else
		memcpy(r->y + r->n, lab.y.data, sizeof(int64_t) * (size_t)n);
	r->n += n;
	r->elems = e;
	rc = 0;
out:
	li_data_close(d);
	li_array_release(&a);
	li_array_release(&t);
	li_labels_release(&lab);
	return rc;
}

typedef struct trainer {
	li_run *head;           /* NULL with --latent or a cut at the input */
	li_tuner *t;
	li_shape feed;          /* per-row shape of the rows given */
	float *xb, *tb;
	int64_t *yb;
} trainer;

/* Rows idx[0..n) through the head, then one step (train) or an evaluation. */
static int run_batch(trainer *tr, const rows *r, const int64_t *idx, int64_t n, int train,
		     double *loss, int64_t *correct, li_err *err)
{
	for (int64_t i = 0; i < n; i++) {
		memcpy(tr->xb + i * r->elems, r->x + idx[i] * r->elems, sizeof(float) * (size_t)r->elems);
		if (r->y)
			tr->yb[i] = r->y[idx[i]];
		else
			memcpy(tr->tb + i * r->t_elems, r->target + idx[i] * r->t_elems,
			       sizeof(float) * (size_t)r->t_elems);
	}
	const float *x = tr->xb;
	if (tr->head) {
		const float *in[1] = { tr->xb };
		if (li_run_batch(tr->head, n, in, &tr->feed, err))
			return -1;
		x = li_run_output(tr->head, 0, NULL);
	}
	const int64_t *y = r->y ? tr->yb : NULL;
	const float *tg = r->y ? NULL : tr->tb;
	return train ? li_tuner_step(tr->t, n, x, y, tg, loss, correct, err) :
		li_tuner_eval(tr->t, n, x, y, tg, loss, correct, err);
}

/* Mean loss and accuracy over idx[0..n) in batches of b (train: one step each). */
static int pass(trainer *tr, const rows *r, const int64_t *idx, int64_t n, int64_t b,
		int train, double *loss, double *acc, li_err *err)
{
	double sum = 0;
	int64_t ok = 0;
	for (int64_t s = 0; s < n; s += b) {
		int64_t k = n - s < b ? n - s : b, c;
		double l;
		if (run_batch(tr, r, idx + s, k, train, &l, &c, err))
			return -1;
		sum += l * (double)k;
		ok += c;
	}
	*loss = sum / (double)n;
	*acc = (double)ok / (double)n;
	return 0;
}

typedef struct settings {
	const char *at, *val_x, *val_y, *report;
	int latent, shuffle, epochs, patience;
	int64_t batch;
	double val_split;
	li_train_opts to;
} settings;

static int write_report(const char *path, json_t *rep)
{
	cli_out o;
	if (!cli_out_open(&o, path, 0))
		return 1;
	if (json_dumpf(rep, o.f, JSON_INDENT(2)) || fputc('\n', o.f) == EOF) {
		cli_out_abort(&o);
		cli_error(path, "write error");
		return 1;
	}
	return cli_out_commit(&o) ? 1 : 0;
}

/* The epochs; the error line printed on failure. */
static int train(li_model *m, li_tuner *t, const char *mpath, int cut, rows *r, rows *v,
		 const settings *s, const cli_common *common)
{
	li_err err = {0};
	trainer tr = { .t = t };
	int status = EXIT_DATA;
	int64_t *order = NULL, *vidx = NULL, n_val = v->n, n_train = r->n;
	json_t *rep = json_object(), *epochs = json_array();
	int feed_row = s->latent ? cut : li_model_input_row(m, 0);
	if (!s->latent && li_model_n_inputs(m) != 1) {
		cli_error(mpath, "the model has %d inputs; li-finetune feeds one",
			  li_model_n_inputs(m));
		goto out;
	}
	tr.feed = *li_model_row_shape(m, feed_row);
	if (li_shape_elems(&tr.feed) != r->elems) {
		char t[128];
		li_shape_str(&tr.feed, t, sizeof t);
		cli_error(mpath, "rows of %lld values do not fit '%s', which takes %s",
			  (long long)r->elems, li_model_row_name(m, feed_row), t);
		goto out;
	}
	if (r->target && r->t_elems != li_tuner_out_elems(tr.t)) {
		cli_error(mpath, "target rows of %lld values, the output has %lld",
			  (long long)r->t_elems, (long long)li_tuner_out_elems(tr.t));
		goto out;
	}
	if (feed_row != cut && !(tr.head = li_run_new(m, 1, &feed_row, 1, &cut, &err))) {
		cli_error(mpath, "%s", err.msg);
		goto out;
	}
	if (!n_val && s->val_split > 0) {
		/* Keras' validation_split: the last rows, before shuffling */
		n_val = (int64_t)floor(s->val_split * (double)r->n);
		n_train = r->n - n_val;
		if (n_val == 0 || n_train == 0) {
			cli_error(NULL, "--val-split %g leaves no rows on one side", s->val_split);
			goto out;
		}
	}
	int64_t b = s->batch < n_train ? s->batch : n_train;
	order = malloc(sizeof *order * (size_t)r->n);
	vidx = malloc(sizeof *vidx * (size_t)(n_val + 1));
	int64_t bm = b > n_val ? b : n_val;
	tr.xb = malloc(sizeof(float) * (size_t)(bm * r->elems));
	tr.yb = malloc(sizeof(int64_t) * (size_t)bm);
	tr.tb = malloc(sizeof(float) * (size_t)(bm * (r->t_elems + 1)));
	if (!order || !vidx || !tr.xb || !tr.yb || !tr.tb || !rep || !epochs) {
		cli_error(NULL, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < n_val; i++)
		vidx[i] = v->n ? i : n_train + i;
	const rows *vr = v->n ? v : r;
	double best = INFINITY;
	int wait = 0, tty = !common->quiet && isatty(2);
	for (int ep = 1; ep <= s->epochs; ep++) {
		for (int64_t i = 0; i < n_train; i++)
			order[i] = i;
		li_rng g = li_rng_stream(s->to.seed, (uint64_t)ep);
		for (int64_t i = n_train - 1; s->shuffle && i > 0; i--) {
			int64_t j = (int64_t)li_rng_below(&g, (uint64_t)i + 1), k = order[i];
			order[i] = order[j];
			order[j] = k;
		}
		double loss, acc, vloss = 0, vacc = 0;
		if (pass(&tr, r, order, n_train, b, 1, &loss, &acc, &err) ||
		    (n_val && pass(&tr, vr, vidx, n_val, bm, 0, &vloss, &vacc, &err))) {
			cli_error(mpath, "%s", err.msg);
			goto out;
		}
		json_t *e = json_pack("{s:i,s:f,s:f}", "epoch", ep, "loss", loss, "accuracy", acc);
		if (e && n_val)
			json_object_update_new(e, json_pack("{s:f,s:f}", "val_loss", vloss,
							     "val_accuracy", vacc));
		json_array_append_new(epochs, e);
		if (tty)
			fprintf(stderr, "epoch %d/%d: loss %.6g, accuracy %.4f%s", ep, s->epochs, loss,
				acc, n_val ? "" : "\n");
		if (tty && n_val)
			fprintf(stderr, ", val_loss %.6g, val_accuracy %.4f\n", vloss, vacc);
		if (n_val && s->patience > 0) {
			wait = vloss < best ? 0 : wait + 1;
			best = vloss < best ? vloss : best;
			if (wait >= s->patience)
				break;
		}
	}
	json_object_set_new(rep, "loss", json_string(li_train_loss_name(li_tuner_loss(tr.t))));
	json_object_set_new(rep, "steps", json_integer(li_tuner_steps(tr.t)));
	json_object_set(rep, "epochs", epochs);
	if (li_model_save_part(m, LI_PART_WHOLE, 0, common->output, &err)) {
		cli_error(common->output, "%s", err.msg);
		goto out;
	}
	status = s->report ? write_report(s->report, rep) : 0;
out:
	json_decref(rep);
	json_decref(epochs);
	li_run_free(tr.head);
	free(tr.xb);
	free(tr.yb);
	free(tr.tb);
	free(order);
	free(vidx);
	return status;
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
	settings s = { .shuffle = 1, .epochs = 1, .batch = 32 };
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
		case OPT_EPOCHS: s.epochs = (int)num("--epochs", optarg, 1, 1000000); break;
		case OPT_BATCH: s.batch = num("--batch", optarg, 1, 1L << 30); break;
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
		case OPT_VAL_SPLIT: s.val_split = real("--val-split", optarg, 0, 0.99); break;
		case OPT_PATIENCE: s.patience = (int)num("--patience", optarg, 1, 1000000); break;
		case OPT_REPORT: s.report = optarg; break;
		case OPT_NO_SHUFFLE: s.shuffle = 0; break;
		case OPT_BN_TRAIN: s.to.bn_train = 1; break;
		default:
			cli_usage_error("unknown option");
		}
	}
	s.to.lr = lr >= 0 ? lr : s.to.optimizer == LI_OPT_SGD ? 0.01 : 0.001;
	s.to.seed = common.seed;
	if (optind >= argc)
		cli_usage_error("give a MODEL");
	if (!s.at)
		cli_usage_error("give the cut: --at LAYER");
	if (!common.output || !strcmp(common.output, "-"))
		cli_usage_error("give the tuned model's file: -o TUNED.h5");
	const char *mpath = argv[optind++];
	int status = EXIT_DATA;
	rows r = {0}, v = {0};
	li_model *m = NULL;
	li_tuner *t = NULL;
	li_err err = {0};
	cli_out probe;
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
	if (!(m = cm_load(mpath, NULL)))
		goto out;
	int cut = cm_row(m, s.at);
	/* a layer that cannot be trained is refused before the data is read */
	if (!(t = li_tuner_new(m, cut, &s.to, &err))) {
		cli_error(mpath, "%s", err.msg);
		status = cli_status(&err);
		goto out;
	}
	int mse = li_tuner_loss(t) == LI_LOSS_MSE;
	cm_blas(&common);
	for (int i = optind; i < argc; i++) {
		int dir = is_dir(argv[i]);
		if (add_source(&r, argv[i], dir ? argv[i] : argv[i + 1], &dopt, mse))
			goto out;
		i += !dir;
	}
	if (s.val_x && add_source(&v, s.val_x, s.val_y, &dopt, mse))
		goto out;
	if (v.n && v.elems != r.elems) {
		cli_error(s.val_x, "rows of %lld values, the training rows have %lld",
			  (long long)v.elems, (long long)r.elems);
		goto out;
	}
	status = train(m, t, mpath, cut, &r, &v, &s, &common);
out:
	li_tuner_free(t);
	free(r.x); free(r.y); free(r.target);
	free(v.x); free(v.y); free(v.target);
	li_model_free(m);
	return cli_finish(status);
}
