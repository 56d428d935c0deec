/*
 * The rows li-finetune trains on and its epochs (train.h: li_train_rows_add,
 * li_finetune_fit). Rows stream: each source is read in chunks into an unlinked scratch
 * file (float32 rows, in $TMPDIR), and each batch gathers its rows from there with pread,
 * so memory holds a chunk and a batch, not the rows (the labels, 8 bytes a row, stay in
 * memory, as does the epoch's order). The frozen head runs on each batch (li_run), then
 * the tuner's step; validation, early stopping and the report (with the validation rows'
 * accuracy per class before the first step and after the last).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "labeled.h"
#include "rng.h"
#include "train.h"

/* Keeps the longest class-name list of the sources (a labeled folder's classes.txt),
 * taking names (n of them, malloc'd) when it is longer; else leaves them to the caller. */
static int keep_names(li_train_rows *r, char ***names, int64_t *n)
{
	if (*n <= r->n_names)
		return 0;
	for (int64_t i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	r->names = *names;
	r->n_names = *n;
	*names = NULL;
	*n = 0;
	return 0;
}

/* keep_names of a copy of names (borrowed). */
static int keep_class_names(li_train_rows *r, char *const *names, int64_t n)
{
	if (n <= r->n_names)
		return 0;
	char **c = calloc((size_t)n, sizeof *c);
	for (int64_t i = 0; c && i < n; i++)
		if (!(c[i] = strdup(names[i]))) {
			while (i-- > 0)
				free(c[i]);
			free(c);
			c = NULL;
		}
	if (!c)
		return LI_ENOMEM;
	return keep_names(r, &c, &n);
}

/* An unlinked scratch file in $TMPDIR (else /tmp) for rows that stream; -1 on failure. */
static int spool_open(li_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/li-finetune-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		li_err_set(err, LI_EIO, "cannot make a scratch file in %s: %s",
			   dir && *dir ? dir : "/tmp", strerror(errno));
		return -1;
	}
	unlink(path);
	return fd;
}

static int spool_write(int fd, const void *p, size_t n, li_err *err)
{
	const char *c = p;
	while (n > 0) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return li_err_set(err, LI_EIO, "cannot write the rows' scratch file: %s",
					  k < 0 ? strerror(errno) : "disk full");
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Streams every row of d (float32) into the scratch file *fd in chunks; the count in
 * *n, the row's values in *elems. */
static int spool_rows(li_data *d, int *fd, int64_t *n, int64_t *elems, li_err *err)
{
	li_array batch = {0};
	int64_t e = li_data_row_elems(d), k, chunk = e > 0 && e < (1 << 18) ? (1 << 18) / e : 1;
	int rc = 0;
	*n = 0;
	if (*fd < 0 && (*fd = spool_open(err)) < 0)
		return LI_EIO;
	while ((k = li_data_read_batch(d, &batch, LI_DTYPE_F32, chunk, err)) > 0) {
		if ((rc = spool_write(*fd, batch.data, sizeof(float) * (size_t)(k * e), err)))
			break;
		*n += k;
	}
	li_array_release(&batch);
	*elems = e;
	return rc ? rc : k < 0 ? (err->code ? err->code : LI_EDATA) : 0;
}

int li_train_rows_add(li_train_rows *r, const char *data, const char *labels,
		      const li_data_opts *o, int mse, const char **bad, li_err *err)
{
	li_labels lab = {0};
	li_data *td = NULL;
	int rc = LI_EDATA;
	int64_t n, e, k = 0, te = 0;
	*bad = data;
	li_data *d = li_data_open(data, o, err);
	if (!d)
		goto out;
	e = li_data_row_elems(d);
	if (r->n && e != r->elems) {
		li_err_set(err, LI_EDATA, "rows of %lld values, the rows before have %lld",
			   (long long)e, (long long)r->elems);
		goto out;
	}
	if ((rc = spool_rows(d, &r->fd, &n, &e, err)))
		goto out;
	rc = LI_EDATA;
	if (n == 0) {
		li_err_set(err, LI_EDATA, "no rows");
		goto out;
	}
	*bad = labels;
	if (mse) {
		li_data_opts plain;
		li_data_opts_init(&plain);
		if (!(td = li_data_open(labels, &plain, err)))
			goto out;
		te = li_data_row_elems(td);
		if (r->n && te != r->t_elems) {
			li_err_set(err, LI_EDATA, "target rows of %lld values, the ones before have "
				   "%lld", (long long)te, (long long)r->t_elems);
			goto out;
		}
		if ((rc = spool_rows(td, &r->tfd, &k, &te, err)))
			goto out;
		rc = LI_EDATA;
	} else {
		if (li_labels_load(labels, o, &lab, err))
			goto out;
		k = lab.y.shape[0];
	}
	if (k != n) {
		li_err_set(err, LI_EDATA, "%lld labels for %lld rows", (long long)k, (long long)n);
		goto out;
	}
	*bad = NULL;
	if (!mse) {
		int64_t *y = realloc(r->y, sizeof(int64_t) * (size_t)(r->n + n));
		if (!y) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		r->y = y;
		memcpy(r->y + r->n, lab.y.data, sizeof(int64_t) * (size_t)n);
	}
	r->n += n;
	r->elems = e;
	r->t_elems = te;
	rc = keep_names(r, &lab.names, &lab.n_names);
out:
	li_data_close(d);
	li_data_close(td);
	li_labels_release(&lab);
	return rc;
}

int li_train_rows_add_latent(li_train_rows *r, const char *dir, li_err *err)
{
	li_array z = {0};
	int rc = LI_EDATA;
	li_labeled *d = li_labeled_open(dir, err);
	if (!d)
		return err->code ? err->code : LI_EDATA;
	const li_labeled_info *info = li_labeled_info_of(d);
	int64_t n = info->count, e = info->latent_dim;
	if (n == 0) {
		li_err_set(err, LI_EDATA, "no samples");
		goto out;
	}
	if (e == 0) {
		li_err_set(err, LI_EDATA, "no latent rows (latent.npy): its samples were saved "
			   "without the latent row they came from");
		goto out;
	}
	if (r->n && e != r->elems) {
		li_err_set(err, LI_EDATA, "latent rows of %lld values, the rows before have %lld",
			   (long long)e, (long long)r->elems);
		goto out;
	}
	if ((rc = li_labeled_load_latent(d, &z, err)))
		goto out;
	rc = LI_EDATA;
	/* a sample saved without its latent row has a NaN row: it cannot train at the cut */
	for (int64_t i = 0; i < n; i++)
		if (isnan(((const float *)z.data)[i * e])) {
			li_err_set(err, LI_EDATA, "sample %lld has no latent row (latent.npy: NaN)",
				   (long long)i);
			goto out;
		}
	int64_t *y = realloc(r->y, sizeof(int64_t) * (size_t)(r->n + n));
	if (!y) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	r->y = y;
	memcpy(r->y + r->n, li_labeled_labels(d), sizeof(int64_t) * (size_t)n);
	if ((r->fd < 0 && (r->fd = spool_open(err)) < 0) ||
	    (rc = spool_write(r->fd, z.data, sizeof(float) * (size_t)(n * e), err)))
		goto out;
	r->n += n;
	r->elems = e;
	if ((rc = keep_class_names(r, info->classes, info->n_classes)))
		li_err_set(err, rc, "out of memory");
out:
	li_array_release(&z);
	li_labeled_close(d);
	return rc ? (err->code ? err->code : rc) : 0;
}

void li_train_rows_init(li_train_rows *r)
{
	memset(r, 0, sizeof *r);
	r->fd = r->tfd = -1;
}

void li_train_rows_release(li_train_rows *r)
{
	if (r->fd >= 0)
		close(r->fd);
	if (r->tfd >= 0)
		close(r->tfd);
	free(r->y);
	for (int64_t i = 0; i < r->n_names; i++)
		free(r->names[i]);
	free(r->names);
	li_train_rows_init(r);
}

/* Row i of a scratch file of rows of e floats. */
static int spool_read(int fd, int64_t i, int64_t e, float *out, li_err *err)
{
	size_t want = sizeof(float) * (size_t)e, got = 0;
	off_t at = (off_t)(sizeof(float) * (size_t)(i * e));
	while (got < want) {
		ssize_t k = pread(fd, (char *)out + got, want - got, at + (off_t)got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return li_err_set(err, LI_EIO, "cannot read the rows' scratch file: %s",
					  k < 0 ? strerror(errno) : "short file");
		got += (size_t)k;
	}
	return 0;
}

/* Rows and right answers per class in one evaluation pass (cross-entropies). */
typedef struct tally {
	int64_t k, *rows, *hits;
} tally;

typedef struct fitter {
	li_run *head;           /* NULL when the rows are at the cut */
	li_tuner *t;
	li_shape feed;          /* per-row shape of the rows given */
	float *xb, *tb;
	int64_t *yb, *cls;
	tally *count;           /* evaluation passes count here when set */
	int64_t among;          /* classes an evaluation picks among (0: all) */
} fitter;

/* Rows idx[0..n) through the head, then one step (train) or an evaluation. */
static int run_batch(fitter *f, const li_train_rows *r, const int64_t *idx, int64_t n,
		     int train, double *loss, int64_t *correct, li_err *err)
{
	for (int64_t i = 0; i < n; i++) {
		if (spool_read(r->fd, idx[i], r->elems, f->xb + i * r->elems, err) ||
		    (!r->y && spool_read(r->tfd, idx[i], r->t_elems, f->tb + i * r->t_elems, err)))
			return -1;
		if (r->y)
			f->yb[i] = r->y[idx[i]];
	}
	const float *x = f->xb;
	if (f->head) {
		const float *in[1] = { f->xb };
		if (li_run_batch(f->head, n, in, &f->feed, err))
			return -1;
		x = li_run_output(f->head, 0, NULL);
	}
	const int64_t *y = r->y ? f->yb : NULL;
	const float *tg = r->y ? NULL : f->tb;
	if (train)
		return li_tuner_step(f->t, n, x, y, tg, loss, correct, err);
	if (li_tuner_eval(f->t, n, x, y, tg, loss, correct, err))
		return -1;
	if (f->count && y) {
		li_tuner_classes(f->t, n, f->among, f->cls);
		for (int64_t i = 0; i < n; i++) {
			f->count->rows[y[i]]++;
			f->count->hits[y[i]] += f->cls[i] == y[i];
		}
	}
	return 0;
}

/* {"accuracy", "per_class": [accuracy, or null for a class without rows]}. */
static json_t *tally_json(const tally *c)
{
	json_t *pc = json_array();
	int64_t rows = 0, hits = 0;
	for (int64_t i = 0; pc && i < c->k; i++) {
		json_array_append_new(pc, c->rows[i] ? json_real((double)c->hits[i] /
								  (double)c->rows[i]) : json_null());
		rows += c->rows[i];
		hits += c->hits[i];
	}
	return json_pack("{s:f,s:o*}", "accuracy", rows ? (double)hits / (double)rows : 0.0,
			 "per_class", pc);
}

/*
 * report "validation": the rows per class and their accuracy before the first step
 * (*before, counted by the caller) and after the last (c, the last epoch's pass); class
 * names from the model where it has them.
 */
static void validation_report(json_t *report, li_model *m, const tally *c, json_t *before,
			      json_t *after)
{
	const char *const *names;
	int64_t n_names = li_model_class_names(m, &names);
	json_t *rows = json_array(), *cn = json_array();
	for (int64_t i = 0; i < c->k; i++) {
		char idx[24];
		snprintf(idx, sizeof idx, "%lld", (long long)i);
		json_array_append_new(rows, json_integer(c->rows[i]));
		json_array_append_new(cn, json_string(i < n_names ? names[i] : idx));
	}
	json_object_set_new(report, "validation", json_pack("{s:o*,s:o*,s:o*,s:o*}", "classes", cn,
							     "rows", rows, "before", before,
							     "after", after));
}

/* Mean loss and accuracy over idx[0..n) in batches of b (train: one step each). */
static int pass(fitter *f, const li_train_rows *r, const int64_t *idx, int64_t n, int64_t b,
		int train, double *loss, double *acc, li_err *err)
{
	double sum = 0;
	int64_t ok = 0;
	for (int64_t s = 0; s < n; s += b) {
		int64_t k = n - s < b ? n - s : b, c;
		double l;
		if (run_batch(f, r, idx + s, k, train, &l, &c, err))
			return -1;
		sum += l * (double)k;
		ok += c;
	}
	*loss = sum / (double)n;
	*acc = (double)ok / (double)n;
	return 0;
}

/* Epoch's order of n rows: shuffled (on) or as given. */
static void epoch_order(int64_t *order, int64_t n, uint64_t seed, int epoch, int on)
{
	for (int64_t i = 0; i < n; i++)
		order[i] = i;
	li_rng g = li_rng_stream(seed, (uint64_t)epoch);
	for (int64_t i = n - 1; on && i > 0; i--) {
		int64_t j = (int64_t)li_rng_below(&g, (uint64_t)i + 1), k = order[i];
		order[i] = order[j];
		order[j] = k;
	}
}

int li_finetune_fit(li_model *m, li_tuner *t, int feed_row, int cut, const li_train_rows *r,
		    const li_train_rows *v, const li_fit_opts *o, json_t *report, li_err *err)
{
	fitter f = { .t = t };
	tally count = {0};
	json_t *before = NULL;
	int rc = LI_EDATA;
	int64_t *order = NULL, *vidx = NULL, n_val = v->n, n_train = r->n;
	json_t *epochs = json_array();
	f.feed = *li_model_row_shape(m, feed_row);
	if (li_shape_elems(&f.feed) != r->elems) {
		char s[128];
		li_shape_str(&f.feed, s, sizeof s);
		return li_err_set(err, LI_EDATA, "rows of %lld values do not fit '%s', which takes %s",
				  (long long)r->elems, li_model_row_name(m, feed_row), s);
	}
	if (v->n && v->elems != r->elems)
		return li_err_set(err, LI_EDATA, "validation rows of %lld values, the training rows "
				  "have %lld", (long long)v->elems, (long long)r->elems);
	if (!r->y && r->t_elems != li_tuner_out_elems(t))
		return li_err_set(err, LI_EDATA, "target rows of %lld values, the output has %lld",
				  (long long)r->t_elems, (long long)li_tuner_out_elems(t));
	if (feed_row != cut && !(f.head = li_run_new(m, 1, &feed_row, 1, &cut, err)))
		goto out;
	if (!n_val && o->val_split > 0) {
		/* Keras' validation_split: the last rows, before shuffling */
		n_val = (int64_t)floor(o->val_split * (double)r->n);
		n_train = r->n - n_val;
		if (n_val == 0 || n_train == 0) {
			li_err_set(err, LI_EUSAGE, "--val-split %g leaves no rows on one side",
				   o->val_split);
			goto out;
		}
	}
	int64_t b = o->batch < n_train ? o->batch : n_train, bm = b > n_val ? b : n_val;
	int64_t elems = r->elems > v->elems ? r->elems : v->elems;
	order = malloc(sizeof *order * (size_t)r->n);
	vidx = malloc(sizeof *vidx * (size_t)(n_val + 1));
	f.xb = malloc(sizeof(float) * (size_t)(bm * elems));
	f.yb = malloc(sizeof(int64_t) * (size_t)bm);
	f.tb = malloc(sizeof(float) * (size_t)(bm * (r->t_elems + 1)));
	f.cls = malloc(sizeof(int64_t) * (size_t)bm);
	int64_t k = li_tuner_loss(t) == LI_LOSS_BCE ? 2 : li_tuner_out_elems(t);
	count.k = k;
	count.rows = calloc((size_t)k, sizeof(int64_t));
	count.hits = calloc((size_t)k, sizeof(int64_t));
	if (!order || !vidx || !f.xb || !f.yb || !f.tb || !f.cls || !count.rows || !count.hits ||
	    !epochs) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int64_t i = 0; i < n_val; i++)
		vidx[i] = v->n ? i : n_train + i;
	const li_train_rows *vr = v->n ? v : r;
	double best = INFINITY, s[4] = {0};
	int wait = 0;
	/* the cross-entropies' validation rows count per class, before and after */
	f.count = n_val && r->y ? &count : NULL;
	if (f.count) {
		f.among = o->classes_before;
		if (pass(&f, vr, vidx, n_val, bm, 0, &s[2], &s[3], err))
			goto out;
		before = tally_json(&count);
		f.among = 0;
	}
	for (int ep = 1; ep <= o->epochs; ep++) {
		epoch_order(order, n_train, o->seed, ep, o->shuffle);
		memset(count.rows, 0, sizeof(int64_t) * (size_t)k);
		memset(count.hits, 0, sizeof(int64_t) * (size_t)k);
		if (pass(&f, r, order, n_train, b, 1, &s[0], &s[1], err) ||
		    (n_val && pass(&f, vr, vidx, n_val, bm, 0, &s[2], &s[3], err)))
			goto out;
		json_t *e = json_pack("{s:i,s:f,s:f}", "epoch", ep, "loss", s[0], "accuracy", s[1]);
		if (e && n_val)
			json_object_update_new(e, json_pack("{s:f,s:f}", "val_loss", s[2],
							     "val_accuracy", s[3]));
		json_array_append_new(epochs, e);
		if (o->progress)
			o->progress(o->ctx, ep, o->epochs, s, n_val > 0);
		if (n_val && o->patience > 0) {
			wait = s[2] < best ? 0 : wait + 1;
			best = s[2] < best ? s[2] : best;
			if (wait >= o->patience)
				break;
		}
	}
	json_object_set_new(report, "loss", json_string(li_train_loss_name(li_tuner_loss(t))));
	json_object_set_new(report, "steps", json_integer(li_tuner_steps(t)));
	json_object_set(report, "epochs", epochs);
	if (f.count) {
		validation_report(report, m, &count, before, tally_json(&count));
		before = NULL;
	}
	rc = 0;
out:
	json_decref(before);
	json_decref(epochs);
	free(count.rows);
	free(count.hits);
	free(f.cls);
	li_run_free(f.head);
	free(f.xb);
	free(f.yb);
	free(f.tb);
	free(order);
	free(vidx);
	return rc ? (err->code ? err->code : rc) : 0;
}
