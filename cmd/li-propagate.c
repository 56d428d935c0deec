/*
 * li-propagate: push latent rows through the part of a model after a layer (--at), or
 * through a whole model (a tail, a probe), and write the outputs: as .npy, as class
 * indices (--argmax) or as class names (--names). A model with several outputs writes
 * the one chosen with --output, or each to its own file.
 */
#include <stdlib.h>
#include <string.h>

#include "climodel.h"

enum { OPT_OUTNAME = CLI_OPT_FIRST_FREE, OPT_ARGMAX, OPT_NAMES };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-propagate [options] MODEL [LATENT] [-o OUT]\n"
		"\n"
		"Run LATENT rows (any format li-convert reads; '-' or none: standard input)\n"
		"through MODEL from the layer --at to the outputs, or through the whole model.\n"
		"The cut must be a split point (li-layers shows them). Writes float32 .npy, or\n"
		"class indices / names.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE    write here, atomically [standard output]; with several\n"
		"                       outputs and no --output: FILE.NAME.npy for each\n"
		"      --at LAYER       the rows are this layer's output: a name or an index\n"
		"                       as li-layers prints it [the model's input]\n"
		"      --output-name NAME\n"
		"                       write only this output layer (name or index)\n"
		"      --argmax         write int64 class indices (.npy)\n"
		"      --names          write class names, one per line (li_class_names)\n"
		CM_USAGE
		"\n"
		"examples:\n"
		"  li-propagate model.h5 --at dense_1 latent.npy -o out.npy\n"
		"  li-propagate probe.h5 --names latent.npy -o labels.txt\n");
}

/* "out.npy" + "dense" -> "out.dense.npy" */
static char *per_output(const char *base, const char *name)
{
	size_t n = strlen(base) + strlen(name) + 8;
	char *s = malloc(n), *clean = strdup(name);
	if (!s || !clean) {
		free(s);
		free(clean);
		return NULL;
	}
	for (char *p = clean; *p; p++)
		if (*p == '/')
			*p = '_';
	size_t bl = strlen(base);
	if (bl > 4 && !strcmp(base + bl - 4, ".npy"))
		snprintf(s, n, "%.*s.%s.npy", (int)(bl - 4), base, clean);
	else
		snprintf(s, n, "%s.%s.npy", base, clean);
	free(clean);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS, CM_LONGOPTS,
		{"output-name", required_argument, NULL, OPT_OUTNAME},
		{"argmax", no_argument, NULL, OPT_ARGMAX},
		{"names", no_argument, NULL, OPT_NAMES},
		{0},
	};
	cli_common common = {0};
	cm_prep prep;
	const char *outname = NULL;
	int kind = CM_SINK_ARRAY, c;
	cli_init("li-propagate");
	cm_prep_init(&prep);
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1) {
		if (cli_common_option(c, optarg, &common, usage) || cm_option(c, optarg, &prep))
			continue;
		switch (c) {
		case OPT_OUTNAME: outname = optarg; break;
		case OPT_ARGMAX:
		case OPT_NAMES:
			if (kind != CM_SINK_ARRAY)
				cli_usage_error("--argmax and --names exclude each other");
			kind = c == OPT_ARGMAX ? CM_SINK_ARGMAX : CM_SINK_NAMES;
			break;
		default:
			cli_usage_error("unknown option");
		}
	}
	if (optind >= argc)
		cli_usage_error("give a MODEL");
	if (argc - optind > 2)
		cli_usage_error("one LATENT at a time");
	const char *path = argv[optind];
	const char *latent = optind + 1 < argc ? argv[optind + 1] : "-";
	int status = EXIT_DATA;
	int want[256], n_want = 0;
	cm_sink sinks[256];
	char *names[256] = {0};
	li_model *m = cm_load(path, prep.config);
	if (!m)
		return cli_finish(status);
	int feed;
	if (prep.at) {
		feed = cm_row(m, prep.at);
	} else if (li_model_n_inputs(m) == 1) {
		feed = li_model_input_row(m, 0);
	} else {
		li_model_free(m);
		cli_usage_error("the model has several inputs; cut it with --at");
	}
	int cross[8];
	int n_cross = li_model_crossing(m, feed, cross, 8);
	if (!(n_cross == 1 && cross[0] == feed)) {
		char list[1024] = "";
		size_t k = 0;
		for (int i = 0; i < n_cross && i < 8 && k < sizeof list; i++)
			if (cross[i] != feed)
				k += (size_t)snprintf(list + k, sizeof list - k, "%s'%s'", k ? ", " : "",
						      li_model_row_name(m, cross[i]));
		cli_error(path, "cannot cut after '%s': %s also cross%s the cut",
			  li_model_row_name(m, feed), list, n_cross > 2 ? "" : "es");
		goto done;
	}
	if (kind == CM_SINK_NAMES) {
		const char *const *cn;
		if (li_model_class_names(m, &cn) == 0) {
			cli_error(path, "the model has no class names (root attribute li_class_names)");
			goto done;
		}
	}
	if (outname) {
		int r = li_model_find(m, outname);
		for (int k = 0; k < li_model_n_outputs(m); k++)
			if (li_model_output_row(m, k) == r)
				want[n_want++] = r;
		if (n_want == 0) {
			li_model_free(m);
			cli_usage_error("--output-name: '%s' is not an output of the model", outname);
		}
		sinks[0] = (cm_sink){kind, common.output};
	} else if (li_model_n_outputs(m) == 1) {
		want[n_want++] = li_model_output_row(m, 0);
		sinks[0] = (cm_sink){kind, common.output};
	} else {
		if (!common.output || !strcmp(common.output, "-")) {
			li_model_free(m);
			cli_usage_error("the model has several outputs: choose one with --output-name, "
					"or give -o FILE to write FILE.NAME.npy for each");
		}
		for (int k = 0; k < li_model_n_outputs(m) && k < 256; k++) {
			want[n_want] = li_model_output_row(m, k);
			names[n_want] = per_output(common.output, li_model_row_name(m, want[n_want]));
			if (!names[n_want]) {
				cli_error(NULL, "out of memory");
				goto done;
			}
			sinks[n_want] = (cm_sink){kind, names[n_want]};
			n_want++;
		}
	}
	cm_blas(&common);
	status = cm_stream(m, path, 1, &feed, &latent, n_want, want, sinks, &prep, &common);
done:
	for (int k = 0; k < 256; k++)
		free(names[k]);
	li_model_free(m);
	return cli_finish(status);
}
