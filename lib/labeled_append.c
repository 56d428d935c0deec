/*
 * Appending to a labeled data set folder: under DATASET/.lock (labeled_writer.c), check
 * the new rows against the current generation, resolve their labels to class indices
 * (labeled_classes.c; new names extend the class list), write the next generation beside
 * the current one (labeled_files.c, labeled_meta.c) and swap the `current` link. Every
 * check comes before the first byte is written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labeled_internal.h"

int li_labeled_append(const char *dir, const li_labeled_append_req *q, long long *generation,
		      li_err *err)
{
	li_labeled_writer w = LI_LABELED_WRITER_INIT;
	int rc = -1;
	li_class_list c = {0};
	int64_t *labels_all = NULL;
	double *prob = NULL;
	json_t *meta = NULL;

	const li_npy_info *si = li_npy_info_of(q->samples);
	if (si->rank < 1)
		return li_err_set(err, LI_EDATA, "samples have no rows axis (a 0-d array)");
	int64_t rows = si->shape[0];
	if (q->origin && (q->origin->dtype != LI_DTYPE_F32 || q->origin->rank != 2 ||
			  q->origin->shape[0] != rows))
		return li_err_set(err, LI_EDATA, "%lld origin rows for %lld samples",
				  (long long)(q->origin->rank ? q->origin->shape[0] : 1), (long long)rows);
	if (q->latent && (q->latent->dtype != LI_DTYPE_F32 || q->latent->rank != 2 ||
			  q->latent->shape[0] != rows))
		return li_err_set(err, LI_EDATA, "%lld latent rows for %lld samples",
				  (long long)(q->latent->rank ? q->latent->shape[0] : 1), (long long)rows);

	int created = mkdir(dir, 0755) == 0;
	if (!created && errno != EEXIST)
		return li_err_set(err, LI_EIO, "cannot create the folder: %s", strerror(errno));
	w.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.dirfd < 0) {
		li_err_set(err, errno == ENOTDIR ? LI_EDATA : LI_EIO, "%s",
			   errno == ENOTDIR ? "not a labeled data set (not a folder)" : strerror(errno));
		goto out;
	}
	if (li_labeled_writer_lock(&w, dir, 1, err))
		goto out;
	li_labeled *d = w.d;
	if (d->info.generation == 0 && li_labeled_sweep(w.dirfd, NULL, NULL, 1, err))
		goto out;

	/* everything that can be refused is refused before the first byte is written */
	li_dtype dtype = si->dtype;
	int rank = si->rank;
	int64_t shape[LI_MAX_RANK];
	memcpy(shape, si->shape, sizeof shape);
	if (d->info.generation > 0) {
		char want[256], got[256];
		if (d->info.rank != rank ||
		    memcmp(d->info.shape + 1, si->shape + 1, (size_t)(rank - 1) * sizeof *shape)) {
			li_shape_format(d->info.rank - 1, d->info.shape + 1, want, sizeof want);
			li_shape_format(rank - 1, si->shape + 1, got, sizeof got);
			li_err_set(err, LI_EDATA, "samples have rows of shape %s but the data set's are %s",
				   got, want);
			goto out;
		}
		if ((int)d->info.source_dtype >= 0 && d->info.source_dtype != dtype) {
			li_err_set(err, LI_EDATA, "samples are %s but the data set's are %s",
				   li_dtype_name(dtype), li_dtype_name(d->info.source_dtype));
			goto out;
		}
		if ((int)d->info.source_dtype >= 0)
			dtype = d->info.source_dtype;
		if (d->info.count > INT64_MAX / 2 - rows) {
			li_err_set(err, LI_EDATA, "too many samples");
			goto out;
		}
		shape[0] = d->info.count + rows;
	}
	int64_t kdim = d->info.origin_dim;
	if (q->origin) {
		int64_t k2 = q->origin->shape[1];
		if (kdim > 0 && k2 != kdim) {
			li_err_set(err, LI_EDATA, "origin rows have %lld values but the data set's have %lld",
				   (long long)k2, (long long)kdim);
			goto out;
		}
		kdim = k2;
	}
	int64_t ldim = d->info.latent_dim;
	if (q->latent) {
		int64_t l2 = q->latent->shape[1];
		if (ldim > 0 && l2 != ldim) {
			li_err_set(err, LI_EDATA, "latent rows have %lld values but the data set's have "
				   "%lld (another cut?)", (long long)l2, (long long)ldim);
			goto out;
		}
		ldim = l2;
	}
	int64_t total = shape[0];
	size_t nb;
	if (li_mul_size((size_t)total + 1, sizeof *labels_all, &nb) ||
	    !(labels_all = malloc(nb)) || !(prob = malloc(((size_t)rows + 1) * sizeof *prob))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (d->info.count)
		memcpy(labels_all, d->labels, (size_t)d->info.count * sizeof *labels_all);
	if (li_labeled_resolve_append(d, q, rows, &c, labels_all + d->info.count, prob, err))
		goto out;

	if (li_labeled_writer_begin(&w, err))
		goto out;
	long long gen = d->info.generation + 1;
	meta = li_labeled_append_meta(d, q, gen, total, rows, labels_all, &c, prob, rank, shape,
				      dtype, kdim);
	if (!meta) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (li_labeled_write_gen(w.gfd, d, q, rank, shape, rows, labels_all, &c, kdim, ldim, meta,
				 err) ||
	    li_labeled_writer_commit(&w, generation, err))
		goto out;
	rc = 0;
out:
	/* a failed first append leaves no folder behind */
	li_labeled_writer_end(&w, rc && created ? dir : NULL);
	json_decref(meta);
	free(prob);
	free(labels_all);
	li_labeled_free_names(c.v, c.n);
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}
