/*
 * Labeled data set folders: reading a generation, and appending by building the next
 * generation and swapping the `current` link (see labeled.h for the layout).
 *
 * Crash safety rests on three facts: a generation is complete (its files and directory
 * fsynced) before any link names it; rename(2) of a symbolic link over `current` is
 * atomic; and only a writer holding DATASET/.lock creates or removes generations, so
 * under the lock every gen-* folder other than the one `current` names and the one before
 * it is garbage from a crashed writer (or an older generation) and is removed. The
 * previous generation is kept one append longer, for readers that resolved `current` just
 * before the swap. Readers take no lock: they open the generation through the link, read
 * its files through that folder's descriptor, and retry when a writer pruned it under
 * them anyway.
 */
#include "labeled.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "labeled_internal.h"

/* ----- reading a generation ----- */

static int parse_gen(const char *s, long long *out)
{
	if (strncmp(s, "gen-", 4) != 0 || !s[4])
		return -1;
	long long v = 0;
	for (const char *p = s + 4; *p; p++) {
		if (*p < '0' || *p > '9' || v > LLONG_MAX / 10 - 1)
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return 0;
}

static FILE *open_at(int dfd, const char *name, li_err *err, int *enoent)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			*enoent = 1;
		li_err_set(err, errno == ENOENT ? LI_EDATA : LI_EIO, "'%s': %s", name,
			   errno == ENOENT ? "missing" : strerror(errno));
		return NULL;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		li_err_set(err, LI_ENOMEM, "out of memory");
	}
	return f;
}

void li_labeled_free_names(char **names, int64_t n)
{
	if (!names)
		return;
	for (int64_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

void li_labeled_close(li_labeled *d)
{
	if (!d)
		return;
	li_npy_close(d->rs);
	if (d->samples)
		fclose(d->samples);
	if (d->originf)
		fclose(d->originf);
	if (d->latentf)
		fclose(d->latentf);
	li_labeled_free_names(d->info.classes, d->info.n_classes);
	free(d->labels);
	json_decref(d->meta);
	free(d);
}

/* Reads the generation that dfd (a gen-* folder) holds into d. ENOENT on any file sets
 * *enoent, so that the caller can retry (a writer pruned the generation meanwhile). */
static int read_gen(li_labeled *d, int dfd, int *enoent, li_err *err)
{
	li_array lab = {0};
	FILE *f = NULL;
	d->samples = open_at(dfd, "samples.npy", err, enoent);
	if (!d->samples)
		goto fail;
	d->rs = li_npy_open(d->samples, err);
	if (!d->rs) {
		li_err_prefix(err, "'samples.npy'");
		goto fail;
	}
	const li_npy_info *si = li_npy_info_of(d->rs);
	if (si->rank < 1) {
		li_err_set(err, LI_EDATA, "'samples.npy' has no rows axis");
		goto fail;
	}
	d->info.rank = si->rank;
	memcpy(d->info.shape, si->shape, sizeof d->info.shape);
	d->info.count = si->shape[0];

	if (!(f = open_at(dfd, "labels.npy", err, enoent)))
		goto fail;
	if (li_npy_load(f, &lab, LI_DTYPE_I64, err)) {
		li_err_prefix(err, "'labels.npy'");
		goto fail;
	}
	fclose(f);
	f = NULL;
	if (lab.rank != 1 || lab.shape[0] != d->info.count) {
		li_err_set(err, LI_EDATA, "'labels.npy' does not hold one label per sample");
		goto fail;
	}
	d->labels = lab.data;
	lab.data = NULL;

	if (!(f = open_at(dfd, "classes.txt", err, enoent)))
		goto fail;
	if (li_labeled_read_classes(f, &d->info.classes, &d->info.n_classes, err)) {
		li_err_prefix(err, "'classes.txt'");
		goto fail;
	}
	fclose(f);
	f = NULL;
	for (int64_t i = 0; i < d->info.count; i++)
		if (d->labels[i] < 0 || d->labels[i] >= d->info.n_classes) {
			li_err_set(err, LI_EDATA, "'labels.npy': label %lld of sample %lld is not a class",
				   (long long)d->labels[i], (long long)i);
			goto fail;
		}

	if (!(d->originf = open_at(dfd, "origin.npy", err, enoent)))
		goto fail;
	li_npy_reader *orr = li_npy_open(d->originf, err);
	if (!orr) {
		li_err_prefix(err, "'origin.npy'");
		goto fail;
	}
	const li_npy_info *oi = li_npy_info_of(orr);
	int bad = oi->rank != 2 || oi->shape[0] != d->info.count;
	d->info.origin_dim = bad ? 0 : oi->shape[1];
	li_npy_close(orr);
	if (bad) {
		li_err_set(err, LI_EDATA, "'origin.npy' does not hold one row per sample");
		goto fail;
	}

	/* latent.npy is optional (data sets written before latent rows were kept) */
	int lfd = openat(dfd, "latent.npy", O_RDONLY | O_CLOEXEC);
	if (lfd < 0 && errno != ENOENT) {
		li_err_set(err, LI_EIO, "'latent.npy': %s", strerror(errno));
		goto fail;
	}
	if (lfd >= 0) {
		if (!(d->latentf = fdopen(lfd, "rb"))) {
			close(lfd);
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto fail;
		}
		li_npy_reader *lr = li_npy_open(d->latentf, err);
		if (!lr) {
			li_err_prefix(err, "'latent.npy'");
			goto fail;
		}
		const li_npy_info *li = li_npy_info_of(lr);
		bad = li->rank != 2 || li->shape[0] != d->info.count;
		d->info.latent_dim = bad ? 0 : li->shape[1];
		li_npy_close(lr);
		if (bad) {
			li_err_set(err, LI_EDATA, "'latent.npy' does not hold one row per sample");
			goto fail;
		}
	}

	/* meta.json is informative; a damaged one is an error, a missing one is not */
	int fd = openat(dfd, "meta.json", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		json_error_t je;
		d->meta = json_loadfd(fd, 0, &je);
		close(fd);
		if (!d->meta || !json_is_object(d->meta)) {
			if (d->meta)
				li_err_set(err, LI_EDATA, "'meta.json': not a JSON object");
			else
				li_err_set(err, LI_EDATA, "'meta.json': not valid JSON (line %d)", je.line);
			goto fail;
		}
		const char *dt = json_string_value(json_object_get(d->meta, "dtype"));
		li_dtype t;
		if (dt && li_dtype_parse(dt, &t) == 0)
			d->info.source_dtype = t;
	} else if (errno != ENOENT) {
		li_err_set(err, LI_EIO, "'meta.json': %s", strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (f)
		fclose(f);
	li_array_release(&lab);
	return err->code ? err->code : LI_EDATA;
}

li_labeled *li_labeled_open_gen(const char *dir, int allow_empty, li_err *err)
{
	char path[PATH_MAX], link[64];
	if (snprintf(path, sizeof path, "%s/current", dir) >= (int)sizeof path) {
		li_err_set(err, LI_EUSAGE, "path too long");
		return NULL;
	}
	/*
	 * A writer may prune the generation we are opening: then `current` names a newer one
	 * and we read that. A file missing from the generation that `current` still names
	 * is damage, reported as such.
	 */
	char failed[64] = "";
	for (int attempt = 0; attempt < 1000; attempt++) {
		li_labeled *d = calloc(1, sizeof *d);
		if (!d) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			return NULL;
		}
		d->info.source_dtype = (li_dtype)-1;
		ssize_t k = readlink(path, link, sizeof link - 1);
		if (k < 0) {
			int e = errno;
			struct stat st;
			if (e == ENOENT && allow_empty)
				return d;
			free(d);
			if (e == ENOENT && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				li_err_set(err, LI_EDATA, "not a labeled data set (no 'current' link)");
			else if (e == ENOENT)
				li_err_set(err, LI_EDATA, "no such data set");
			else if (e == ENOTDIR)
				li_err_set(err, LI_EDATA, "not a labeled data set (not a folder)");
			else if (e == EINVAL)
				li_err_set(err, LI_EDATA, "not a labeled data set ('current' is not a link)");
			else
				li_err_set(err, LI_EIO, "'current': %s", strerror(e));
			return NULL;
		}
		link[k] = 0;
		if (parse_gen(link, &d->info.generation) || strchr(link, '/')) {
			free(d);
			li_err_set(err, LI_EDATA, "not a labeled data set ('current' names '%s')", link);
			return NULL;
		}
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0) {
			int e = errno;
			free(d);
			if (e == ENOENT && strcmp(failed, link) != 0) {
				strcpy(failed, link);
				continue;
			}
			li_err_set(err, e == ENOENT ? LI_EDATA : LI_EIO, "'%s': %s", link,
				   e == ENOENT ? "missing ('current' names it)" : strerror(e));
			return NULL;
		}
		li_err e2 = {0};
		int enoent = 0;
		int rc = read_gen(d, dfd, &enoent, &e2);
		close(dfd);
		if (rc == 0)
			return d;
		li_labeled_close(d);
		if (enoent && strcmp(failed, link) != 0) {
			strcpy(failed, link);
			continue;
		}
		li_err_set(err, e2.code, "'%s': %s", link, e2.msg);
		return NULL;
	}
	li_err_set(err, LI_EIO, "the data set kept changing while being read");
	return NULL;
}

li_labeled *li_labeled_open(const char *dir, li_err *err)
{
	return li_labeled_open_gen(dir, 0, err);
}

const li_labeled_info *li_labeled_info_of(const li_labeled *d)
{
	return &d->info;
}

const int64_t *li_labeled_labels(const li_labeled *d)
{
	return d->labels;
}

void li_labeled_probabilities(const li_labeled *d, double *out)
{
	json_t *p = d->meta ? json_object_get(d->meta, "probability") : NULL;
	for (int64_t i = 0; i < d->info.count; i++) {
		json_t *v = json_is_array(p) ? json_array_get(p, (size_t)i) : NULL;
		out[i] = json_is_number(v) ? json_number_value(v) : NAN;
	}
}

int64_t li_labeled_read_samples(li_labeled *d, li_array *batch, int64_t max_rows, li_err *err)
{
	if (!d->rs)
		return 0;
	return li_npy_read_batch(d->rs, batch, LI_DTYPE_F32, max_rows, err);
}

int li_labeled_load_origin(li_labeled *d, li_array *out, li_err *err)
{
	if (!d->originf) {
		int64_t shape[2] = {0, 0};
		return li_array_alloc(out, LI_DTYPE_F32, 2, shape, err);
	}
	rewind(d->originf);
	return li_npy_load(d->originf, out, LI_DTYPE_F32, err);
}

int li_labeled_load_latent(li_labeled *d, li_array *out, li_err *err)
{
	if (!d->latentf) {
		int64_t shape[2] = {0, 0};
		return li_array_alloc(out, LI_DTYPE_F32, 2, shape, err);
	}
	rewind(d->latentf);
	return li_npy_load(d->latentf, out, LI_DTYPE_F32, err);
}

int li_labeled_load_samples(li_labeled *d, li_array *out, li_err *err)
{
	memset(out, 0, sizeof *out);
	if (!d->samples) {
		int64_t shape[1] = {0};
		return li_array_alloc(out, LI_DTYPE_F32, 1, shape, err);
	}
	if (li_array_alloc(out, LI_DTYPE_F32, d->info.rank, d->info.shape, err))
		return err->code;
	int64_t re = li_shape_row_elems(d->info.rank, d->info.shape), got = 0, k;
	while (got < d->info.count &&
	       (k = li_npy_read_rows(d->rs, (float *)out->data + got * re, LI_DTYPE_F32,
				     d->info.count - got, err)) > 0)
		got += k;
	if (got != d->info.count) {
		li_array_release(out);
		return li_err_set(err, LI_EDATA, "'samples.npy': truncated data");
	}
	return 0;
}
