/*
 * Labeled data-set folders as li-label writes them (li-dataset(5): DATASET/current is a
 * symbolic link to the newest complete generation DATASET/gen-NNNNNN/ holding
 * samples.npy, labels.npy, classes.txt, origin.npy and meta.json). This is the reader:
 * samples stream from samples.npy, labels (int64, one per sample) and class names are
 * loaded whole. The link is resolved once, so a concurrent append (which swaps the link)
 * does not mix generations. A generation folder itself may be named too.
 */
#include "data_internal.h"
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int64_t folder_read(li_data *d, li_array *batch, li_dtype want, int64_t max, li_err *err)
{
	int64_t k = li_npy_read_batch(d->impl, batch, want, max, err);
	if (k <= 0)
		return k;
	if (d->done + k > d->labels.shape[0])
		return li_err_set(err, LI_EDATA, "more samples than labels");
	if (li_data_reserve_labels(d, k, err))
		return err->code;
	memcpy(d->batch_labels, (int64_t *)d->labels.data + d->done, (size_t)k * sizeof(int64_t));
	if (d->row_rank == 0)
		batch->rank = 1;
	return k;
}

static void folder_close(li_data *d)
{
	li_npy_close(d->impl);
}

static const li_data_ops folder_ops = {folder_read, folder_close};

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Opens name inside the folder dfd; NULL with errno set. */
static FILE *open_in(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	FILE *f = fd >= 0 ? fdopen(fd, "rb") : NULL;
	if (fd >= 0 && !f)
		close(fd);
	return f;
}

/*
 * Reads the generation folder dfd holds into d. A file missing (ENOENT) sets *gone: a
 * writer may have pruned the generation after we resolved `current`, and the caller
 * retries on the link's new target.
 */
static int open_gen(li_data *d, int dfd, int *gone, li_err *err)
{
	*gone = 0;
	FILE *f = open_in(dfd, "labels.npy");
	if (!f) {
		*gone = errno == ENOENT;
		return li_err_set(err, LI_EDATA, "labels.npy: %s", strerror(errno));
	}
	int rc = li_npy_load(f, &d->labels, LI_DTYPE_I64, err);
	fclose(f);
	if (rc) {
		li_err_prefix(err, "labels.npy");
		return err->code;
	}
	if (d->labels.rank != 1)
		return li_err_set(err, LI_EDATA, "labels.npy: rank %d, expected 1", d->labels.rank);
	/* class names (optional: integer labels without names) */
	if ((f = open_in(dfd, "classes.txt"))) {
		rc = li_classmap_read(&d->classes, f, "classes.txt", err);
		fclose(f);
		if (rc)
			return rc;
	} else if (errno != ENOENT) {
		return li_err_set(err, LI_EIO, "classes.txt: %s", strerror(errno));
	}
	const int64_t *y = d->labels.data;
	for (int64_t i = 0; i < d->labels.shape[0]; i++)
		if (y[i] < 0 || (d->classes.n && y[i] >= d->classes.n))
			return li_err_set(err, LI_EDATA, "labels.npy: label %lld of sample %lld is not a "
					  "class index (%lld classes)", (long long)y[i], (long long)i,
					  (long long)d->classes.n);
	/* samples: an open file stays readable even when a writer prunes it later */
	d->own_file = open_in(dfd, "samples.npy");
	if (!d->own_file) {
		*gone = errno == ENOENT;
		return li_err_set(err, LI_EDATA, "samples.npy: %s", strerror(errno));
	}
	d->file = d->own_file;
	li_npy_reader *r = li_npy_open(d->file, err);
	if (!r) {
		li_err_empty_file(err);
		li_err_prefix(err, "samples.npy");
		return err->code;
	}
	d->impl = r;
	d->ops = &folder_ops;
	const li_npy_info *info = li_npy_info_of(r);
	d->dtype = info->dtype;
	li_data_set_shape(d, info->rank, info->shape);
	if (d->rows != d->labels.shape[0])
		return li_err_set(err, LI_EDATA, "%lld samples but %lld labels", (long long)d->rows,
				  (long long)d->labels.shape[0]);
	d->has_labels = 1;
	return 0;
}

/* Undoes a failed open_gen, for the next try. */
static void reset_gen(li_data *d)
{
	li_npy_close(d->impl);
	d->impl = NULL;
	d->ops = NULL;
	if (d->own_file)
		fclose(d->own_file);
	d->own_file = d->file = NULL;
	li_array_release(&d->labels);
	li_classmap_release(&d->classes);
}

int li_data_open_folder(li_data *d, const char *path, li_err *err)
{
	char buf[PATH_MAX + 32];
	if (snprintf(buf, sizeof buf, "%s/current", path) >= (int)sizeof buf)
		return li_err_set(err, LI_EUSAGE, "path too long");
	struct stat st;
	int linked = lstat(buf, &st) == 0;
	if (!linked) {
		/* a generation folder named itself */
		if (snprintf(buf, sizeof buf, "%s/samples.npy", path) >= (int)sizeof buf)
			return li_err_set(err, LI_EUSAGE, "path too long");
		if (!exists(buf))
			return li_err_set(err, LI_EDATA, "is a directory, not a labeled data set "
					  "(no current link, no samples.npy)");
		snprintf(buf, sizeof buf, "%s", path);
	}
	/*
	 * The generation `current` names is opened once (its folder's descriptor held), so
	 * every file comes from one generation. A writer keeps the previous generation for
	 * one append; a reader slower than that finds a file gone and tries the link's new
	 * target (a bounded number of times).
	 */
	for (int attempt = 0; attempt < 100; attempt++) {
		int dfd = open(buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			if (linked && errno == ENOENT && attempt + 1 < 100)
				continue; /* pruned between readlink and open: try again */
			return li_err_set(err, LI_EIO, "'current': %s", strerror(errno));
		}
		int gone, rc = open_gen(d, dfd, &gone, err);
		close(dfd);
		if (rc == 0 || !gone || !linked)
			return rc;
		reset_gen(d);
		li_err_clear(err);
	}
	return li_err_set(err, LI_EIO, "the data set kept changing while being read");
}
