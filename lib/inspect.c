/*
 * The inspector (inspect.h): preparation of a project with its cache (points, saving and
 * rendering are in inspect_point.c).
 *
 * Preparation follows the paper's back end: cut the model at a split point (by default
 * the one with the smallest latent: an autoencoder's bottleneck), embed every data row,
 * fit the 2-D map on the latent rows, and fit a logistic-regression probe on them when
 * the project has labels. Everything it produces is kept in the project folder under a
 * key that changes whenever an input changes, so the next start only loads files.
 */
#include "inspect.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data.h"
#include "labeled.h"
#include "logreg.h"
#include "model.h"
#include "modelsave.h"
#include "npy.h"
#include "probe.h"
#include "inspect_internal.h"


static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 2);
	if (s) {
		memcpy(s, a, la);
		s[la] = '/';
		memcpy(s + la + 1, b, lb + 1);
	}
	return s;
}

/* ----- the cache key ----- */

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static void hash_bytes(uint64_t *h, const void *p, size_t n)
{
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ c[i]) * FNV_PRIME;
}

/* Hashes a string with its terminating NUL, so "ab"+"c" differs from "a"+"bc". */
static void hash_str(uint64_t *h, const char *s)
{
	hash_bytes(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static int hash_file(uint64_t *h, const char *path, li_err *err)
{
	if (!path) {
		hash_str(h, "-");
		return 0;
	}
	FILE *f = fopen(path, "rb");
	if (!f)
		return li_err_set(err, LI_EIO, "%s: cannot read: %s", path, strerror(errno));
	unsigned char buf[65536];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		hash_bytes(h, buf, k);
	int bad = ferror(f);
	fclose(f);
	if (bad)
		return li_err_set(err, LI_EIO, "%s: read error", path);
	hash_str(h, path);
	return 0;
}

/* ----- small file helpers ----- */

static int save_npy(const char *dir, const char *name, const li_array *a, li_err *err)
{
	char *path = join(dir, name);
	FILE *f = path ? fopen(path, "wb") : NULL;
	int rc = f ? li_npy_save(f, a, err) : li_err_set(err, LI_EIO, "cannot create '%s'", name);
	if (f && fclose(f) && !rc)
		rc = li_err_set(err, LI_EIO, "cannot write '%s'", name);
	free(path);
	return rc;
}

static int load_npy(const char *dir, const char *name, li_array *a, li_dtype want, li_err *err)
{
	char *path = join(dir, name);
	FILE *f = path ? fopen(path, "rb") : NULL;
	int rc = f ? li_npy_load(f, a, (int)want, err)
		   : li_err_set(err, LI_EIO, "cache file '%s' is missing", name);
	if (f)
		fclose(f);
	free(path);
	return rc;
}

/* Removes a folder of plain files (the cache's temporary folder). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = join(dir, e->d_name);
			if (p)
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* ----- choosing the cut ----- */

static int is_output(const li_model *m, int row)
{
	for (int k = 0; k < li_model_n_outputs(m); k++)
		if (li_model_output_row(m, k) == row)
			return 1;
	return 0;
}

/* The split point with the smallest latent (-1 when none), its size in *size; LI_ENOMEM
 * with err set. */
static int smallest_split(const li_model *m, int64_t *size, li_err *err)
{
	int best = -1, split;
	int64_t best_n = 0;
	for (int i = 0; i < li_model_rows(m); i++) {
		const li_shape *s = li_model_row_shape(m, i);
		if (i == li_model_input_row(m, 0) || is_output(m, i) || li_model_row_problem(m, i) ||
		    s->rank < 0)
			continue;
		if ((split = li_model_split_point(m, i, err)) < 0)
			return split;
		if (!split)
			continue;
		int64_t n = li_shape_elems(s);
		if (n > 0 && (best < 0 || n < best_n)) {
			best = i;
			best_n = n;
		}
	}
	*size = best_n;
	return best;
}

static int choose_cut(li_inspect *ins, const char *at, const li_inspect_opts *o, li_err *err)
{
	const li_model *m = ins->m;
	if (at) {
		int row = li_model_find(m, at);
		if (row < 0)
			return li_err_set(err, LI_EUSAGE, "%s: no layer '%s'", ins->p->model, at);
		if (is_output(m, row))
			return li_err_set(err, LI_EUSAGE,
					  "%s: '%s' is the model's output: nothing comes after it",
					  ins->p->model, li_model_row_name(m, row));
		if (row == li_model_input_row(m, 0))
			return li_err_set(err, LI_EUSAGE, "%s: '%s' is the model's input, not a latent layer",
					  ins->p->model, li_model_row_name(m, row));
		int split = li_model_split_point(m, row, err);
		if (split < 0)
			return split;
		if (!split) {
			char buf[400];
			li_model_crossing_str(m, row, buf, sizeof buf);
			return li_err_set(err, LI_EUSAGE, "%s: '%s' is not a split point: %s",
					  ins->p->model, li_model_row_name(m, row), buf);
		}
		ins->cut = row;
		return 0;
	}
	int64_t best_n;
	int best = smallest_split(m, &best_n, err);
	if (best == LI_ENOMEM)
		return best;
	if (best < 0)
		return li_err_set(err, LI_EDATA,
				  "%s: the model has no split point between its input and its output",
				  ins->p->model);
	ins->cut = best;
	li_note(o->note, o->ctx,
		"cut at '%s' (the split point with the smallest latent, %lld numbers; --at to choose)",
		li_model_row_name(m, best), (long long)best_n);
	return 0;
}

/* The labeled data set folder of the cut (inspect.h li_inspect_labeled_dir). */
static int labeled_dir(li_inspect *ins, li_err *err)
{
	const li_project *p = ins->p;
	const char *name = li_model_row_name(ins->m, ins->cut);
	char *cur = join(p->labeled, "current");
	struct stat st;
	int legacy = cur && lstat(cur, &st) == 0;
	free(cur);
	if (legacy) {
		int64_t size;
		int def = p->at ? li_model_find(ins->m, p->at) : smallest_split(ins->m, &size, err);
		if (def == LI_ENOMEM)
			return def;
		if (def == ins->cut) {
			ins->labeled = strdup(p->labeled);
			return ins->labeled ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
		}
	}
	size_t n = strlen(name);
	char *safe = malloc(n + 3);
	if (!safe)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (size_t i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)name[i];
		safe[i] = !c || (c < 0x80 && (isalnum(c) || c == '.' || c == '_' || c == '-')) ? (char)c : '_';
	}
	/* never a name the data set folder itself uses, nor "." or ".." */
	if (safe[0] == '.' || !strcmp(safe, "current") || !strncmp(safe, "gen-", 4) || !safe[0])
		memmove(safe + 1, safe, n + 1), safe[0] = '_';
	ins->labeled = join(p->labeled, safe);
	free(safe);
	return ins->labeled ? 0 : li_err_set(err, LI_ENOMEM, "out of memory");
}

/* ----- preparing ----- */

/* Reads a data file of the project (data_path: its data or validation data) as float32
 * rows of the model's input shape into a, through the project's preprocessing. */
int li_inspect_read_data(li_inspect *ins, const char *data_path, li_array *a, li_err *err)
{
	const li_project *p = ins->p;
	const char *path = data_path;
	char *tmp = NULL;
	int rc = -1;
	li_data *d = NULL;
	if (p->preprocess_run) {
		/* the project's own converter: run RAW OUT.npy */
		char tdir[] = "/tmp/li-inspect-XXXXXX";
		const char *base = getenv("TMPDIR");
		char *tpl = base ? join(base, "li-inspect-XXXXXX") : strdup(tdir);
		if (!tpl || !mkdtemp(tpl)) {
			free(tpl);
			return li_err_set(err, LI_EIO, "cannot make a temporary folder");
		}
		tmp = tpl;
		char *out = join(tmp, "data.npy");
		char *argv[] = {p->preprocess_run, (char *)data_path, out, NULL};
		if (!out || li_inspect_run_program(argv, err)) {
			li_err_prefix(err, "%s", data_path);
			free(out);
			goto out;
		}
		path = out;
	}
	li_data_opts o;
	li_data_opts_init(&o);
	if (p->has_preprocess)
		o.pre = p->pre;
	d = li_data_open(path, &o, err);
	if (!d || li_data_read_all(d, a, LI_DTYPE_F32, err)) {
		li_err_prefix(err, "%s", data_path);
		goto out;
	}
	if (a->rank < 1 || a->shape[0] < 1) {
		li_err_set(err, LI_EDATA, "%s: no rows", data_path);
		goto out;
	}
	/* the model's input shape when the element count fits (784 -> 28x28x1) */
	const li_shape *want = li_model_row_shape(ins->m, li_model_input_row(ins->m, 0));
	int64_t per = li_shape_row_elems(a->rank, a->shape);
	if (want->rank >= 0 && li_shape_elems(want) == per) {
		a->rank = want->rank + 1;
		memcpy(a->shape + 1, want->dim, sizeof(int64_t) * (size_t)want->rank);
	}
	rc = 0;
out:
	li_data_close(d);
	if (tmp) {
		if (path != data_path)
			free((char *)path);
		remove_tree(tmp);
		free(tmp);
	}
	return rc;
}

/* Runs the head on every row: latent (n x d float32) and its per-row shape. */
static int embed(li_inspect *ins, const li_array *x, float **latent, const char *what,
		 const li_inspect_opts *o, li_err *err)
{
	int in = li_model_input_row(ins->m, 0);
	li_run *r = li_run_new(ins->m, 1, &in, 1, &ins->cut, err);
	if (!r)
		return li_err_prefix(err, "%s", ins->p->model), -1;
	li_shape s;
	s.rank = x->rank - 1;
	memcpy(s.dim, x->shape + 1, sizeof(int64_t) * (size_t)s.rank);
	int64_t n = x->shape[0], per = li_shape_elems(&s);
	float *lat = NULL;
	for (int64_t i = 0; i < n; i += 256) {
		int64_t k = n - i < 256 ? n - i : 256;
		const float *src = (const float *)x->data + i * per;
		if (li_run_batch(r, k, &src, &s, err)) {
			li_err_prefix(err, "%s", ins->p->model);
			goto fail;
		}
		li_shape os;
		const float *y = li_run_output(r, 0, &os);
		if (!lat) {
			ins->lshape = os;
			ins->d = li_shape_elems(&os);
			size_t bytes;
			if (li_mul_size((size_t)n, (size_t)ins->d * sizeof(float), &bytes) ||
			    !(lat = malloc(bytes ? bytes : 1))) {
				li_err_set(err, LI_ENOMEM, "out of memory for %lld latent rows", (long long)n);
				goto fail;
			}
		}
		memcpy(lat + i * ins->d, y, sizeof(float) * (size_t)(k * ins->d));
		if (o->progress)
			o->progress(o->ctx, what, i + k, n);
	}
	li_run_free(r);
	*latent = lat;
	return 0;
fail:
	li_run_free(r);
	free(lat);
	return -1;
}

/* Class names: the project's file, else the labels' own names, extended to k. */
static int read_classes(li_inspect *ins, const li_labels *L, int k, li_err *err)
{
	char **names = NULL;
	int n = 0;
	if (ins->p->classes) {
		FILE *f = fopen(ins->p->classes, "r");
		if (!f)
			return li_err_set(err, LI_EIO, "%s: cannot read: %s", ins->p->classes,
					  strerror(errno));
		int rc = li_labeled_read_classes(f, &names, &n, err);
		fclose(f);
		if (rc)
			return li_err_prefix(err, "%s", ins->p->classes), -1;
	} else if (L && L->names) {
		names = calloc((size_t)L->n_names + 1, sizeof *names);
		for (int64_t i = 0; names && i < L->n_names; i++)
			names[n++] = strdup(L->names[i]);
	}
	if (n < k) {
		char **more = realloc(names, sizeof *names * (size_t)k);
		if (!more) {
			li_labeled_free_names(names, n);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		names = more;
		for (; n < k; n++) {
			char buf[32];
			snprintf(buf, sizeof buf, "%d", n);
			names[n] = strdup(buf);
		}
	}
	ins->classes = names;
	ins->n_classes = n;
	for (int i = 0; i < n; i++)
		if (!names[i])
			return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

static int write_classes(const char *dir, char *const *names, int n, li_err *err)
{
	char *path = join(dir, "classes.txt");
	FILE *f = path ? fopen(path, "w") : NULL;
	free(path);
	if (!f)
		return li_err_set(err, LI_EIO, "cannot write the cache's classes.txt");
	for (int i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	return fclose(f) ? li_err_set(err, LI_EIO, "cannot write the cache's classes.txt") : 0;
}

/*
 * The probe's accuracy on the project's validation data and labels, as a note.
 * 0 or negative.
 */
static int validate(li_inspect *ins, const li_logreg *lr, const li_inspect_opts *o,
		    li_err *err)
{
	li_array vx = {0};
	li_labels L = {0};
	float *lat = NULL;
	int64_t *pred = NULL;
	int rc = -1;
	if (li_inspect_read_data(ins, ins->p->val_data, &vx, err) ||
	    embed(ins, &vx, &lat, "embedding the validation data", o, err))
		goto out;
	if (li_labels_load(ins->p->val_labels, NULL, &L, err)) {
		li_err_prefix(err, "%s", ins->p->val_labels);
		goto out;
	}
	int64_t n = vx.shape[0];
	if (li_array_count(&L.y) != n) {
		li_err_set(err, LI_EDATA, "%s: %lld labels for %lld validation rows",
			   ins->p->val_labels, (long long)li_array_count(&L.y), (long long)n);
		goto out;
	}
	if (!(pred = malloc(sizeof(int64_t) * (size_t)n))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_logreg_predict(lr, lat, n, pred);
	const int64_t *y = L.y.data;
	int64_t right = 0;
	for (int64_t i = 0; i < n; i++)
		right += pred[i] == y[i];
	li_note(o->note, o->ctx, "probe: validation accuracy %.4f (%lld rows)",
		(double)right / (double)n, (long long)n);
	rc = 0;
out:
	li_array_release(&vx);
	li_labels_release(&L);
	free(lat);
	free(pred);
	return rc;
}

/* The whole preparation, written into the folder tmp. */
static int prepare(li_inspect *ins, const char *method, const li_inspect_opts *o,
		   const char *tmp, li_err *err)
{
	li_array x = {0}, a = {0};
	li_labels L = {0};
	li_logreg lr = {0};
	float *lat = NULL;
	double *xd = NULL, *yd = NULL;
	int rc = -1;
	if (li_inspect_read_data(ins, ins->p->data, &x, err) || embed(ins, &x, &lat, "embedding", o, err))
		goto out;
	ins->n = x.shape[0];
	li_array_release(&x);
	size_t cells;
	if (li_mul_size((size_t)ins->n, (size_t)ins->d, &cells) ||
	    !(xd = malloc(sizeof(double) * cells)) ||
	    !(yd = malloc(sizeof(double) * 2 * (size_t)ins->n)) ||
	    !(ins->xy = malloc(sizeof(float) * 2 * (size_t)ins->n))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cells; i++)
		xd[i] = lat[i];
	if (o->progress)
		o->progress(o->ctx, "fitting the map", -1, -1);
	li_reduce_opts ro = {0};
	ro.method = method;
	ro.seed = o->seed;
	ro.threads = o->threads;
	ro.auto_tune = o->auto_tune;
	ro.progress.fn = o->progress;
	ro.progress.ctx = o->ctx;
	int64_t rs[LI_MAX_RANK];
	for (int i = 0; i < ins->lshape.rank; i++)
		rs[i] = ins->lshape.dim[i];
	ins->map = li_reduce_fit(&ro, xd, ins->n, ins->d, ins->lshape.rank, rs, yd, err);
	if (!ins->map)
		goto out;
	for (int64_t i = 0; i < 2 * ins->n; i++)
		ins->xy[i] = (float)yd[i];
	if (li_map_note(ins->map))
		li_note(o->note, o->ctx, "%s", li_map_note(ins->map));
	char *mp = join(tmp, "map.h5");
	int bad = !mp || li_map_save(ins->map, mp, err);
	free(mp);
	a.dtype = LI_DTYPE_F32;
	a.rank = 2;
	a.shape[0] = ins->n;
	a.shape[1] = 2;
	a.data = ins->xy;
	if (bad || save_npy(tmp, "xy.npy", &a, err))
		goto out;
	a.shape[1] = ins->d;
	a.data = lat;
	if (save_npy(tmp, "latent.npy", &a, err))
		goto out;
	/* the probe */
	int k = 0;
	if (ins->p->labels) {
		if (li_labels_load(ins->p->labels, NULL, &L, err)) {
			li_err_prefix(err, "%s", ins->p->labels);
			goto out;
		}
		if (li_array_count(&L.y) != ins->n) {
			li_err_set(err, LI_EDATA, "%s: %lld labels for %lld data rows", ins->p->labels,
				   (long long)li_array_count(&L.y), (long long)ins->n);
			goto out;
		}
		const int64_t *y = L.y.data;
		for (int64_t i = 0; i < ins->n; i++) {
			if (y[i] < 0 || y[i] > 100000) {
				li_err_set(err, LI_EDATA, "%s: label %lld of row %lld is not a class index",
					   ins->p->labels, (long long)y[i], (long long)i);
				goto out;
			}
			if (y[i] + 1 > k)
				k = (int)y[i] + 1;
		}
	}
	if (read_classes(ins, L.names ? &L : NULL, k, err) ||
	    write_classes(tmp, ins->classes, ins->n_classes, err))
		goto out;
	if (k > 0) {
		if (ins->d > 1000000) {
			li_err_set(err, LI_EDATA, "the latent has too many numbers for the probe");
			goto out;
		}
		if (o->progress)
			o->progress(o->ctx, "training the probe", -1, -1);
		li_logreg_params lp = li_logreg_defaults();
		if (li_logreg_fit(&lr, lat, ins->n, (int)ins->d, L.y.data, k, &lp, err)) {
			li_err_prefix(err, "%s: cannot train the probe", ins->p->labels);
			goto out;
		}
		char *pp = join(tmp, "probe.h5");
		bad = !pp || li_probe_save(pp, -1, &lr, ins->lshape.rank, rs, ins->classes, err);
		free(pp);
		a.dtype = LI_DTYPE_I64;
		a.rank = 1;
		a.shape[0] = ins->n;
		a.data = L.y.data;
		if (bad || save_npy(tmp, "labels.npy", &a, err))
			goto out;
		if (!(ins->labels = malloc(sizeof(int64_t) * (size_t)ins->n))) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		memcpy(ins->labels, L.y.data, sizeof(int64_t) * (size_t)ins->n);
		double acc = 0;
		int64_t *pred = malloc(sizeof(int64_t) * (size_t)ins->n);
		if (pred) {
			li_logreg_predict(&lr, lat, ins->n, pred);
			for (int64_t i = 0; i < ins->n; i++)
				acc += pred[i] == ins->labels[i];
			li_note(o->note, o->ctx, "probe: %d classes, training accuracy %.4f", k,
				acc / (double)ins->n);
		}
		free(pred);
		if (ins->p->val_data && ins->p->val_labels &&
		    validate(ins, &lr, o, err))
			goto out;
	}
	char *ip = join(tmp, "info.json");
	FILE *f = ip ? fopen(ip, "w") : NULL;
	free(ip);
	if (!f) {
		li_err_set(err, LI_EIO, "cannot write the cache's info.json");
		goto out;
	}
	fprintf(f, "{\"cut\": %d, \"method\": \"%s\", \"auto\": %s, \"rows\": %lld, \"probe\": %s}\n",
		ins->cut, method, o->auto_tune ? "true" : "false", (long long)ins->n,
		k > 0 ? "true" : "false");
	if (fclose(f)) {
		li_err_set(err, LI_EIO, "cannot write the cache's info.json");
		goto out;
	}
	ins->latent = lat;
	lat = NULL;
	rc = 0;
out:
	li_array_release(&x);
	li_labels_release(&L);
	li_logreg_release(&lr);
	free(lat);
	free(xd);
	free(yd);
	return rc;
}

/* Loads a complete cache folder. */
static int load_cache(li_inspect *ins, const char *dir, li_err *err)
{
	li_array xy = {0}, y = {0}, lat = {0};
	char *mp = join(dir, "map.h5");
	ins->map = mp ? li_map_load(mp, err) : NULL;
	free(mp);
	if (!ins->map || load_npy(dir, "xy.npy", &xy, LI_DTYPE_F32, err))
		goto fail;
	if (xy.rank != 2 || xy.shape[1] != 2)
		goto bad;
	ins->n = xy.shape[0];
	ins->xy = xy.data;
	xy.data = NULL;
	if (load_npy(dir, "latent.npy", &lat, LI_DTYPE_F32, err))
		goto fail;
	if (lat.rank != 2 || lat.shape[0] != ins->n || lat.shape[1] != li_map_features(ins->map)) {
		li_array_release(&lat);
		goto bad;
	}
	ins->latent = lat.data;
	char *pp = join(dir, "probe.h5");
	if (pp && access(pp, R_OK) == 0) {
		if (load_npy(dir, "labels.npy", &y, LI_DTYPE_I64, err)) {
			free(pp);
			goto fail;
		}
		if (y.rank != 1 || y.shape[0] != ins->n) {
			free(pp);
			goto bad;
		}
		ins->labels = y.data;
		y.data = NULL;
		ins->probe_path = pp;
	} else {
		free(pp);
	}
	char *cp = join(dir, "classes.txt");
	FILE *f = cp ? fopen(cp, "r") : NULL;
	free(cp);
	if (!f)
		goto bad;
	/* an empty file is a project without class names */
	int c = getc(f);
	int rc = 0;
	if (c != EOF) {
		ungetc(c, f);
		rc = li_labeled_read_classes(f, &ins->classes, &ins->n_classes, err);
	}
	fclose(f);
	if (rc)
		goto fail;
	li_array_release(&xy);
	return 0;
bad:
	li_err_set(err, LI_EDATA, "the cache folder '%s' is damaged; remove it", dir);
fail:
	li_array_release(&xy);
	li_array_release(&y);
	return -1;
}

li_inspect *li_inspect_open(const li_project *p, const li_inspect_opts *o, li_err *err)
{
	li_inspect_opts none = {0};
	char *root = NULL, *tmp = NULL;
	if (!o)
		o = &none;
	li_inspect *ins = calloc(1, sizeof *ins);
	if (!ins) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	ins->p = p;
	const char *method = o->method ? o->method : p->method ? p->method : "pca";
	const char *why;
	if (!li_reduce_available(method, &why)) {
		li_err_set(err, LI_EUSAGE, "method '%s' %s", method, why);
		goto fail;
	}
	if (!(ins->m = li_model_load(p->model, NULL, err))) {
		li_err_prefix(err, "%s", p->model);
		goto fail;
	}
	if (li_model_n_inputs(ins->m) != 1) {
		li_err_set(err, LI_EDATA, "%s: the model has %d inputs; li-inspect needs one",
			   p->model, li_model_n_inputs(ins->m));
		goto fail;
	}
	if (choose_cut(ins, o->at ? o->at : p->at, o, err) || labeled_dir(ins, err))
		goto fail;
	ins->auto_tune = o->auto_tune != 0;
	if (!(ins->method = strdup(method))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	ins->out_row = li_model_output_row(ins->m, 0);
	ins->approx = !strcmp(method, "tsne");

	/* the key */
	uint64_t h = FNV_OFFSET;
	hash_str(&h, "li-inspect cache 2");
	if (hash_file(&h, p->model, err) || hash_file(&h, p->data, err) ||
	    hash_file(&h, p->labels, err) || hash_file(&h, p->classes, err) ||
	    hash_file(&h, p->preprocess_run, err))
		goto fail;
	hash_str(&h, li_model_row_name(ins->m, ins->cut));
	hash_str(&h, method);
	hash_bytes(&h, &o->seed, sizeof o->seed);
	if (o->auto_tune)
		hash_str(&h, "auto"); /* absent otherwise: the keys of older caches stay */
	hash_bytes(&h, &p->has_preprocess, sizeof p->has_preprocess);
	hash_bytes(&h, &p->pre.scale, sizeof p->pre.scale);
	hash_bytes(&h, &p->pre.offset, sizeof p->pre.offset);
	hash_bytes(&h, &p->pre.reshape_rank, sizeof p->pre.reshape_rank);
	hash_bytes(&h, p->pre.reshape, sizeof(int64_t) * (size_t)p->pre.reshape_rank);
	char key[40];
	snprintf(key, sizeof key, "%016llx", (unsigned long long)h);
	if (!(root = join(p->dir, ".li-inspect")) || !(ins->cache = join(root, key))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	char *info = join(ins->cache, "info.json");
	int cached = info && access(info, R_OK) == 0;
	free(info);
	if (cached) {
		li_note(o->note, o->ctx, "using the preparation cached in %s", ins->cache);
		if (load_cache(ins, ins->cache, err))
			goto fail;
	} else {
		if (mkdir(root, 0777) && errno != EEXIST) {
			li_err_set(err, LI_EIO, "%s: cannot make the cache folder: %s", root, strerror(errno));
			goto fail;
		}
		if (!(tmp = join(root, "tmp-XXXXXX")) || !mkdtemp(tmp)) {
			li_err_set(err, LI_EIO, "%s: cannot make a folder in it: %s", root, strerror(errno));
			goto fail;
		}
		if (prepare(ins, method, o, tmp, err))
			goto fail;
		if (rename(tmp, ins->cache) == 0) {
			free(tmp);
			tmp = NULL;
		} /* else another li-inspect made the same cache first: use this one, drop ours */
		if (ins->labels && !(ins->probe_path = join(tmp ? tmp : ins->cache, "probe.h5"))) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto fail;
		}
		li_note(o->note, o->ctx, "prepared and cached in %s", ins->cache);
	}
	if (li_map_dims(ins->map) != 2) {
		li_err_set(err, LI_EDATA, "%s: the map is not 2-D", ins->cache);
		goto fail;
	}
	int rank;
	const int64_t *rs = li_map_row_shape(ins->map, &rank);
	ins->lshape.rank = rank;
	for (int i = 0; i < rank; i++)
		ins->lshape.dim[i] = rs[i];
	ins->d = li_map_features(ins->map);
	if (!(ins->work = malloc(sizeof(double) * (size_t)ins->d))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	if (!(ins->tail = li_run_new(ins->m, 1, &ins->cut, 1, &ins->out_row, err))) {
		li_err_prefix(err, "%s", p->model);
		goto fail;
	}
	if (ins->probe_path) {
		int in0, out0;
		if (!(ins->probe = li_model_load(ins->probe_path, NULL, err))) {
			li_err_prefix(err, "%s", ins->probe_path);
			goto fail;
		}
		in0 = li_model_input_row(ins->probe, 0);
		out0 = li_model_output_row(ins->probe, 0);
		if (!(ins->prun = li_run_new(ins->probe, 1, &in0, 1, &out0, err)))
			goto fail;
	}
	char line[300];
	li_map_summary(ins->map, line, sizeof line);
	li_note(o->note, o->ctx, "%s", line);
	if (ins->approx)
		li_note(o->note, o->ctx, "t-SNE has no inverse: points are inverted approximately "
			"(weighted mean of the latent rows of the 10 nearest embedded training points)");
	if (tmp) {
		/* the probe was loaded from our copy: now it can go */
		free(ins->probe_path);
		ins->probe_path = join(ins->cache, "probe.h5");
		remove_tree(tmp);
		free(tmp);
	}
	free(root);
	return ins;
fail:
	if (tmp) {
		remove_tree(tmp);
		free(tmp);
	}
	free(root);
	li_inspect_free(ins);
	return NULL;
}

void li_inspect_free(li_inspect *ins)
{
	if (!ins)
		return;
	li_run_free(ins->tail);
	li_run_free(ins->prun);
	li_model_free(ins->probe);
	li_model_free(ins->m);
	li_map_free(ins->map);
	free(ins->xy);
	free(ins->latent);
	li_array_release(&ins->x);
	free(ins->labels);
	li_labeled_free_names(ins->classes, ins->n_classes);
	free(ins->cache);
	free(ins->labeled);
	free(ins->method);
	free(ins->probe_path);
	free(ins->work);
	free(ins);
}

int64_t li_inspect_rows(const li_inspect *ins) { return ins->n; }
const float *li_inspect_xy(const li_inspect *ins) { return ins->xy; }
const int64_t *li_inspect_labels(const li_inspect *ins) { return ins->labels; }
const li_map *li_inspect_map(const li_inspect *ins) { return ins->map; }
const char *li_inspect_cache_dir(const li_inspect *ins) { return ins->cache; }
const char *li_inspect_probe_path(const li_inspect *ins) { return ins->probe_path; }
const char *li_inspect_labeled_dir(const li_inspect *ins) { return ins->labeled; }
const char *li_inspect_method(const li_inspect *ins) { return ins->method; }
int li_inspect_auto(const li_inspect *ins) { return ins->auto_tune; }
const li_model *li_inspect_model(const li_inspect *ins) { return ins->m; }
int li_inspect_has_probe(const li_inspect *ins) { return ins->prun != NULL; }

const char *li_inspect_cut(const li_inspect *ins)
{
	return li_model_row_name(ins->m, ins->cut);
}

int li_inspect_classes(const li_inspect *ins, char *const **names)
{
	*names = ins->classes;
	return ins->n_classes;
}


/* Runs argv[0] with arguments and waits; 0 when it exited 0. */
int li_inspect_run_program(char *const *argv, li_err *err)
{
	return li_inspect_run_program_timeout(argv, 0, err);
}

int li_inspect_run_program_timeout(char *const *argv, int timeout_ms, li_err *err)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return li_err_set(err, LI_EIO, "cannot start '%s': %s", argv[0], strerror(errno));
	if (pid == 0) {
		/* its own process group, so a time limit ends what it started too; its standard
		 * output must not mix with ours */
		if (timeout_ms > 0)
			setpgid(0, 0);
		if (dup2(2, 1) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	if (timeout_ms > 0)
		setpgid(pid, pid); /* also here: no race with the child's own call */
	int st;
	struct timespec t0, now;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pid_t w = waitpid(pid, &st, timeout_ms > 0 ? WNOHANG : 0);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return li_err_set(err, LI_EIO, "waiting for '%s': %s", argv[0], strerror(errno));
		if (w == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			double ms = (double)(now.tv_sec - t0.tv_sec) * 1e3 +
				    (double)(now.tv_nsec - t0.tv_nsec) / 1e6;
			if (ms > timeout_ms) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
					;
				return li_err_set(err, LI_EDATA, "'%s' timed out after %d ms", argv[0],
						  timeout_ms);
			}
			struct timespec d = {0, 10 * 1000 * 1000};
			nanosleep(&d, NULL);
		}
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return li_err_set(err, LI_EDATA, "'%s' cannot be run", argv[0]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return li_err_set(err, LI_EDATA, "'%s' failed (%s %d)", argv[0],
				  WIFEXITED(st) ? "exit status" : "signal",
				  WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	return 0;
}

/* ----- retraining the probe on the labeled data set ----- */

void li_inspect_report_release(li_inspect_report *rep)
{
	if (!rep)
		return;
	free(rep->precision);
	free(rep->recall);
	free(rep->count);
	memset(rep, 0, sizeof *rep);
}

/* The index of name in the handle's classes, added at the end when new; -1 on error. */
static int class_index(li_inspect *ins, const char *name, li_err *err)
{
	for (int i = 0; i < ins->n_classes; i++)
		if (!strcmp(ins->classes[i], name))
			return i;
	char **v = realloc(ins->classes, sizeof *v * (size_t)(ins->n_classes + 1));
	if (!v)
		return li_err_set(err, LI_ENOMEM, "out of memory"), -1;
	ins->classes = v;
	if (!(v[ins->n_classes] = strdup(name)))
		return li_err_set(err, LI_ENOMEM, "out of memory"), -1;
	return ins->n_classes++;
}

int li_inspect_retrain(li_inspect *ins, li_inspect_report *rep, li_err *err)
{
	li_labeled *d = NULL;
	li_array lat = {0};
	li_logreg lr = {0};
	float *x = NULL;
	int64_t *y = NULL, *pred = NULL, *cm = NULL;
	char *path = NULL;
	li_model *pm = NULL;
	li_run *pr = NULL;
	int rc = -1;
	memset(rep, 0, sizeof *rep);
	int64_t n0 = ins->labels ? ins->n : 0, m = 0;
	const int64_t *ly = NULL;
	int64_t ld = 0;
	d = li_labeled_open(ins->labeled, err);
	if (d) {
		const li_labeled_info *in = li_labeled_info_of(d);
		ld = in->latent_dim;
		if (ld > 0 && ld != ins->d) {
			li_err_set(err, LI_EDATA, "the labeled data set's latent rows have %lld numbers, the "
				   "cut's %lld", (long long)ld, (long long)ins->d);
			goto out;
		}
		if (ld > 0 && li_labeled_load_latent(d, &lat, err))
			goto out;
		m = ld > 0 ? in->count : 0;
		ly = li_labeled_labels(d);
	} else {
		li_err_clear(err); /* no labeled data set yet: the data alone */
	}
	size_t cells;
	if (li_mul_size((size_t)(n0 + m), (size_t)ins->d, &cells) ||
	    !(x = malloc(sizeof(float) * (cells ? cells : 1))) ||
	    !(y = malloc(sizeof(int64_t) * (size_t)(n0 + m + 1)))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if (n0) {
		memcpy(x, ins->latent, sizeof(float) * (size_t)(n0 * ins->d));
		memcpy(y, ins->labels, sizeof(int64_t) * (size_t)n0);
	}
	int64_t n = n0;
	for (int64_t i = 0; i < m; i++) {
		const float *r = (const float *)lat.data + i * ins->d;
		int finite = 1;
		for (int64_t j = 0; j < ins->d && finite; j++)
			finite = isfinite(r[j]);
		if (!finite)
			continue; /* saved without its latent row */
		int k = class_index(ins, li_labeled_info_of(d)->classes[ly[i]], err);
		if (k < 0)
			goto out;
		memcpy(x + n * ins->d, r, sizeof(float) * (size_t)ins->d);
		y[n++] = k;
	}
	int k = ins->n_classes;
	if (n < 2 || k < 2) {
		li_err_set(err, LI_EDATA, "the probe needs labeled rows of two classes at least");
		goto out;
	}
	if (ins->d > 1000000) {
		li_err_set(err, LI_EDATA, "the latent has too many numbers for the probe");
		goto out;
	}
	li_logreg_params lp = li_logreg_defaults();
	if (li_logreg_fit(&lr, x, n, (int)ins->d, y, k, &lp, err))
		goto out;
	int64_t rs[LI_MAX_RANK];
	for (int i = 0; i < ins->lshape.rank; i++)
		rs[i] = ins->lshape.dim[i];
	if (!(path = join(ins->cache, "probe-labeled.h5")) ||
	    li_probe_save(path, -1, &lr, ins->lshape.rank, rs, ins->classes, err))
		goto out;
	int in0, out0;
	if (!(pm = li_model_load(path, NULL, err)))
		goto out;
	in0 = li_model_input_row(pm, 0);
	out0 = li_model_output_row(pm, 0);
	if (!(pr = li_run_new(pm, 1, &in0, 1, &out0, err)))
		goto out;
	/* the report, on the training rows */
	if (!(pred = malloc(sizeof(int64_t) * (size_t)n)) ||
	    !(cm = calloc((size_t)k * (size_t)k, sizeof *cm)) ||
	    !(rep->precision = calloc((size_t)k, sizeof(double))) ||
	    !(rep->recall = calloc((size_t)k, sizeof(double))) ||
	    !(rep->count = calloc((size_t)k, sizeof(int64_t)))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_logreg_predict(&lr, x, n, pred);
	li_logreg_confusion(y, pred, n, k, cm);
	double *f1 = calloc((size_t)k, sizeof(double));
	rep->accuracy = li_logreg_scores(cm, k, rep->precision, rep->recall, f1 ? f1 : rep->recall);
	free(f1);
	for (int64_t i = 0; i < n; i++)
		rep->count[y[i]]++;
	rep->rows = n;
	rep->labeled = n - n0;
	rep->n_classes = k;
	rep->converged = lr.converged;
	/* swap in the new probe */
	li_run_free(ins->prun);
	li_model_free(ins->probe);
	ins->probe = pm;
	ins->prun = pr;
	pm = NULL;
	pr = NULL;
	free(ins->probe_path);
	ins->probe_path = path;
	path = NULL;
	rc = 0;
out:
	if (rc)
		li_inspect_report_release(rep);
	li_run_free(pr);
	li_model_free(pm);
	free(path);
	free(x);
	free(y);
	free(pred);
	free(cm);
	li_logreg_release(&lr);
	li_array_release(&lat);
	li_labeled_close(d);
	return rc;
}
