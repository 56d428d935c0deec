/*
 * li-label: append labeled samples to a labeled data set folder, print its per-class
 * counts, or export it. The work is in lib/labeled*.c: the folder and its crash safety
 * (labeled.c reads; labeled_append.c and labeled_edit.c write through labeled_writer.c),
 * an append's inputs (labeled_input.c), exports and counts.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

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

/* --remove and --relabel: one new generation (lib/labeled_edit.c). */
static int edit(const opts *o)
{
	li_err err = {0};
	li_labeled_edit_req e = {
		.n_remove = o->n_remove, .remove = o->remove, .n_relabel = o->n_relabel,
		.relabel_index = o->relabel_index, .relabel_name = o->relabel_name,
		.made_by = "li-label",
	};
	long long gen;
	if (li_labeled_edit(o->dir, &e, &gen, &err))
		return cli_fail(o->dir, &err);
	if (!o->common.quiet)
		fprintf(stderr, "li-label: %s: generation %lld: %d removed, %d relabeled\n", o->dir,
			gen, o->n_remove, o->n_relabel);
	return 0;
}

/* "I=NAME" into *i and *name (argument modified): 0; -1 when it is not I=NAME, -2 when I
 * is not a sample index. */
static int index_name(char *arg, int64_t *i, char **name)
{
	char *eq = strchr(arg, '=');
	long v;
	if (!eq || !eq[1])
		return -1;
	*eq = 0;
	if (cli_parse_long(arg, 0, LONG_MAX, &v))
		return -2;
	*i = v;
	*name = eq + 1;
	return 0;
}

/* --export OUT by its extension, or --stats as text on standard output
 * (lib/labeled_export.c). */
static int export(const opts *o)
{
	li_err err = {0};
	cli_out out = {0};
	const char *path = o->stats ? NULL : o->export;
	int format = o->stats ? LI_LABELED_STATS : li_labeled_export_format(path), status = EXIT_DATA;
	if (format < 0)
		cli_usage_error("--export: unknown format '%s' (.npy, .csv, .json or .mat)", o->export);
	li_labeled *d = li_labeled_open(o->dir, &err);
	if (!d)
		return cli_fail(o->dir, &err), EXIT_DATA;
	/* matio writes by name */
	const char *tmp = format == LI_LABELED_MAT ? cli_out_open_name(&out, o->export) : NULL;
	if (format == LI_LABELED_MAT ? !tmp : !cli_out_open(&out, path, format == LI_LABELED_NPY))
		goto done;
	if (li_labeled_export(d, format, out.f, tmp, &err))
		cli_fail(o->stats ? o->dir : o->export, &err);
	else if (cli_out_commit(&out) == 0)
		status = 0;
done:
	cli_out_abort(&out);
	li_labeled_close(d);
	return status;
}

/*
 * The samples as the .npy stream li_labeled_append takes: a .npy file (or stream on
 * standard input) as it is; any other format li_data reads converted first
 * (li_labeled_spool_samples). *xf gets the file to close after the reader.
 */
static li_npy_reader *open_samples(const char *path, FILE **xf)
{
	li_err err = {0};
	li_npy_reader *r = NULL;
	li_format f = li_format_from_path(path);
	if (!strcmp(path, "-") && li_npy_sniff(stdin))
		f = LI_FORMAT_NPY; /* a .npy stream on standard input streams straight through */
	if (f != LI_FORMAT_NPY)
		r = li_labeled_spool_samples(path, xf, &err);
	else if (!(*xf = cli_open_in(path)))
		return NULL;
	else
		r = li_npy_open(*xf, &err);
	if (!r)
		cli_fail(cli_name(path), &err);
	return r;
}

/* --x with its labels: one new generation (lib/labeled_append.c); the inputs are read by
 * lib/labeled_input.c, each from its file or standard input. */
static int append(const opts *o)
{
	static int (*const readers[])(li_labeled_inputs *, FILE *, li_labeled_append_req *,
				      li_err *) = {
		li_labeled_inputs_classes, li_labeled_inputs_prob, li_labeled_inputs_labels,
		li_labeled_inputs_origin,
	};
	const char *paths[] = {o->classes, o->prob, o->labels, o->origin};
	li_err err = {0};
	li_labeled_append_req q = {
		.name = o->label, .source = "name", .n_set = o->n_set, .set_index = o->set_index,
		.set_name = o->set_name, .made_by = "li-label " LI_VERSION,
	};
	li_labeled_inputs in = {0};
	FILE *xf = NULL;
	int status = EXIT_DATA;
	for (int i = 0; i < 4; i++) {
		if (!paths[i])
			continue;
		FILE *f = cli_open_in(paths[i]);
		if (!f)
			goto done;
		int rc = readers[i](&in, f, &q, &err);
		cli_close_in(f);
		if (rc) {
			cli_fail(paths[i], &err);
			goto done;
		}
	}
	if (!(q.samples = open_samples(o->x, &xf)))
		goto done;
	long long gen = 0;
	if (li_labeled_append(o->dir, &q, &gen, &err)) {
		status = cli_fail(o->dir, &err);
		goto done;
	}
	if (!o->common.quiet)
		fprintf(stderr, "li-label: %s: appended %lld samples (generation %lld)\n", o->dir,
			(long long)li_npy_rows(q.samples), gen);
	status = 0;
done:
	li_npy_close(q.samples);
	cli_close_in(xf);
	li_labeled_inputs_release(&in);
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
	/* each repeatable option is given fewer than argc times */
	int64_t *indices = malloc(3 * (size_t)argc * sizeof *indices);
	char **names = malloc(2 * (size_t)argc * sizeof *names);
	if (!indices || !names) {
		cli_error(NULL, "out of memory");
		free(indices);
		free(names);
		return EXIT_DATA;
	}
	o.set_index = indices, o.remove = indices + argc, o.relabel_index = indices + 2 * argc;
	o.set_name = names, o.relabel_name = names + argc;
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
			int rc = index_name(optarg, &o.set_index[o.n_set], &o.set_name[o.n_set]);
			if (rc)
				cli_usage_error(rc == -1 ? "--set: expected I=NAME, got '%s'"
						: "--set: '%s' is not a sample index", optarg);
			o.n_set++;
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

	int status = o.stats || o.export ? export(&o) : o.x ? append(&o) : edit(&o);
	free(indices);
	free(names);
	return cli_finish(status);
}
