/*
 * Self-tuning t-SNE (the paper's "self-optimizing" parameters): a small search over the
 * perplexity, each candidate fitted and scored by a caller-supplied quality function
 * (trustworthiness on a sample in li-reduce). See li_tsne_auto in tsne.h for the rule.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsne.h"

static double lowered(int64_t n, double perp)
{
	double top = (double)(n - 1) / 3;
	if (perp > top)
		perp = top;
	if (perp < 2 && top >= 2)
		perp = 2;
	return perp;
}

static double start_value(int64_t n)
{
	double s = (double)n / 100;
	if (s < 30)
		s = 30;
	if (s > (double)(n - 1) / 6)
		s = (double)(n - 1) / 6;
	return s;
}

/* Candidates in increasing order, duplicates (within 1e-9) dropped. */
static int candidates(int64_t n, double base, double *c, int *is_def)
{
	double s = start_value(n), want[4] = {s / 2, s, 2 * s, base};
	double def = lowered(n, base);
	int m = 0;
	for (int a = 0; a < 4; a++) {
		double v = lowered(n, want[a]);
		int dup = 0;
		for (int b = 0; b < m; b++)
			if (fabs(c[b] - v) < 1e-9)
				dup = 1;
		if (!dup)
			c[m++] = v;
	}
	for (int a = 1; a < m; a++)
		for (int b = a; b > 0 && c[b - 1] > c[b]; b--) {
			double t = c[b];
			c[b] = c[b - 1];
			c[b - 1] = t;
		}
	for (int a = 0; a < m; a++)
		is_def[a] = fabs(c[a] - def) < 1e-9;
	return m;
}

int li_tsne_auto_neighbors(int64_t n, double base_perplexity)
{
	double c[4];
	int d[4], m = candidates(n, base_perplexity, c, d);
	return li_tsne_neighbors(n, c[m - 1], NULL);
}

int li_tsne_auto(const li_tsne_params *base, const li_tsne_knn *g, const float *init,
		 li_tsne_score_fn score, void *ctx, li_tsne_auto_result *res, float *Y,
		 li_err *err)
{
	int64_t n = g->n;
	memset(res, 0, sizeof *res);
	if (n < 2)
		return li_err_set(err, LI_EDATA, "t-sne needs at least 2 rows, got %lld", (long long)n);
	if (!(base->perplexity > 0))
		return li_err_set(err, LI_EUSAGE, "perplexity must be a positive number");
	size_t nd = (size_t)n * (size_t)base->dims;
	float *cur = malloc(nd * sizeof *cur + 1), *best = malloc(nd * sizeof *best + 1);
	int rc = 0;
	if (!cur || !best) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory for t-sne self-tuning");
		goto out;
	}
	res->n_cand = candidates(n, base->perplexity, res->perplexity, res->is_default);
	res->chosen = -1;
	for (int a = 0; a < res->n_cand; a++) {
		li_tsne_params p = *base;
		li_tsne_info info;
		p.perplexity = res->perplexity[a];
		memcpy(cur, init, nd * sizeof *cur);
		if ((rc = li_tsne_fit(&p, g, cur, &info, err)) < 0) {
			li_err_prefix(err, "perplexity %g", p.perplexity);
			goto out;
		}
		res->kl[a] = info.kl;
		if ((rc = score(ctx, cur, n, base->dims, &res->score[a], err)) < 0)
			goto out;
		int c = res->chosen;
		/* strictly better wins; on a tie the default stays (then the earlier, smaller) */
		if (c < 0 || res->score[a] > res->score[c] ||
		    (res->score[a] == res->score[c] && res->is_default[a] && !res->is_default[c])) {
			res->chosen = a;
			memcpy(best, cur, nd * sizeof *best);
		}
	}
	int c = res->chosen, d = 0;
	for (int a = 0; a < res->n_cand; a++)
		if (res->is_default[a])
			d = a;
	if (c == d)
		snprintf(res->why, sizeof res->why, "perplexity %.4g (the default) scored best: %.4f",
			 res->perplexity[c], res->score[c]);
	else
		snprintf(res->why, sizeof res->why, "perplexity %.4g scored %.4f, the default %.4g "
			 "scored %.4f", res->perplexity[c], res->score[c], res->perplexity[d],
			 res->score[d]);
	if (Y)
		memcpy(Y, best, nd * sizeof *Y);
out:
	free(cur);
	free(best);
	return rc;
}
