/*
 * Removing and relabeling samples of a labeled data set (li-label --remove, --relabel):
 * under DATASET/.lock (labeled_writer.c), one new generation without the removed rows and
 * with the new labels, written whole (labeled_files.c, labeled_meta.c) and swapped in.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labeled_internal.h"

/* Rows of a (rank >= 1, float32) whose keep[i] is set, into out (allocated). */
static int keep_rows(const li_array *a, const char *keep, int64_t kept, li_array *out,
		     li_err *err)
{
	int64_t shape[LI_MAX_RANK];
	memcpy(shape, a->shape, sizeof shape);
	shape[0] = kept;
	if (li_array_alloc(out, LI_DTYPE_F32, a->rank, shape, err))
		return -1;
	int64_t re = li_shape_row_elems(a->rank, a->shape), k = 0;
	for (int64_t i = 0; i < a->shape[0]; i++)
		if (keep[i])
			memcpy((float *)out->data + (k++) * re, (const float *)a->data + i * re,
			       (size_t)re * sizeof(float));
	return 0;
}

int li_labeled_edit(const char *dir, const li_labeled_edit_req *e, long long *generation,
		    li_err *err)
{
	li_labeled_writer w = LI_LABELED_WRITER_INIT;
	li_class_list c = {0};
	char *keep = NULL;
	int64_t *labels = NULL, kept;
	double *prob = NULL;
	li_array all = {0}, og = {0}, lt = {0}, s2 = {0}, o2 = {0}, l2 = {0};
	json_t *meta = NULL;
	int rc = -1;

	w.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.dirfd < 0)
		return li_err_set(err, errno == ENOENT || errno == ENOTDIR ? LI_EDATA : LI_EIO,
				  "not a labeled data set: %s", strerror(errno));
	if (li_labeled_writer_lock(&w, dir, 0, err))
		goto out;
	li_labeled *d = w.d;
	int64_t n = d->info.count;
	if (!(keep = malloc((size_t)n + 1)) || !(labels = malloc(((size_t)n + 1) * sizeof *labels)) ||
	    !(prob = calloc((size_t)n + 1, sizeof *prob))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if ((kept = li_labeled_resolve_edit(d, e, &c, keep, labels, prob, err)) < 0)
		goto out;
	if (li_labeled_load_samples(d, &all, err) || li_labeled_load_origin(d, &og, err) ||
	    li_labeled_load_latent(d, &lt, err) || keep_rows(&all, keep, kept, &s2, err) ||
	    (og.rank == 2 && og.shape[0] == n && keep_rows(&og, keep, kept, &o2, err)) ||
	    (d->info.latent_dim > 0 && keep_rows(&lt, keep, kept, &l2, err)))
		goto out;
	meta = li_labeled_edit_meta(d, e, &c, labels, prob, kept);

	if (li_labeled_writer_begin(&w, err))
		goto out;
	li_array la = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {kept}, .data = labels};
	if (li_labeled_save_at(w.gfd, "samples.npy", &s2, err) ||
	    li_labeled_save_at(w.gfd, "labels.npy", &la, err))
		goto out;
	if (o2.data || og.rank == 2) {
		if (!o2.data) {
			int64_t os[2] = {kept, og.rank == 2 ? og.shape[1] : 0};
			if (li_array_alloc(&o2, LI_DTYPE_F32, 2, os, err))
				goto out;
		}
		if (li_labeled_save_at(w.gfd, "origin.npy", &o2, err))
			goto out;
	}
	if ((l2.data && li_labeled_save_at(w.gfd, "latent.npy", &l2, err)) ||
	    li_labeled_write_classes(w.gfd, &c, err) || li_labeled_write_meta(w.gfd, meta, err) ||
	    li_labeled_writer_commit(&w, generation, err))
		goto out;
	rc = 0;
out:
	li_labeled_writer_end(&w, NULL);
	json_decref(meta);
	free(prob);
	li_array_release(&all);
	li_array_release(&og);
	li_array_release(&lt);
	li_array_release(&s2);
	li_array_release(&o2);
	li_array_release(&l2);
	free(keep);
	free(labels);
	li_labeled_free_names(c.v, c.n);
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}
