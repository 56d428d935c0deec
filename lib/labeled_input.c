/*
 * What an append takes in (labeled.h): labels from a probe's probabilities, samples of
 * any format lib/data.h reads turned into the .npy stream li_labeled_append takes, and
 * the request's class list, labels and origin read from their files.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "labeled.h"

int li_labeled_labels_from_prob(const li_array *p, int64_t **index, double **prob,
				int64_t *n_classes, li_err *err)
{
	*index = NULL;
	*prob = NULL;
	if (p->dtype != LI_DTYPE_F64 || (p->rank != 2 && p->rank != 1))
		return li_err_set(err, LI_EDATA, "probabilities must be N x classes");
	int64_t n = p->shape[0], k = p->rank == 2 ? p->shape[1] : 1;
	int64_t *idx = malloc(((size_t)n + 1) * sizeof *idx);
	double *pr = malloc(((size_t)n + 1) * sizeof *pr);
	int rc = 0;
	if (!idx || !pr || k < 1) {
		rc = li_err_set(err, k < 1 ? LI_EDATA : LI_ENOMEM, "%s",
				k < 1 ? "probabilities have no columns" : "out of memory");
		goto out;
	}
	const double *x = p->data;
	for (int64_t i = 0; i < n; i++) {
		const double *r = x + i * k;
		int64_t best = 0;
		for (int64_t j = 0; j < k; j++) {
			if (!isfinite(r[j]) || r[j] < 0 || r[j] > 1) {
				rc = li_err_set(err, LI_EDATA, "row %lld: %g is not a probability",
						(long long)i, r[j]);
				goto out;
			}
			if (r[j] > r[best])
				best = j;
		}
		/* a single column is a sigmoid's P(class 1) */
		if (k == 1) {
			idx[i] = r[0] >= 0.5;
			pr[i] = r[0] >= 0.5 ? r[0] : 1 - r[0];
		} else {
			idx[i] = best;
			pr[i] = r[best];
		}
	}
	*n_classes = k == 1 ? 2 : k;
	*index = idx;
	*prob = pr;
	idx = NULL;
	pr = NULL;
out:
	free(idx);
	free(pr);
	return rc;
}

/* li_labeled_spool_samples on an open data set. */
static li_npy_reader *spool_rows(li_data *d, FILE **spool, li_err *err)
{
	li_array batch = {0};
	li_npy_writer *w = NULL;
	li_npy_reader *r = NULL;
	if (li_data_scalar(d)) {
		li_err_set(err, LI_EDATA, "samples have no rows axis (a 0-d array)");
		return NULL;
	}
	int64_t shape[LI_MAX_RANK], k;
	int rank = li_data_row_shape(d, shape + 1) + 1;
	shape[0] = li_data_rows(d);
	li_dtype t = li_data_dtype(d);
	if (!(*spool = tmpfile())) {
		li_err_set(err, LI_EIO, "cannot make a temporary file");
		return NULL;
	}
	if (!(w = li_npy_writer_open(*spool, t, rank, shape, err)))
		goto fail;
	while ((k = li_data_read_batch(d, &batch, t, 4096, err)) > 0)
		if (li_npy_write_rows(w, batch.data, k, err))
			goto fail;
	if (k < 0)
		goto fail;
	int rc = li_npy_writer_close(w, err);
	w = NULL;
	if (rc || fflush(*spool) || fseek(*spool, 0, SEEK_SET) || !(r = li_npy_open(*spool, err)))
		goto fail;
	li_array_release(&batch);
	return r;
fail:
	li_err_set(err, LI_EIO, "cannot convert the samples");
	li_npy_writer_free(w);
	li_array_release(&batch);
	fclose(*spool);
	*spool = NULL;
	return NULL;
}

li_npy_reader *li_labeled_spool_samples(const char *path, FILE **spool_file, li_err *err)
{
	li_data_opts o;
	li_data_opts_init(&o);
	*spool_file = NULL;
	li_data *d = li_data_open(path, &o, err);
	if (!d)
		return NULL;
	li_npy_reader *r = spool_rows(d, spool_file, err);
	li_data_close(d);
	return r;
}

void li_labeled_inputs_release(li_labeled_inputs *in)
{
	if (!in)
		return;
	li_array_release(&in->origin);
	li_labeled_free_names(in->names, in->n_names);
	li_labeled_free_names(in->classes, in->n_classes);
	free(in->index);
	free(in->prob);
	memset(in, 0, sizeof *in);
}

int li_labeled_inputs_classes(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			      li_err *err)
{
	if (li_labeled_read_classes(f, &in->classes, &in->n_classes, err))
		return err->code ? err->code : LI_EDATA;
	q->classes = in->classes;
	q->n_classes = in->n_classes;
	return 0;
}

int li_labeled_inputs_labels(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			     li_err *err)
{
	int64_t n;
	if (li_labeled_read_labels(f, &in->index, &in->names, &n, err))
		return err->code ? err->code : LI_EDATA;
	in->n_names = in->names ? n : 0;
	q->index = in->index;
	q->names = in->names;
	q->n_labels = n;
	for (int64_t i = 0; in->index && i < n; i++)
		if (in->index[i] + 1 > q->index_bound)
			q->index_bound = in->index[i] + 1;
	q->source = "file";
	return 0;
}

int li_labeled_inputs_prob(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			   li_err *err)
{
	li_array a = {0};
	int rc = li_npy_load(f, &a, LI_DTYPE_F64, err);
	if (!rc && !(rc = li_labeled_labels_from_prob(&a, &in->index, &in->prob, &q->index_bound,
						       err))) {
		q->index = in->index;
		q->n_labels = a.shape[0];
		q->prob = in->prob;
		q->source = "prob";
	}
	li_array_release(&a);
	return rc;
}

int li_labeled_inputs_origin(li_labeled_inputs *in, FILE *f, li_labeled_append_req *q,
			     li_err *err)
{
	li_array *o = &in->origin;
	if (li_npy_load(f, o, LI_DTYPE_F32, err))
		return err->code ? err->code : LI_EDATA;
	if (o->rank < 1)
		return li_err_set(err, LI_EDATA, "origin must have one row per sample");
	/* rows of any shape are kept flattened */
	int64_t re = li_shape_row_elems(o->rank, o->shape);
	o->rank = 2;
	o->shape[1] = re;
	q->origin = o;
	return 0;
}
