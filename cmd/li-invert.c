/*
 * li-invert: map 2-D/3-D coordinates back into the latent space through a saved map
 * (PCA: the exact inverse, whitened or not; t-SNE: refused, or with --approx a
 * neighbour-weighted estimate). Coordinates come as an N x DIMS .npy or as
 * text, one point per line ("1.5 -2" or "1.5,-2"); a .npy is told apart by its magic
 * bytes, so both work on a pipe. The output is float32 with the latent's row shape;
 * text of unknown length is spooled by the .npy writer. Rows stream in batches.
 */
#include <ctype.h>
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
	int64_t batch;  /* rows per batch */
	double *x;      /* batch x features */
	float *xf;
	uint8_t *outside; /* batch: 1 where the point was outside the training hull (UMAP) */
	int64_t done;   /* rows written */
	int64_t lo, hi; /* --rows/--shard: input rows [lo, hi) (hi INT64_MAX: to the end) */
	int64_t n_outside;
} inv;

/*
 * Inverts the n coordinate rows of y, whose first is input row pos, and appends those
 * inside the selection [lo, hi). Batches are counted from row 0 and a selection is
 * inverted in the batches that hold it, whole, so each batch is the same as in the whole
 * run and a shard's bytes are the whole run's (whatever a GEMM does with the batch size).
 * 0 or -1 (reported).
 */
static int flush(inv *s, double *y, int64_t n, int64_t pos)
{
	li_err err = {0};
	int64_t d = li_map_features(s->m), dims = li_map_dims(s->m);
	int64_t off = s->lo > pos ? s->lo - pos : 0;
	int64_t cnt = (pos + n < s->hi ? pos + n : s->hi) - pos - off;
	if (cnt < 0)
		cnt = 0;
	/* checked here so that the row number counts from the start of the input; rows
	 * outside the selection are only company: a bad one there is zeroed, not refused */
	for (int64_t i = 0; i < n * dims; i++)
		if (!isfinite(y[i])) {
			if (i / dims >= off && i / dims < off + cnt) {
				cli_error(s->in_name, "row %lld: not a finite number (NaN or infinity)",
					  (long long)(pos + i / dims));
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

static int from_npy(inv *s, FILE *in, int64_t *shape, int rank, cli_out *out,
		    const cli_common *common, const li_rowsel *sel)
{
	li_err err = {0};
	li_array batch = {0};
	int rc = -1, dims = li_map_dims(s->m);
	int64_t k = 0;
	li_npy_reader *r = li_npy_open(in, &err);
	if (!r) {
		cli_fail(s->in_name, &err);
		return -1;
	}
	const li_npy_info *info = li_npy_info_of(r);
	if (info->rank != 2 || info->shape[1] != dims) {
		char buf[128];
		li_shape_format(info->rank, info->shape, buf, sizeof buf);
		cli_error(s->in_name, "coordinates of shape %s; the map needs N x %d", buf, dims);
		goto out;
	}
	li_rowsel_resolve(sel, info->shape[0], &s->lo, &s->hi);
	shape[0] = s->hi - s->lo;
	int64_t pos = s->lo / s->batch * s->batch;
	int64_t end_read = (s->hi + s->batch - 1) / s->batch * s->batch;
	/* the rows before the first batch: a file seeks, a pipe reads and drops them */
	if (pos > 0 && li_npy_skip_rows(r, pos, &err) < 0) {
		cli_fail(s->in_name, &err);
		goto out;
	}
	if (!cli_out_open(out, common->output, 1))
		goto out;
	if (!(s->w = li_npy_writer_open(out->f, LI_DTYPE_F32, rank, shape, &err))) {
		cli_fail(s->out_name, &err);
		goto out;
	}
	while (pos < end_read &&
	       (k = li_npy_read_batch(r, &batch, LI_DTYPE_F64, end_read - pos < s->batch ?
				      end_read - pos : s->batch, &err)) > 0) {
		if (flush(s, batch.data, k, pos))
			goto out;
		pos += k;
		cli_progress(common, "rows", s->done, shape[0]);
	}
	cli_progress_end(common);
	if (k < 0) {
		cli_fail(s->in_name, &err);
		goto out;
	}
	rc = 0;
out:
	li_array_release(&batch);
	li_npy_close(r);
	return rc;
}

/* Parses one text line into y[0..dims); 1 for a point, 0 for a skipped line, -1 bad. */
static int parse_line(inv *s, char *line, int64_t lineno, double *y)
{
	int dims = li_map_dims(s->m), n = 0;
	char *p = line;
	while (isspace((unsigned char)*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || !isfinite(v) || (*end && !isspace((unsigned char)*end) && *end != ',')) {
			size_t len = strcspn(p, " \t\r\n,");
			cli_error(s->in_name, "line %lld: '%.*s' is not a finite number",
				  (long long)lineno, (int)(len < 40 ? len : 40), p);
			return -1;
		}
		if (n < dims)
			y[n] = v;
		n++;
		p = end;
		while (isspace((unsigned char)*p))
			p++;
		if (*p == ',')
			p++;
	}
	if (n != dims) {
		cli_error(s->in_name, "line %lld: %d number%s; the map needs %d per point",
			  (long long)lineno, n, n == 1 ? "" : "s", dims);
		return -1;
	}
	return 1;
}

static int from_text(inv *s, FILE *in, int64_t *shape, int rank, cli_out *out,
		     const cli_common *common)
{
	li_err err = {0};
	int dims = li_map_dims(s->m), rc = -1;
	char *line = NULL;
	size_t cap = 0;
	int64_t lineno = 0, have = 0, seen = 0; /* seen: points read, kept or not */
	double *y = malloc((size_t)s->batch * (size_t)dims * sizeof *y);
	if (!y) {
		cli_error(s->in_name, "out of memory");
		return -1;
	}
	shape[0] = -1; /* unknown: the writer spools and fixes the header at the end */
	if (!cli_out_open(out, common->output, 1))
		goto out;
	if (!(s->w = li_npy_writer_open(out->f, LI_DTYPE_F32, rank, shape, &err))) {
		cli_fail(s->out_name, &err);
		goto out;
	}
	errno = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		if ((size_t)len != strlen(line)) { /* a NUL would end the line's text early */
			cli_error(s->in_name, "line %lld holds a NUL byte; not a text file",
				  (long long)lineno);
			goto out;
		}
		int got = parse_line(s, line, lineno, y + have * dims);
		if (got < 0)
			goto out;
		if (!got)
			continue;
		/* from the batch that holds lo to the one that holds hi - 1 (see flush) */
		if (seen >= s->hi && seen % s->batch == 0)
			break;
		if (seen++ < s->lo / s->batch * s->batch)
			continue;
		have++;
		if (have == s->batch) {
			if (flush(s, y, have, seen - have))
				goto out;
			have = 0;
			cli_progress(common, "rows", s->done, 0);
		}
	}
	if (ferror(in)) {
		cli_error(s->in_name, "read error: %s", strerror(errno));
		goto out;
	}
	if (have && flush(s, y, have, seen - have))
		goto out;
	cli_progress_end(common);
	rc = 0;
out:
	free(line);
	free(y);
	return rc;
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
	s.batch = BATCH_BYTES / (d * (int64_t)(sizeof(double) + sizeof(float)));
	s.batch = s.batch < 1 ? 1 : s.batch > BATCH_MAX ? BATCH_MAX : s.batch;
	s.x = malloc((size_t)s.batch * (size_t)d * sizeof *s.x);
	s.xf = malloc((size_t)s.batch * (size_t)d * sizeof *s.xf);
	s.outside = malloc((size_t)s.batch);
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
	if (first != 0x93 && (sel.kind == 2 || (sel.has_a && sel.a < 0) || (sel.has_b && sel.b < 0)))
		cli_usage_error("--shard and negative --rows need a known row count: a .npy input, "
				"not text");
	/* text: a range counted from the start (its end, if any, is not known up front) */
	li_rowsel_resolve(&sel, INT64_MAX, &s.lo, &s.hi);
	int rc = first == 0x93 ? from_npy(&s, in, shape, rank + 1, &out, &common, &sel)
			       : from_text(&s, in, shape, rank + 1, &out, &common);
	if (rc)
		goto done;
	rc = li_npy_writer_close(s.w, &err);
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
	cli_close_in(in);
	li_map_free(m);
	return cli_finish(status);
}
