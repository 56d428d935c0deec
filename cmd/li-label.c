/*
 * li-label: append labeled samples to a labeled data set folder, print its per-class
 * counts, or export it. The folder format and its crash safety live in lib/labeled.c.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_data.h"

enum {
	OPT_X = CLI_OPT_FIRST_FREE, OPT_PROB, OPT_LABELS, OPT_LABEL, OPT_SET, OPT_CLASSES,
	OPT_ORIGIN, OPT_STATS, OPT_EXPORT, OPT_REMOVE, OPT_RELABEL,
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-label DATASET --x SAMPLES (--prob P.npy | --labels FILE | --label NAME)\n"
		"                [--set I=NAME ...] [--classes NAMES] [--origin C.npy]\n"
		"       li-label DATASET [--remove I ...] [--relabel I=NAME ...]\n"
		"       li-label DATASET --stats\n"
		"       li-label DATASET --export OUT\n"
		"\n"
		"Append samples with their labels to the labeled data set folder DATASET (made\n"
		"when absent), print its per-class counts, or export it. Appends are atomic and\n"
		"safe with concurrent writers; a crash never leaves a torn data set.\n"
		"\n"
		"options:\n"
		"      --x FILE        samples to add, in any format li-convert reads ('-':\n"
		"                      standard input); every append\n"
		"                      must have the data set's row shape and dtype\n"
		"      --prob FILE     a probe's probabilities (.npy, N x classes; N x 1 is a\n"
		"                      sigmoid): label = argmax, its probability kept in meta.json\n"
		"      --labels FILE   labels: .npy of integers, or text with one class index or\n"
		"                      name per line\n"
		"      --label NAME    one label for every sample\n"
		"      --set I=NAME    relabel sample I (0-based) of this append by hand; repeat\n"
		"      --classes FILE  class names, one per line: name the first classes (must\n"
		"                      agree with the data set's) or add new ones\n"
		"      --origin FILE   .npy, N rows: the map or latent coordinates each sample\n"
		"                      came from [none: NaN]\n"
		"      --remove I      a new generation without sample I (0-based); repeat\n"
		"      --relabel I=NAME  a new generation with sample I labeled NAME; repeat\n"
		"      --stats         print the generation, sample count and per-class counts\n"
		"      --export OUT    write the data set to OUT by its extension: .npy (samples),\n"
		"                      .csv, .json, .mat (samples, labels, classes, origin)\n"
		"  -q, --quiet         no report\n"
		"  -h, --help          show this help and exit\n"
		"      --version       show the version and exit\n"
		"\n"
		"A label name not yet in the data set's class list becomes a new class.\n"
		"\n"
		"examples:\n"
		"  li-label picked --x latent.npy --prob probe-out.npy --set 3='not a number'\n"
		"  li-label picked --stats\n"
		"  li-label picked --remove 4 --relabel 7=seven\n"
		"  li-label picked --export picked.mat\n");
}

typedef struct opts {
	cli_common common;
	const char *dir, *x, *prob, *labels, *label, *classes, *origin, *export;
	int stats, n_set, n_remove, n_relabel;
	int64_t *set_index, *remove, *relabel_index;
	char **set_name, **relabel_name;
} opts;

/* --remove and --relabel: one new generation (lib/labeled_append.c). */
static int edit(const opts *o)
{
	li_err err = {0};
	li_labeled_edit_req e = {0};
	e.n_remove = o->n_remove;
	e.remove = o->remove;
	e.n_relabel = o->n_relabel;
	e.relabel_index = o->relabel_index;
	e.relabel_name = o->relabel_name;
	e.made_by = "li-label";
	long long gen;
	if (li_labeled_edit(o->dir, &e, &gen, &err)) {
		cli_error(o->dir, "%s", err.msg);
		return cli_status(&err);
	}
	if (!o->common.quiet)
		fprintf(stderr, "li-label: %s: generation %lld: %d removed, %d relabeled\n", o->dir,
			gen, o->n_remove, o->n_relabel);
	return 0;
}

/* "I=NAME" into *i and *name (argument modified); -1 when it is not one. */
static int index_name(char *arg, int64_t *i, char **name)
{
	char *eq = strchr(arg, '=');
	long v;
	if (!eq || !eq[1])
		return -1;
	*eq = 0;
	if (cli_parse_long(arg, 0, LONG_MAX, &v))
		return -1;
	*i = v;
	*name = eq + 1;
	return 0;
}

static int stats(const opts *o)
{
	li_err err = {0};
	li_labeled *d = li_labeled_open(o->dir, &err);
	if (!d) {
		cli_fail(o->dir, &err);
		return EXIT_DATA;
	}
	const li_labeled_info *in = li_labeled_info_of(d);
	const int64_t *lab = li_labeled_labels(d);
	int64_t *n = calloc((size_t)in->n_classes + 1, sizeof *n);
	if (!n) {
		cli_error(o->dir, "out of memory");
		li_labeled_close(d);
		return EXIT_DATA;
	}
	for (int64_t i = 0; i < in->count; i++)
		n[lab[i]]++;
	char shape[256];
	li_shape_format(in->rank - 1, in->shape + 1, shape, sizeof shape);
	printf("generation %lld\nsamples %lld\nrow shape %s\nsource dtype %s\norigin %lld\n"
	       "classes %d\n", in->generation, (long long)in->count, shape,
	       (int)in->source_dtype >= 0 ? li_dtype_name(in->source_dtype) : "unknown",
	       (long long)in->origin_dim, in->n_classes);
	for (int i = 0; i < in->n_classes; i++)
		printf("%6d %8lld  %s\n", i, (long long)n[i], in->classes[i]);
	free(n);
	li_labeled_close(d);
	return 0;
}

static int export(const opts *o)
{
	li_err err = {0};
	cli_out out = {0};
	int status = EXIT_DATA;
	const char *ext = strrchr(o->export, '.');
	ext = ext ? ext : "";
	int kind = !strcmp(o->export, "-") || !strcmp(ext, ".npy") ? 'n' : !strcmp(ext, ".csv") ? 'c'
		   : !strcmp(ext, ".json") ? 'j' : !strcmp(ext, ".mat") ? 'm' : 0;
	if (!kind)
		cli_usage_error("--export: unknown format '%s' (.npy, .csv, .json or .mat)", o->export);
	li_labeled *d = li_labeled_open(o->dir, &err);
	if (!d) {
		cli_fail(o->dir, &err);
		return EXIT_DATA;
	}
	if (kind == 'm') {
		/* matio writes by name */
		const char *tmp = cli_out_open_name(&out, o->export);
		if (!tmp)
			goto done;
		if (li_labeled_export_mat(d, tmp, &err))
			cli_fail(o->export, &err);
		else if (cli_out_commit(&out) == 0)
			status = 0;
		goto done;
	}
	if (!cli_out_open(&out, o->export, kind == 'n'))
		goto done;
	int rc = kind == 'n' ? li_labeled_export_npy(d, out.f, &err)
		 : kind == 'c' ? li_labeled_export_csv(d, out.f, &err)
		 : li_labeled_export_json(d, out.f, &err);
	if (rc)
		cli_fail(o->export, &err);
	else if (cli_out_commit(&out) == 0)
		status = 0;
done:
	cli_out_abort(&out);
	li_labeled_close(d);
	return status;
}

/* Argmax of each probability row; a single column is a sigmoid's P(class 1). */
static int from_prob(const char *path, li_labeled_append_req *q, int64_t **idx, double **p)
{
	li_err err = {0};
	li_array a = {0};
	FILE *f = cli_open_in(path);
	if (!f)
		return -1;
	int rc = li_npy_load(f, &a, LI_DTYPE_F64, &err);
	cli_close_in(f);
	if (rc) {
		cli_fail(path, &err);
		return -1;
	}
	if (a.rank != 2 && a.rank != 1) {
		cli_error(path, "probabilities must be N x classes");
		li_array_release(&a);
		return -1;
	}
	int64_t n = a.shape[0], k = a.rank == 2 ? a.shape[1] : 1;
	*idx = malloc(((size_t)n + 1) * sizeof **idx);
	*p = malloc(((size_t)n + 1) * sizeof **p);
	if (!*idx || !*p || k < 1) {
		cli_error(path, k < 1 ? "probabilities have no columns" : "out of memory");
		li_array_release(&a);
		return -1;
	}
	const double *x = a.data;
	for (int64_t i = 0; i < n; i++) {
		const double *r = x + i * k;
		int64_t best = 0;
		for (int64_t j = 0; j < k; j++) {
			if (!isfinite(r[j]) || r[j] < 0 || r[j] > 1) {
				cli_error(path, "row %lld: %g is not a probability", (long long)i, r[j]);
				li_array_release(&a);
				return -1;
			}
			if (r[j] > r[best])
				best = j;
		}
		if (k == 1) {
			(*idx)[i] = r[0] >= 0.5;
			(*p)[i] = r[0] >= 0.5 ? r[0] : 1 - r[0];
		} else {
			(*idx)[i] = best;
			(*p)[i] = r[best];
		}
	}
	q->index = *idx;
	q->n_labels = n;
	q->index_bound = k == 1 ? 2 : k;
	q->prob = *p;
	li_array_release(&a);
	return 0;
}

/*
 * The samples as the .npy stream li_labeled_append takes: a .npy file as it is; any other
 * format li_data reads (csv, json, mat, IDX, gzip, a labeled folder) converted, in its own
 * dtype, into an anonymous temporary file first, so that memory stays flat.
 */
static li_npy_reader *open_samples(const char *path, FILE **xf)
{
	li_err err = {0};
	li_data_opts o;
	li_array batch = {0};
	li_npy_writer *w = NULL;
	li_npy_reader *r = NULL;
	int status;
	li_format f = li_format_from_path(path);
	if (!strcmp(path, "-")) {
		/* a .npy stream on standard input streams straight through */
		int c = getc(stdin);
		if (c != EOF)
			ungetc(c, stdin);
		if (c == 0x93)
			f = LI_FORMAT_NPY;
	}
	if (f == LI_FORMAT_NPY) {
		if (!(*xf = cli_open_in(path)))
			return NULL;
		if (!(r = li_npy_open(*xf, &err)))
			cli_fail(cli_name(path), &err);
		return r;
	}
	li_data_opts_init(&o);
	li_data *d = cli_data_open(path, &o, &status);
	if (!d)
		return NULL;
	if (li_data_scalar(d)) {
		li_data_close(d);
		cli_error(cli_name(path), "samples have no rows axis (a 0-d array)");
		return NULL;
	}
	int64_t shape[LI_MAX_RANK], k;
	int rank = li_data_row_shape(d, shape + 1) + 1;
	shape[0] = li_data_rows(d);
	li_dtype t = li_data_dtype(d);
	if (!(*xf = tmpfile())) {
		li_data_close(d);
		cli_error(NULL, "cannot make a temporary file");
		return NULL;
	}
	if (!(w = li_npy_writer_open(*xf, t, rank, shape, &err)))
		goto fail;
	while ((k = li_data_read_batch(d, &batch, t, 4096, &err)) > 0)
		if (li_npy_write_rows(w, batch.data, k, &err))
			goto fail;
	if (k < 0)
		goto fail;
	int rc = li_npy_writer_close(w, &err);
	w = NULL;
	if (rc || fflush(*xf) || fseek(*xf, 0, SEEK_SET))
		goto fail;
	if (!(r = li_npy_open(*xf, &err)))
		goto fail;
	li_data_close(d);
	li_array_release(&batch);
	return r;
fail:
	cli_error(cli_name(path), "%s", err.msg[0] ? err.msg : "cannot convert the samples");
	li_npy_writer_free(w);
	li_data_close(d);
	li_array_release(&batch);
	return NULL;
}

static int append(const opts *o)
{
	li_err err = {0};
	li_labeled_append_req q = {0};
	li_array origin = {0};
	li_npy_reader *r = NULL;
	FILE *xf = NULL;
	int64_t *idx = NULL;
	double *prob = NULL;
	char **names = NULL, **classes = NULL;
	int n_classes = 0, status = EXIT_DATA;

	if (o->classes) {
		FILE *f = cli_open_in(o->classes);
		if (!f)
			goto done;
		int rc = li_labeled_read_classes(f, &classes, &n_classes, &err);
		cli_close_in(f);
		if (rc) {
			cli_fail(o->classes, &err);
			goto done;
		}
		q.classes = classes;
		q.n_classes = n_classes;
	}
	if (o->prob) {
		if (from_prob(o->prob, &q, &idx, &prob))
			goto done;
		q.source = "prob";
	} else if (o->labels) {
		FILE *f = cli_open_in(o->labels);
		if (!f)
			goto done;
		int rc = li_labeled_read_labels(f, &idx, &names, &q.n_labels, &err);
		cli_close_in(f);
		if (rc) {
			cli_fail(o->labels, &err);
			goto done;
		}
		q.index = idx;
		q.names = names;
		for (int64_t i = 0; idx && i < q.n_labels; i++)
			if (idx[i] + 1 > q.index_bound)
				q.index_bound = idx[i] + 1;
		q.source = "file";
	} else {
		q.name = o->label;
		q.source = "name";
	}
	if (o->origin) {
		FILE *f = cli_open_in(o->origin);
		if (!f)
			goto done;
		int rc = li_npy_load(f, &origin, LI_DTYPE_F32, &err);
		cli_close_in(f);
		if (rc) {
			cli_fail(o->origin, &err);
			goto done;
		}
		if (origin.rank < 1) {
			cli_error(o->origin, "origin must have one row per sample");
			goto done;
		}
		/* rows of any shape are kept flattened */
		int64_t re = li_shape_row_elems(origin.rank, origin.shape);
		origin.rank = 2;
		origin.shape[1] = re;
		q.origin = &origin;
	}
	q.n_set = o->n_set;
	q.set_index = o->set_index;
	q.set_name = o->set_name;
	q.made_by = "li-label " LI_VERSION;

	if (!(r = open_samples(o->x, &xf)))
		goto done;
	q.samples = r;
	long long gen = 0;
	if (li_labeled_append(o->dir, &q, &gen, &err)) {
		cli_fail(o->dir, &err);
		status = cli_status(&err);
		goto done;
	}
	if (!o->common.quiet)
		fprintf(stderr, "li-label: %s: appended %lld samples (generation %lld)\n", o->dir,
			(long long)li_npy_rows(r), gen);
	status = 0;
done:
	li_npy_close(r);
	cli_close_in(xf);
	li_array_release(&origin);
	free(idx);
	free(prob);
	li_labeled_free_names(names, names ? q.n_labels : 0);
	li_labeled_free_names(classes, n_classes);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONGOPTS,
		{"x", required_argument, NULL, OPT_X},
		{"prob", required_argument, NULL, OPT_PROB},
		{"labels", required_argument, NULL, OPT_LABELS},
		{"label", required_argument, NULL, OPT_LABEL},
		{"set", required_argument, NULL, OPT_SET},
		{"classes", required_argument, NULL, OPT_CLASSES},
		{"origin", required_argument, NULL, OPT_ORIGIN},
		{"stats", no_argument, NULL, OPT_STATS},
		{"export", required_argument, NULL, OPT_EXPORT},
		{"remove", required_argument, NULL, OPT_REMOVE},
		{"relabel", required_argument, NULL, OPT_RELABEL},
		{0},
	};
	opts o = {0};
	int c;
	cli_init("li-label");
	o.set_index = malloc((size_t)argc * sizeof *o.set_index);
	o.set_name = malloc((size_t)argc * sizeof *o.set_name);
	o.remove = malloc((size_t)argc * sizeof *o.remove);
	o.relabel_index = malloc((size_t)argc * sizeof *o.relabel_index);
	o.relabel_name = malloc((size_t)argc * sizeof *o.relabel_name);
	if (!o.set_index || !o.set_name || !o.remove || !o.relabel_index || !o.relabel_name) {
		cli_error(NULL, "out of memory");
		free(o.set_index);
		free(o.set_name);
		free(o.remove);
		free(o.relabel_index);
		free(o.relabel_name);
		return EXIT_DATA;
	}
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, longopts)) != -1) {
		if (cli_common_option(c, optarg, &o.common, usage))
			continue;
		switch (c) {
		case OPT_X: o.x = optarg; break;
		case OPT_PROB: o.prob = optarg; break;
		case OPT_LABELS: o.labels = optarg; break;
		case OPT_LABEL: o.label = optarg; break;
		case OPT_CLASSES: o.classes = optarg; break;
		case OPT_ORIGIN: o.origin = optarg; break;
		case OPT_STATS: o.stats = 1; break;
		case OPT_EXPORT: o.export = optarg; break;
		case OPT_SET: {
			char *eq = strchr(optarg, '=');
			long i;
			if (!eq || !eq[1])
				cli_usage_error("--set: expected I=NAME, got '%s'", optarg);
			*eq = 0;
			if (cli_parse_long(optarg, 0, LONG_MAX, &i))
				cli_usage_error("--set: '%s' is not a sample index", optarg);
			o.set_index[o.n_set] = i;
			o.set_name[o.n_set++] = eq + 1;
			break;
		}
		case OPT_REMOVE: {
			long i;
			if (cli_parse_long(optarg, 0, LONG_MAX, &i))
				cli_usage_error("--remove: '%s' is not a sample index", optarg);
			o.remove[o.n_remove++] = i;
			break;
		}
		case OPT_RELABEL:
			if (index_name(optarg, &o.relabel_index[o.n_relabel], &o.relabel_name[o.n_relabel]))
				cli_usage_error("--relabel: expected I=NAME (I a sample index)");
			o.n_relabel++;
			break;
		default:
			cli_usage_error("unknown option");
		}
	}
	if (argc - optind != 1)
		cli_usage_error(argc - optind ? "one data set at a time" : "no data set given");
	o.dir = argv[optind];
	if (o.common.output)
		cli_usage_error("-o is not used; give --export OUT");
	int modes = !!o.x + o.stats + !!o.export + (o.n_remove + o.n_relabel > 0);
	if (modes != 1)
		cli_usage_error("give one of --x SAMPLES, --remove/--relabel, --stats or --export OUT");
	int sources = !!o.prob + !!o.labels + !!o.label;
	if (o.x && sources != 1)
		cli_usage_error("give one of --prob, --labels or --label with --x");
	const char *ins[] = {o.x, o.prob, o.labels, o.classes, o.origin};
	int stdin_users = 0;
	for (int i = 0; i < 5; i++)
		stdin_users += ins[i] && !strcmp(ins[i], "-");
	if (stdin_users > 1)
		cli_usage_error("only one input can be standard input");
	if (!o.x && (sources || o.n_set || o.classes || o.origin))
		cli_usage_error("labels, --set, --classes and --origin go with --x");

	int status = o.stats ? stats(&o) : o.export ? export(&o) : o.x ? append(&o) : edit(&o);
	free(o.set_index);
	free(o.set_name);
	free(o.remove);
	free(o.relabel_index);
	free(o.relabel_name);
	return cli_finish(status);
}
