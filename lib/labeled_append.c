/*
 * Appending to a labeled data set folder: under DATASET/.lock, check the new rows against
 * the current generation, resolve their labels to class indices (new names extend the
 * class list), write the next generation beside the current one, fsync it, and swap the
 * `current` link with rename(2). Then prune, keeping the generation that was current (a
 * reader may be reading it). See labeled.c for why this is crash safe.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "labeled_internal.h"

/* A class name must survive classes.txt (one per line) and text label files (trimmed). */
static int check_name(const char *s, li_err *err)
{
	size_t n = strlen(s);
	if (n == 0)
		return li_err_set(err, LI_EDATA, "empty class name");
	if (n > 1024)
		return li_err_set(err, LI_EDATA, "class name longer than 1024 bytes");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return li_err_set(err, LI_EDATA, "class name '%.40s' holds a control character", s);
	if (s[0] == ' ' || s[n - 1] == ' ')
		return li_err_set(err, LI_EDATA, "class name '%s' begins or ends with a space", s);
	return 0;
}

typedef struct classes {
	char **v;
	int n, m;
} classes;

static int class_add(classes *c, const char *name, li_err *err)
{
	if (check_name(name, err))
		return -1;
	if (c->n == INT_MAX / 2)
		return li_err_set(err, LI_EDATA, "too many classes");
	if (c->n == c->m) {
		int m = c->m ? c->m * 2 : 16;
		char **v = realloc(c->v, (size_t)m * sizeof *v);
		if (!v)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		c->v = v;
		c->m = m;
	}
	if (!(c->v[c->n] = strdup(name)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return c->n++;
}

/* The index of name, added at the end when new. Negative on error. */
static int64_t class_find(classes *c, const char *name, li_err *err)
{
	for (int i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], name))
			return i;
	return class_add(c, name, err);
}

/* Merges the data set's classes with the request's list and resolves every label. */
static int resolve(const li_labeled *d, const li_labeled_append_req *q, int64_t rows,
		   classes *c, int64_t *labels, double *prob, li_err *err)
{
	for (int i = 0; i < d->info.n_classes; i++)
		if (class_add(c, d->info.classes[i], err) < 0)
			return -1;
	for (int i = 0; i < q->n_classes; i++) {
		if (i < c->n) {
			if (strcmp(c->v[i], q->classes[i]))
				return li_err_set(err, LI_EDATA,
						  "class %d is '%s' in the data set but '%s' in the class list",
						  i, c->v[i], q->classes[i]);
		} else if (class_add(c, q->classes[i], err) < 0) {
			return -1;
		} else {
			for (int j = 0; j < i; j++)
				if (!strcmp(c->v[j], q->classes[i]))
					return li_err_set(err, LI_EDATA, "class list names '%s' twice",
							  q->classes[i]);
		}
	}
	int sources = !!q->index + !!q->names + !!q->name;
	if (sources != 1)
		return li_err_set(err, LI_EUSAGE, "give exactly one source of labels");
	if ((q->index || q->names) && q->n_labels != rows)
		return li_err_set(err, LI_EDATA, "%lld labels for %lld samples",
				  (long long)q->n_labels, (long long)rows);
	if (q->index) {
		if (c->n == 0) { /* no names yet: the classes are called by their numbers */
			char num[32];
			for (int64_t i = 0; i < q->index_bound; i++) {
				snprintf(num, sizeof num, "%lld", (long long)i);
				if (class_add(c, num, err) < 0)
					return -1;
			}
		}
		for (int64_t i = 0; i < rows; i++) {
			if (q->index[i] < 0 || q->index[i] >= c->n)
				return li_err_set(err, LI_EDATA, "label %lld of sample %lld is not a class (%d classes)",
						  (long long)q->index[i], (long long)i, c->n);
			labels[i] = q->index[i];
		}
		if (q->index_bound > c->n)
			return li_err_set(err, LI_EDATA, "labels imply %lld classes but the data set has %d",
					  (long long)q->index_bound, c->n);
	} else if (q->names) {
		for (int64_t i = 0; i < rows; i++)
			if ((labels[i] = class_find(c, q->names[i], err)) < 0)
				return -1;
	} else {
		int64_t k = class_find(c, q->name, err);
		if (k < 0)
			return -1;
		for (int64_t i = 0; i < rows; i++)
			labels[i] = k;
	}
	for (int64_t i = 0; i < rows; i++)
		prob[i] = q->prob ? q->prob[i] : NAN;
	for (int i = 0; i < q->n_set; i++) {
		int64_t s = q->set_index[i];
		if (s < 0 || s >= rows)
			return li_err_set(err, LI_EDATA, "no sample %lld to relabel (%lld samples)",
					  (long long)s, (long long)rows);
		if ((labels[s] = class_find(c, q->set_name[i], err)) < 0)
			return -1;
		prob[s] = NAN; /* labeled by hand now */
	}
	return 0;
}

/* ----- files ----- */

static FILE *create_at(int dfd, const char *name, li_err *err)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!f) {
		li_err_set(err, LI_EIO, "cannot create '%s': %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* Flushes, fsyncs and closes f; 0 or negative. */
static int finish(FILE *f, const char *name, li_err *err)
{
	int bad = ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0;
	int e = errno;
	bad |= fclose(f) != 0;
	if (bad)
		return li_err_set(err, LI_EIO, "writing '%s': %s", name, strerror(e ? e : errno));
	return 0;
}

/* Writes a to name in gfd as .npy, synced. 0 or negative. */
static int save_at(int gfd, const char *name, const li_array *a, li_err *err)
{
	FILE *f = create_at(gfd, name, err);
	if (!f)
		return -1;
	if (li_npy_save(f, a, err)) {
		fclose(f);
		return -1;
	}
	return finish(f, name, err);
}

/* classes.txt: one name a line, synced. 0 or negative. */
static int write_classes(int gfd, const classes *c, li_err *err)
{
	FILE *f = create_at(gfd, "classes.txt", err);
	if (!f)
		return -1;
	for (int i = 0; i < c->n; i++)
		fprintf(f, "%s\n", c->v[i]);
	return finish(f, "classes.txt", err);
}

/* meta.json, synced. 0 or negative. */
static int write_meta(int gfd, const json_t *meta, li_err *err)
{
	FILE *f = create_at(gfd, "meta.json", err);
	if (!f)
		return -1;
	if (json_dumpf(meta, f, JSON_INDENT(1) | JSON_REAL_PRECISION(9)) != 0 || fputc('\n', f) == EOF) {
		li_err_set(err, LI_EIO, "writing 'meta.json': %s", strerror(errno));
		fclose(f);
		return -1;
	}
	return finish(f, "meta.json", err);
}

/* Removes a generation folder (its files, then itself). Best effort. */
static void remove_gen(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *dp = fdopendir(fd);
		if (dp) {
			struct dirent *de;
			while ((de = readdir(dp)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					unlinkat(fd, de->d_name, 0);
			closedir(dp);
		} else {
			close(fd);
		}
	}
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Under the lock: removes every generation but keep and keep2 (NULL: none), and a stray
 * link. With check, refuses a folder that holds anything else (it is not ours). */
static int sweep(int dirfd, const char *keep, const char *keep2, int check, li_err *err)
{
	int fd = dup(dirfd);
	DIR *dp = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dp) {
		if (fd >= 0)
			close(fd);
		return li_err_set(err, LI_EIO, "cannot list the folder: %s", strerror(errno));
	}
	rewinddir(dp);
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(dp))) {
		const char *s = de->d_name;
		if (!strcmp(s, ".") || !strcmp(s, "..") || !strcmp(s, ".lock") || !strcmp(s, "current"))
			continue;
		if (!strncmp(s, "gen-", 4)) {
			if ((!keep || strcmp(s, keep)) && (!keep2 || strcmp(s, keep2)))
				remove_gen(dirfd, s);
		} else if (!strcmp(s, "current.tmp")) {
			unlinkat(dirfd, s, 0);
		} else if (check) {
			rc = li_err_set(err, LI_EDATA, "not a labeled data set (the folder holds '%s')", s);
			break;
		}
	}
	closedir(dp);
	return rc;
}

static json_t *shape_json(int rank, const int64_t *shape)
{
	json_t *a = json_array();
	for (int i = 0; i < rank; i++)
		json_array_append_new(a, json_integer(shape[i]));
	return a;
}

/* The time now as meta.json gives it: UTC, ISO 8601. */
static void utc_now(char when[32])
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* meta.json's class_counts: how many of the n labels name each class. */
static json_t *class_counts_json(const int64_t *labels, int64_t n, int n_classes)
{
	json_t *counts = json_array();
	int64_t *k = calloc((size_t)n_classes + 1, sizeof *k);
	for (int64_t i = 0; k && i < n; i++)
		if (labels[i] >= 0 && labels[i] < n_classes)
			k[labels[i]]++;
	for (int i = 0; i < n_classes; i++)
		json_array_append_new(counts, json_integer(k ? k[i] : 0));
	free(k);
	return counts;
}

/* One entry of meta.json's probability: the number, or null where there is none (NaN). */
static void append_prob(json_t *a, double v)
{
	json_array_append_new(a, isfinite(v) ? json_real(v) : json_null());
}

/* meta.json of the new generation: the old one's history plus this append. */
static json_t *new_meta(const li_labeled *d, const li_labeled_append_req *q, long long gen,
			int64_t total, int64_t rows, const int64_t *labels_all, const classes *c,
			const double *prob, int rank, const int64_t *shape, li_dtype dtype,
			int64_t kdim)
{
	char when[32];
	utc_now(when);
	json_t *m = json_object();
	json_object_set_new(m, "format", json_string("li-labeled"));
	json_object_set_new(m, "version", json_integer(1));
	json_object_set_new(m, "generation", json_integer(gen));
	json_object_set_new(m, "count", json_integer(total));
	json_object_set_new(m, "classes", json_integer(c->n));
	json_object_set_new(m, "class_counts", class_counts_json(labels_all, total, c->n));
	json_object_set_new(m, "row_shape", shape_json(rank - 1, shape + 1));
	json_object_set_new(m, "dtype", json_string(li_dtype_name(dtype)));
	json_object_set_new(m, "origin_dim", json_integer(kdim));
	json_object_set_new(m, "time", json_string(when));
	json_object_set_new(m, "made_by", json_string(q->made_by ? q->made_by : "li-labeled"));

	/* per-sample probability of the label a probe gave (null: not from a probe) */
	json_t *old = d->meta ? json_object_get(d->meta, "probability") : NULL;
	json_t *p = json_array();
	for (int64_t i = 0; i < total; i++) {
		double v = NAN;
		if (i < d->info.count) {
			json_t *e = json_is_array(old) ? json_array_get(old, (size_t)i) : NULL;
			v = json_is_number(e) ? json_number_value(e) : NAN;
		} else {
			v = prob[i - d->info.count];
		}
		append_prob(p, v);
	}
	json_object_set_new(m, "probability", p);

	json_t *hist = d->meta ? json_object_get(d->meta, "appends") : NULL;
	hist = json_is_array(hist) ? json_deep_copy(hist) : json_array();
	json_t *h = json_object();
	json_object_set_new(h, "time", json_string(when));
	json_object_set_new(h, "rows", json_integer(rows));
	json_object_set_new(h, "labels", json_string(q->source ? q->source : ""));
	json_object_set_new(h, "relabeled", json_integer(q->n_set));
	json_object_set_new(h, "made_by", json_string(q->made_by ? q->made_by : "li-labeled"));
	json_array_append_new(hist, h);
	json_object_set_new(m, "appends", hist);
	return m;
}

/*
 * Writes name (origin.npy, or latent.npy when latent) of total rows x dim: the data set's
 * rows first (NaN rows where it had none or they had another width), then the new ones
 * (NaN rows when add is NULL). 0 or negative.
 */
static int write_side(int gfd, const char *name, li_labeled *d, int latent, const li_array *add,
		      int64_t total, int64_t dim, li_err *err)
{
	li_array old = {0};
	li_npy_writer *w = NULL;
	FILE *f = NULL;
	float *row = NULL;
	int rc = -1;
	int64_t shape[2] = {total, dim};
	if (latent ? li_labeled_load_latent(d, &old, err) : li_labeled_load_origin(d, &old, err))
		goto out;
	if (!(f = create_at(gfd, name, err)) ||
	    !(w = li_npy_writer_open(f, LI_DTYPE_F32, 2, shape, err)))
		goto out;
	if (!(row = malloc((size_t)(dim > 0 ? dim : 1) * sizeof *row))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < total; i++) {
		const float *src = NULL;
		int64_t sk = 0;
		if (i < d->info.count) {
			src = old.data && old.rank == 2 && old.shape[0] > i
				      ? (const float *)old.data + i * old.shape[1] : NULL;
			sk = old.rank == 2 ? old.shape[1] : 0;
		} else if (add) {
			src = (const float *)add->data + (i - d->info.count) * dim;
			sk = dim;
		}
		for (int64_t j = 0; j < dim; j++)
			row[j] = src && sk == dim ? src[j] : NAN;
		if (li_npy_write_rows(w, row, 1, err))
			goto out;
	}
	rc = li_npy_writer_close(w, err);
	w = NULL;
	if (rc)
		goto out;
	rc = finish(f, name, err);
	f = NULL;
out:
	free(row);
	li_npy_writer_free(w);
	if (f)
		fclose(f);
	li_array_release(&old);
	return rc ? -1 : 0;
}

/* Writes the generation's files into gfd. The old rows come from d, the new from q. */
static int write_gen(int gfd, li_labeled *d, const li_labeled_append_req *q, int rank,
		     const int64_t *shape, int64_t rows, const int64_t *labels_all,
		     const classes *c, int64_t kdim, int64_t ldim, json_t *meta, li_err *err)
{
	int64_t total = shape[0];
	li_array batch = {0};
	li_npy_writer *w = NULL;
	FILE *f = NULL;
	int rc = -1;

	/* samples: the old rows, then the new ones as they stream in */
	if (!(f = create_at(gfd, "samples.npy", err)))
		goto out;
	if (!(w = li_npy_writer_open(f, LI_DTYPE_F32, rank, shape, err)))
		goto out;
	int64_t re = li_shape_row_elems(rank, shape);
	int64_t per = re > 0 ? (1 << 20) / re : 1 << 20;
	if (per < 1)
		per = 1;
	int64_t k, got = 0;
	while (d->rs && (k = li_npy_read_batch(d->rs, &batch, LI_DTYPE_F32, per, err)) > 0)
		if (li_npy_write_rows(w, batch.data, k, err))
			goto out;
	if (err->code) {
		li_err_prefix(err, "reading the current samples");
		goto out;
	}
	while ((k = li_npy_read_batch(q->samples, &batch, LI_DTYPE_F32, per, err)) > 0) {
		if (li_npy_write_rows(w, batch.data, k, err))
			goto out;
		got += k;
	}
	if (k < 0) {
		li_err_prefix(err, "samples");
		goto out;
	}
	if (got != rows) {
		li_err_set(err, LI_EDATA, "samples: %lld rows arrived of %lld", (long long)got,
			   (long long)rows);
		goto out;
	}
	rc = li_npy_writer_close(w, err);
	w = NULL;
	if (rc)
		goto out;
	rc = finish(f, "samples.npy", err);
	f = NULL;
	if (rc)
		goto out;
	rc = -1;

	/* labels, classes; origin and latent: the old rows (NaN where the data set had none),
	 * then the new; meta */
	li_array a = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {total}, .data = (void *)labels_all};
	if (save_at(gfd, "labels.npy", &a, err) || write_classes(gfd, c, err) ||
	    write_side(gfd, "origin.npy", d, 0, q->origin, total, kdim, err) ||
	    (ldim > 0 && write_side(gfd, "latent.npy", d, 1, q->latent, total, ldim, err)) ||
	    write_meta(gfd, meta, err))
		goto out;
	rc = 0;
out:
	li_npy_writer_free(w);
	if (f)
		fclose(f);
	li_array_release(&batch);
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}

/*
 * Makes the complete generation gname (open as gfd) current: it and its folder entry synced, a new link
 * renamed over `current`, the folder synced, then the generation before the one that was
 * current (prune, "" for none) removed: the one that was current stays as the previous
 * one, for readers that resolved `current` a moment ago. *made is cleared once `current`
 * names gname. 0 or negative.
 */
static int swap_in(int dirfd, int gfd, const char *gname, const char *prune, int *made,
		   li_err *err)
{
	if (fsync(gfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the generation: %s", strerror(errno));
	/* the generation's own entry is on disk before any link can name it */
	if (fsync(dirfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the folder: %s", strerror(errno));
	if (symlinkat(gname, dirfd, "current.tmp") != 0 ||
	    renameat(dirfd, "current.tmp", dirfd, "current") != 0) {
		li_err_set(err, LI_EIO, "cannot switch 'current': %s", strerror(errno));
		unlinkat(dirfd, "current.tmp", 0);
		return -1;
	}
	*made = 0;
	if (fsync(dirfd) != 0)
		return li_err_set(err, LI_EIO, "syncing the folder: %s", strerror(errno));
	if (prune[0])
		remove_gen(dirfd, prune);
	return 0;
}

/* ----- one write under the lock ----- */

/* A writer's hold on a data set folder: the folder, its lock, the generation read under
 * the lock, and the next one while it is built (removed again unless it became current). */
typedef struct writing {
	int dirfd, lockfd, gfd, made;
	li_labeled *d;
	char gname[64], prevname[64];
} writing;

#define WRITING_INIT {.dirfd = -1, .lockfd = -1, .gfd = -1}

/* Locks the folder (open as w->dirfd) and reads its current generation; allow_empty: a
 * folder without one gives an empty handle. 0 or negative. */
static int writing_lock(writing *w, const char *dir, int allow_empty, li_err *err)
{
	w->lockfd = openat(w->dirfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->lockfd < 0 || flock(w->lockfd, LOCK_EX) != 0)
		return li_err_set(err, LI_EIO, "cannot lock '.lock': %s", strerror(errno));
	return (w->d = li_labeled_open_gen(dir, allow_empty, err)) ? 0 : -1;
}

/*
 * Clears what a crashed writer left, then makes the next generation's folder, open as
 * w->gfd. The generation before the current one stays until the new one is swapped in: a
 * reader that resolved `current` a moment ago still finds every file of the generation
 * it read. 0 or negative.
 */
static int writing_begin(writing *w, li_err *err)
{
	char oldname[64] = "";
	long long g = w->d->info.generation;
	if (g > 0)
		snprintf(oldname, sizeof oldname, "gen-%06lld", g);
	if (g > 1)
		snprintf(w->prevname, sizeof w->prevname, "gen-%06lld", g - 1);
	if (sweep(w->dirfd, oldname[0] ? oldname : NULL, w->prevname[0] ? w->prevname : NULL, 0,
		  err))
		return -1;
	snprintf(w->gname, sizeof w->gname, "gen-%06lld", g + 1);
	if (mkdirat(w->dirfd, w->gname, 0755) != 0)
		return li_err_set(err, LI_EIO, "cannot create '%s': %s", w->gname, strerror(errno));
	w->made = 1;
	w->gfd = openat(w->dirfd, w->gname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->gfd < 0)
		return li_err_set(err, LI_EIO, "'%s': %s", w->gname, strerror(errno));
	return 0;
}

/* Makes the built generation current (swap_in); *generation, when not NULL, gets its
 * number. 0 or negative. */
static int writing_commit(writing *w, long long *generation, li_err *err)
{
	if (swap_in(w->dirfd, w->gfd, w->gname, w->prevname, &w->made, err))
		return -1;
	if (generation)
		*generation = w->d->info.generation + 1;
	return 0;
}

/*
 * Lets go: removes a generation that did not become current and closes the handle; with
 * remove_dir (a failed first append) removes the lock file and that folder, which this
 * writer made, while still holding the lock; then releases the lock.
 */
static void writing_end(writing *w, const char *remove_dir)
{
	if (w->made)
		remove_gen(w->dirfd, w->gname);
	if (w->gfd >= 0)
		close(w->gfd);
	li_labeled_close(w->d);
	if (remove_dir && w->dirfd >= 0) {
		unlinkat(w->dirfd, ".lock", 0);
		rmdir(remove_dir);
	}
	if (w->lockfd >= 0)
		close(w->lockfd);
	if (w->dirfd >= 0)
		close(w->dirfd);
}

int li_labeled_append(const char *dir, const li_labeled_append_req *q, long long *generation,
		      li_err *err)
{
	writing w = WRITING_INIT;
	int rc = -1;
	classes c = {0};
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
	if (writing_lock(&w, dir, 1, err))
		goto out;
	li_labeled *d = w.d;
	if (d->info.generation == 0 && sweep(w.dirfd, NULL, NULL, 1, err))
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
	if (resolve(d, q, rows, &c, labels_all + d->info.count, prob, err))
		goto out;

	if (writing_begin(&w, err))
		goto out;
	long long gen = d->info.generation + 1;
	meta = new_meta(d, q, gen, total, rows, labels_all, &c, prob, rank, shape, dtype, kdim);
	if (!meta) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (write_gen(w.gfd, d, q, rank, shape, rows, labels_all, &c, kdim, ldim, meta, err) ||
	    writing_commit(&w, generation, err))
		goto out;
	rc = 0;
out:
	/* a failed first append leaves no folder behind */
	writing_end(&w, rc && created ? dir : NULL);
	json_decref(meta);
	free(prob);
	free(labels_all);
	li_labeled_free_names(c.v, c.n);
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}

/* ----- removing and relabeling ----- */

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

/*
 * The labels and probabilities the edit e leaves of d's n samples: keep[i] cleared for a
 * removed sample, labels and prob (n entries, caller's buffers) compacted to the kept
 * ones, relabeled samples with their new class (a new name added to c, which starts as
 * d's class list) and no probability. The kept count, or negative.
 */
static int64_t edit_labels(const li_labeled *d, const li_labeled_edit_req *e, classes *c,
			   char *keep, int64_t *labels, double *prob, li_err *err)
{
	int64_t n = d->info.count, kept = 0;
	memset(keep, 1, (size_t)n + 1);
	memcpy(labels, d->labels, (size_t)n * sizeof *labels);
	li_labeled_probabilities(d, prob);
	for (int i = 0; i < d->info.n_classes; i++)
		if (class_add(c, d->info.classes[i], err) < 0)
			return -1;
	for (int64_t i = 0; i < e->n_remove; i++) {
		int64_t k = e->remove[i];
		if (k < 0 || k >= n)
			return li_err_set(err, LI_EDATA, "no sample %lld to remove (%lld samples)",
					  (long long)k, (long long)n);
		keep[k] = 0;
	}
	for (int64_t i = 0; i < e->n_relabel; i++) {
		int64_t k = e->relabel_index[i];
		if (k < 0 || k >= n || !keep[k])
			return li_err_set(err, LI_EDATA, "no sample %lld to relabel (%lld samples%s)",
					  (long long)k, (long long)n,
					  k >= 0 && k < n ? "; it is removed" : "");
		int64_t cls = class_find(c, e->relabel_name[i], err);
		if (cls < 0)
			return -1;
		labels[k] = cls;
		prob[k] = NAN; /* labeled by hand now */
	}
	for (int64_t i = 0; i < n; i++)
		if (keep[i]) {
			labels[kept] = labels[i];
			prob[kept] = prob[i];
			kept++;
		}
	return kept;
}

/* meta.json after an edit: d's with the new counts, probabilities and an entry in the
 * history of edits. */
static json_t *edit_meta(const li_labeled *d, const li_labeled_edit_req *e, const classes *c,
			 const int64_t *labels, const double *prob, int64_t kept)
{
	json_t *meta = d->meta ? json_deep_copy(d->meta) : json_object();
	char when[32];
	utc_now(when);
	json_t *pa = json_array(), *h = json_object();
	for (int64_t i = 0; i < kept; i++)
		append_prob(pa, prob[i]);
	json_object_set_new(meta, "generation", json_integer(d->info.generation + 1));
	json_object_set_new(meta, "count", json_integer(kept));
	json_object_set_new(meta, "classes", json_integer(c->n));
	json_object_set_new(meta, "class_counts", class_counts_json(labels, kept, c->n));
	json_object_set_new(meta, "probability", pa);
	json_object_set_new(meta, "time", json_string(when));
	json_object_set_new(h, "time", json_string(when));
	json_object_set_new(h, "removed", json_integer(d->info.count - kept));
	json_object_set_new(h, "relabeled", json_integer(e->n_relabel));
	json_object_set_new(h, "made_by", json_string(e->made_by ? e->made_by : "li-labeled"));
	json_t *hist = json_object_get(meta, "edits");
	if (!json_is_array(hist)) {
		hist = json_array();
		json_object_set_new(meta, "edits", hist);
	}
	json_array_append_new(hist, h);
	return meta;
}

int li_labeled_edit(const char *dir, const li_labeled_edit_req *e, long long *generation,
		    li_err *err)
{
	writing w = WRITING_INIT;
	classes c = {0};
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
	if (writing_lock(&w, dir, 0, err))
		goto out;
	li_labeled *d = w.d;
	int64_t n = d->info.count;
	if (!(keep = malloc((size_t)n + 1)) || !(labels = malloc(((size_t)n + 1) * sizeof *labels)) ||
	    !(prob = calloc((size_t)n + 1, sizeof *prob))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if ((kept = edit_labels(d, e, &c, keep, labels, prob, err)) < 0)
		goto out;
	if (li_labeled_load_samples(d, &all, err) || li_labeled_load_origin(d, &og, err) ||
	    li_labeled_load_latent(d, &lt, err) || keep_rows(&all, keep, kept, &s2, err) ||
	    (og.rank == 2 && og.shape[0] == n && keep_rows(&og, keep, kept, &o2, err)) ||
	    (d->info.latent_dim > 0 && keep_rows(&lt, keep, kept, &l2, err)))
		goto out;
	meta = edit_meta(d, e, &c, labels, prob, kept);

	if (writing_begin(&w, err))
		goto out;
	li_array la = {.dtype = LI_DTYPE_I64, .rank = 1, .shape = {kept}, .data = labels};
	if (save_at(w.gfd, "samples.npy", &s2, err) || save_at(w.gfd, "labels.npy", &la, err))
		goto out;
	if (o2.data || og.rank == 2) {
		if (!o2.data) {
			int64_t os[2] = {kept, og.rank == 2 ? og.shape[1] : 0};
			if (li_array_alloc(&o2, LI_DTYPE_F32, 2, os, err))
				goto out;
		}
		if (save_at(w.gfd, "origin.npy", &o2, err))
			goto out;
	}
	if ((l2.data && save_at(w.gfd, "latent.npy", &l2, err)) || write_classes(w.gfd, &c, err) ||
	    write_meta(w.gfd, meta, err) || writing_commit(&w, generation, err))
		goto out;
	rc = 0;
out:
	writing_end(&w, NULL);
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
