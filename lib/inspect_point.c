/*
 * The inspector's points (inspect.h): a map point through the map's inverse (t-SNE: the
 * approximate one), the model's tail and the probe; saving points into the project's
 * labeled data set; the project's render command; a text picture of an image.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "inspect_internal.h"
#include "labeled.h"
#include "npy.h"

/* ----- the data's rows ----- */

int li_inspect_load_data(li_inspect *ins, li_err *err)
{
	if (ins->x.data)
		return 0;
	li_array a = {0};
	if (li_inspect_read_data(ins, ins->p->data, &a, err))
		return -1;
	if (a.shape[0] != ins->n) {
		li_array_release(&a);
		return li_err_set(err, LI_EDATA, "%s: %lld rows, but the map has %lld", ins->p->data,
				  (long long)a.shape[0], (long long)ins->n);
	}
	ins->x = a;
	return 0;
}

const float *li_inspect_sample(const li_inspect *ins, int64_t i, li_shape *shape)
{
	if (!ins->x.data || i < 0 || i >= ins->x.shape[0])
		return NULL;
	shape->rank = ins->x.rank - 1;
	memcpy(shape->dim, ins->x.shape + 1, sizeof(int64_t) * (size_t)shape->rank);
	return (const float *)ins->x.data + i * li_shape_elems(shape);
}

int li_inspect_neighbors(const li_inspect *ins, const float *latent, int k, int64_t *idx,
			 double *dist)
{
	int found = 0;
	for (int64_t i = 0; i < ins->n && k > 0; i++) {
		const float *r = ins->latent + i * ins->d;
		double s = 0;
		for (int64_t j = 0; j < ins->d; j++) {
			double t = (double)r[j] - latent[j];
			s += t * t;
		}
		if (!isfinite(s) || (found == k && s >= dist[k - 1]))
			continue;
		/* insertion into the sorted list; ties keep the lower index first */
		int at = found < k ? found++ : k - 1;
		while (at > 0 && dist[at - 1] > s) {
			dist[at] = dist[at - 1];
			idx[at] = idx[at - 1];
			at--;
		}
		dist[at] = s;
		idx[at] = i;
	}
	for (int i = 0; i < found; i++)
		dist[i] = sqrt(dist[i]);
	return found;
}

/* ----- points ----- */

void li_inspect_point_release(li_inspect_point *pt)
{
	if (!pt)
		return;
	free(pt->latent);
	free(pt->output);
	free(pt->prob);
	memset(pt, 0, sizeof *pt);
}

int li_inspect_eval(li_inspect *ins, double x, double y, li_inspect_point *pt, li_err *err)
{
	memset(pt, 0, sizeof *pt);
	pt->x = x;
	pt->y = y;
	pt->label = -1;
	double yv[2] = {x, y};
	uint8_t outside = 0;
	int rc = ins->approx ? li_map_inverse_approx(ins->map, yv, 1, ins->work, err)
			     : li_map_inverse_outside(ins->map, yv, 1, ins->work, &outside, err);
	if (rc)
		return rc;
	pt->outside = outside;
	pt->n_latent = ins->d;
	if (!(pt->latent = malloc(sizeof(float) * (size_t)ins->d)))
		goto nomem;
	for (int64_t i = 0; i < ins->d; i++)
		pt->latent[i] = (float)ins->work[i];
	const float *in = pt->latent;
	if (li_run_batch(ins->tail, 1, &in, &ins->lshape, err))
		goto fail;
	const float *o = li_run_output(ins->tail, 0, &pt->out_shape);
	pt->n_out = li_shape_elems(&pt->out_shape);
	if (!(pt->output = malloc(sizeof(float) * (size_t)(pt->n_out ? pt->n_out : 1))))
		goto nomem;
	memcpy(pt->output, o, sizeof(float) * (size_t)pt->n_out);
	if (ins->prun) {
		li_shape ps;
		if (li_run_batch(ins->prun, 1, &in, &ins->lshape, err))
			goto fail;
		const float *pr = li_run_output(ins->prun, 0, &ps);
		pt->n_prob = (int)li_shape_elems(&ps);
		if (!(pt->prob = malloc(sizeof(float) * (size_t)(pt->n_prob ? pt->n_prob : 1))))
			goto nomem;
		memcpy(pt->prob, pr, sizeof(float) * (size_t)pt->n_prob);
		pt->label = 0;
		for (int k = 1; k < pt->n_prob; k++)
			if (pt->prob[k] > pt->prob[pt->label])
				pt->label = k;
	}
	return 0;
nomem:
	li_err_set(err, LI_ENOMEM, "out of memory");
fail:
	li_inspect_point_release(pt);
	return -1;
}

int li_inspect_save(li_inspect *ins, const li_inspect_point *const *pts, char *const *labels,
		    int n, li_err *err)
{
	return li_inspect_save_gen(ins, pts, labels, n, NULL, err);
}

int li_inspect_save_gen(li_inspect *ins, const li_inspect_point *const *pts,
			char *const *labels, int n, long long *generation, li_err *err)
{
	if (n < 1)
		return li_err_set(err, LI_EUSAGE, "nothing to save");
	li_array s = {0}, origin = {0}, lat = {0};
	FILE *f = NULL;
	li_npy_reader *r = NULL;
	int rc = -1;
	int64_t shape[LI_MAX_RANK + 1];
	shape[0] = n;
	for (int i = 0; i < pts[0]->out_shape.rank; i++)
		shape[i + 1] = pts[0]->out_shape.dim[i];
	int64_t oshape[2] = {n, 2}, lshape[2] = {n, ins->d};
	if (li_array_alloc(&s, LI_DTYPE_F32, pts[0]->out_shape.rank + 1, shape, err) ||
	    li_array_alloc(&origin, LI_DTYPE_F32, 2, oshape, err) ||
	    li_array_alloc(&lat, LI_DTYPE_F32, 2, lshape, err))
		goto out;
	for (int i = 0; i < n; i++) {
		memcpy((float *)lat.data + (int64_t)i * ins->d, pts[i]->latent,
		       sizeof(float) * (size_t)ins->d);
		memcpy((float *)s.data + (int64_t)i * pts[0]->n_out, pts[i]->output,
		       sizeof(float) * (size_t)pts[0]->n_out);
		((float *)origin.data)[2 * i] = (float)pts[i]->x;
		((float *)origin.data)[2 * i + 1] = (float)pts[i]->y;
	}
	if (!(f = tmpfile())) {
		li_err_set(err, LI_EIO, "cannot make a temporary file");
		goto out;
	}
	if (li_npy_save(f, &s, err) || fflush(f) || fseek(f, 0, SEEK_SET) ||
	    !(r = li_npy_open(f, err)))
		goto out;
	li_labeled_append_req q = {0};
	q.samples = r;
	q.origin = &origin;
	q.latent = &lat;
	q.n_labels = n;
	q.names = labels;
	q.n_classes = ins->n_classes;
	q.classes = ins->classes;
	q.made_by = "li-inspect";
	q.source = "li-inspect: map points, labels from the probe or typed";
	/* LABELED/CUT/: the folder of the cuts' data sets first */
	if (strcmp(ins->labeled, ins->p->labeled) && mkdir(ins->p->labeled, 0777) &&
	    errno != EEXIST) {
		li_err_set(err, LI_EIO, "%s: cannot create the folder: %s", ins->p->labeled,
			   strerror(errno));
		goto out;
	}
	rc = li_labeled_append(ins->labeled, &q, generation, err);
	if (rc)
		li_err_prefix(err, "%s", ins->labeled);
out:
	li_npy_close(r);
	if (f)
		fclose(f);
	li_array_release(&s);
	li_array_release(&origin);
	li_array_release(&lat);
	return rc;
}

int li_inspect_render_command(const li_inspect *ins, const li_inspect_point *pt,
			      const char *picture, li_err *err)
{
	if (!ins->p->render_run)
		return li_err_set(err, LI_EUSAGE, "the project has no render command");
	return li_inspect_render_run(ins->p->render_run, &pt->out_shape, pt->output, picture, 0,
				     err);
}

int li_inspect_render_run(const char *run, const li_shape *shape, const float *output,
			  const char *picture, int timeout_ms, li_err *err)
{
	size_t n = strlen(picture);
	char *npy = malloc(n + 5);
	if (!npy)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	snprintf(npy, n + 5, "%s.npy", picture);
	li_array a = {0};
	a.dtype = LI_DTYPE_F32;
	a.rank = shape->rank + 1;
	a.shape[0] = 1;
	memcpy(a.shape + 1, shape->dim, sizeof(int64_t) * (size_t)shape->rank);
	a.data = (float *)output;
	int rc = -1;
	FILE *f = fopen(npy, "wb");
	if (!f) {
		li_err_set(err, LI_EIO, "%s: cannot create: %s", npy, strerror(errno));
		goto out;
	}
	rc = li_npy_save(f, &a, err);
	if (fclose(f) && !rc)
		rc = li_err_set(err, LI_EIO, "%s: write error", npy);
	if (rc)
		goto out;
	unlink(picture);
	char *argv[] = {(char *)run, npy, (char *)picture, NULL};
	if ((rc = li_inspect_run_program_timeout(argv, timeout_ms, err)))
		goto out;
	if (access(picture, R_OK))
		rc = li_err_set(err, LI_EDATA, "'%s' made no picture", run);
out:
	unlink(npy);
	free(npy);
	return rc;
}

char *li_inspect_ascii(const float *img, int64_t h, int64_t w, int64_t c)
{
	static const char ramp[] = " .:-=+*#%@";
	if (h < 1 || w < 1 || c < 1 || h > 4096 || w > 4096)
		return NULL;
	char *s = malloc((size_t)(h * (w + 1) + 1));
	if (!s)
		return NULL;
	double lo = INFINITY, hi = -INFINITY;
	for (int64_t i = 0; i < h * w * c; i++)
		if (isfinite(img[i])) {
			lo = img[i] < lo ? img[i] : lo;
			hi = img[i] > hi ? img[i] : hi;
		}
	char *p = s;
	for (int64_t r = 0; r < h; r++) {
		for (int64_t q = 0; q < w; q++) {
			double v = 0;
			for (int64_t k = 0; k < c; k++)
				v += img[(r * w + q) * c + k];
			v /= (double)c;
			int lvl = 0;
			if (hi > lo && isfinite(v))
				lvl = (int)((v - lo) / (hi - lo) * 9.0 + 0.5);
			*p++ = ramp[lvl < 0 ? 0 : lvl > 9 ? 9 : lvl];
		}
		*p++ = '\n';
	}
	*p = 0;
	return s;
}
