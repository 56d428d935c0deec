/*
 * li-invert: map 2-D/3-D coordinates back into the latent space through a saved map
 * (PCA: the exact inverse, whitened or not; t-SNE: refused, or with --approx a
 * neighbour-weighted estimate). Coordinates come as an N x DIMS .npy or as
 * text, one point per line ("1.5 -2" or "1.5,-2"); a .npy is told apart by its magic
 * bytes, so both work on a pipe. The output is float32 with the latent's row shape;
 * text of unknown length is spooled by the .npy writer. Rows stream in batches.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cli.h"

/* rows per batch: up to 4096, fewer for wide latents so a batch stays near 32 MiB */
#define BATCH_MAX 4096
#define BATCH_BYTES (32 << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: li-invert [options] MAP.h5 [COORDS] > LATENT.npy\n"
		"\n"
		"Map coordinates back into the latent space of a map saved by li-reduce --save.\n"
		"COORDS ('-' or none: standard input) is an N x DIMS .npy, or text with one point\n"
		"per line, numbers separated by spaces or commas (blank lines and lines starting\n"
		"with '#' are skipped). The output is a float32 .npy of N rows of the latent's\n"
		"row shape. PCA maps invert exactly; UMAP maps (2-D) as umap-learn's\n"
		"inverse_transform, with points outside the training embedding's hull\n"
		"extrapolated from the nearest hull edge (their count goes to standard error);\n"
		"t-SNE maps have no inverse and are refused unless --approx.\n"
		"\n"
		"options:\n"
		"      --approx       t-SNE: estimate each point's latent row from the 10 nearest\n"
		"                     embedded training points, weights 1/distance (a training\n"
		"                     point's own coordinate gives its row); PCA: exact anyway\n"
		CLI_ROWS_HELP
		"                     (text: --rows A:B with A, B >= 0 only)\n"
		"      --threads N    worker threads [1 for t-SNE]\n"
		"  -o, --output FILE  write here, atomically [standard output]\n"
		"  -q, --quiet        no progress, no count of outside points\n"
		"  -h, --help         show this help and exit\n"
		"      --version      show the version and exit\n"
		"\n"
		"examples:\n"
		"  li-invert map.h5 xy.npy > latent.npy\n"
		"  echo '1.5 -2' | li-invert map.h5 > point.npy\n"
		"  li-invert --approx tsne.h5 txy.npy > approx.npy\n");
}

typedef struct inv {
	const li_map *m;
	int approx;     /* --approx */
	const char *in_name, *out_name;
	li_npy_writer *w;
	double *x;      /* batch x features */
	float *xf;
	uint8_t *outside; /* batch: 1 where the point was outside the training hull (UMAP) */
	int64_t done;   /* rows written */
	int64_t n_outside;
} inv;

/*
 * Inverts the b->n coordinate rows of y, whose first is input row b->pos, and appends the
 * part's rows among them, [b->off, b->off + b->cnt). The batches are aligned to row 0
 * (lib/batches.h), so a shard's bytes are the whole run's whatever a GEMM does with the
 * batch size. 0 or -1 (reported).
 */
static int flush(inv *s, double *y, const li_batches *b)
{
	li_err err = {0};
	int64_t d = li_map_features(s->m), dims = li_map_dims(s->m);
	int64_t n = b->n, off = b->off, cnt = b->cnt;
	/* checked here so that the row number counts from the start of the input; rows
	 * outside the selection are only company: a bad one there is zeroed, not refused */
	for (int64_t i = 0; i < n * dims; i++)
		if (!isfinite(y[i])) {
			if (i / dims >= off && i / dims < off + cnt) {
				cli_error(s->in_name, "row %lld: not a finite number (NaN or infinity)",
					  (long long)(b->pos + i / dims));
				return -1;
			}
			y[i] = 0;
		}
	memset(s->outside, 0, (size_t)n); /* --approx has no notion of outside */
	if (s->approx ? li_map_inverse_approx(s->m, y, n, s->x, &err)
		      : li_map_inverse_outside(s->m, y, n, s->x, s->outside, &err)) {
		cli_fail(s->in_name, &err);
		return -1;
	}
	for (int64_t i = off; i < off + cnt; i++)
		s->n_outside += s->outside[i];
	li_convert(s->xf, LI_DTYPE_F32, s->x + off * d, LI_DTYPE_F64, (size_t)(cnt * d));
	if (li_npy_write_rows(s->w, s->xf, cnt, &err)) {
		cli_fail(s->out_name, &err);
		return -1;
	}
	s->done += cnt;
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_APPROX = CLI_OPT_FIRST_FREE };
	static const struct option opts[] = {
		CLI_COMMON_LONGOPTS,
		CLI_ROWS_LONGOPTS,
		{"approx", no_argument, NULL, OPT_APPROX},
		{0},
	};
	cli_common common = {0};
	int c, approx = 0;
	li_rowsel sel = {0};
	cli_init("li-invert");
	while ((c = cli_getopt(argc, argv, CLI_COMMON_SHORTOPTS, opts)) != -1)
		if (!cli_common_option(c, optarg, &common, usage) && !cli_rows_option(c, optarg, &sel) &&
		    c == OPT_APPROX)
			approx = 1;
	if (argc - optind < 1)
		cli_usage_error("a map file is needed");
	if (argc - optind > 2)
		cli_usage_error("one map and one coordinate input at a time");
	if (common.threads)
		openblas_set_num_threads(common.threads);
	const char *map_path = argv[optind];
	const char *path = optind + 1 < argc ? argv[optind + 1] : "-";

	int status = EXIT_DATA;
	li_err err = {0};
	cli_out out = {0};
	FILE *in = NULL;
	li_batch_src coords = {0};
	li_points *points = NULL;
	inv s = {.approx = approx, .in_name = cli_name(path),
		 .out_name = cli_name(common.output)};
	li_map *m = li_map_load(map_path, &err);
	const char *why;
	if (!m) {
		cli_fail(map_path, &err);
		goto done;
	}
	s.m = m;
	li_map_set_threads(m, common.threads);
	if (!approx && !li_map_has_inverse(m, &why)) {
		cli_error(map_path, "%s", why);
		goto done;
	}
	int rank;
	const int64_t *rs = li_map_row_shape(m, &rank);
	int64_t shape[LI_MAX_RANK], d = li_map_features(m);
	memcpy(shape + 1, rs, (size_t)rank * sizeof *rs);
	int64_t batch = BATCH_BYTES / (d * (int64_t)(sizeof(double) + sizeof(float)));
	batch = batch < 1 ? 1 : batch > BATCH_MAX ? BATCH_MAX : batch;
	s.x = malloc((size_t)batch * (size_t)d * sizeof *s.x);
	s.xf = malloc((size_t)batch * (size_t)d * sizeof *s.xf);
	s.outside = malloc((size_t)batch);
	if (!s.x || !s.xf || !s.outside) {
		cli_error(map_path, "out of memory");
		goto done;
	}
	if (!(in = cli_open_in(path)))
		goto done;
	int first = getc(in);
	if (first == EOF && ferror(in)) {
		cli_error(s.in_name, "read error: %s", strerror(errno));
		goto done;
	}
	if (first != EOF)
		ungetc(first, in);
	/* 0x93 starts the .npy magic "\x93NUMPY"; text never does */
	int is_npy = first == 0x93;
	if (!is_npy && li_rowsel_needs_count(&sel))
		cli_usage_error("--shard and negative --rows need a known row count: a .npy input, "
				"not text");
	int64_t lo, hi;
	if (is_npy) {
		if (!(coords.npy = li_npy_open(in, &err))) {
			cli_fail(s.in_name, &err);
			goto done;
		}
		const li_npy_info *info = li_npy_info_of(coords.npy);
		if (info->rank != 2 || info->shape[1] != li_map_dims(m)) {
			char buf[128];
			li_shape_format(info->rank, info->shape, buf, sizeof buf);
			cli_error(s.in_name, "coordinates of shape %s; the map needs N x %d", buf,
				  li_map_dims(m));
			goto done;
		}
		li_rowsel_resolve(&sel, info->shape[0], &lo, &hi);
		shape[0] = hi - lo;
		coords.want = LI_DTYPE_F64;
	} else {
		/* text: a range counted from the start (its end, if any, is not known up front);
		 * the writer spools rows of an unknown count and fixes the header at the end */
		li_rowsel_resolve(&sel, INT64_MAX, &lo, &hi);
		shape[0] = -1;
		if (!(points = li_points_new(in, li_map_dims(m), batch))) {
			cli_error(map_path, "out of memory");
			goto done;
		}
	}
	li_rows_read_fn read = is_npy ? li_batch_src_read : li_points_read;
	li_rows_skip_fn skip = is_npy ? li_batch_src_skip : li_points_skip;
	void *src = is_npy ? (void *)&coords : (void *)points;
	li_batches b;
	int64_t k;
	li_batches_plan(&b, lo, hi, batch, 1);
	b.progress = cli_progress_for(&common);
	b.total = shape[0];
	/* the rows before the first batch: a file seeks, a pipe reads and drops them */
	if (li_batches_start(&b, read, skip, src, &err)) {
		cli_fail(s.in_name, &err);
		goto done;
	}
	if (!cli_out_open(&out, common.output, 1))
		goto done;
	if (!(s.w = li_npy_writer_open(out.f, LI_DTYPE_F32, rank + 1, shape, &err))) {
		cli_fail(s.out_name, &err);
		goto done;
	}
	while ((k = li_batches_next(&b, read, skip, src, &err)) > 0)
		if (flush(&s, is_npy ? coords.batch.data : li_points_rows(points), &b))
			goto done;
	cli_progress_end(&common);
	if (k < 0) {
		cli_fail(s.in_name, &err);
		goto done;
	}
	int rc = li_npy_writer_close(s.w, &err);
	s.w = NULL;
	if (rc) {
		cli_fail(s.out_name, &err);
		goto done;
	}
	if (cli_out_commit(&out))
		goto done;
	if (!common.quiet && !strcmp(li_map_method(m), "umap"))
		fprintf(stderr, "li-invert: %lld of %lld point%s outside the hull of the training "
			"embedding (extrapolated from the nearest hull edge)\n", (long long)s.n_outside,
			(long long)s.done, s.done == 1 ? "" : "s");
	status = 0;
done:
	li_npy_writer_free(s.w);
	cli_out_abort(&out);
	free(s.x);
	free(s.xf);
	free(s.outside);
	li_array_release(&coords.batch);
	li_npy_close(coords.npy);
	li_points_free(points);
	cli_close_in(in);
	li_map_free(m);
	return cli_finish(status);
}
