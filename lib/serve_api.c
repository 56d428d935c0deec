/*
 * The inspector's JSON API (serve_internal.h), below /api/:
 *
 *   GET  meta          the project: cut, method, map quality, classes, render kind,
 *                      extent, rows, the labeled data set's folder and size
 *   GET  points        every map point: {"xy": [x0, y0, x1, ...], "labels": [...]}
 *   GET  sample?i=N    data row N as numbers, with its label
 *   GET  labeled       the labeled data set: per sample its label and map coordinates
 *   POST click         {"x": X, "y": Y}: invert, tail, probe; the output's numbers, the
 *                      probe's top classes, "outside", the nearest data rows
 *   POST save          {"x": X, "y": Y, "label": NAME}: the point (evaluated again here,
 *                      never taken from the page) appended to the labeled data set
 *   POST traverse      {"x0", "y0", "x1", "y1", "n"}: the outputs at n points (2..32)
 *                      evenly along the line from (x0, y0) to (x1, y1), ends included
 *   POST train         {}: the probe retrained on the data's labels plus the labeled data
 *                      set (inspect.h li_inspect_retrain); its report
 *   POST remove        {"index": I}: a new generation of the labeled data set without I
 *   POST relabel       {"index": I, "label": NAME}: a new generation with I relabeled
 *
 * Numbers are written with 9 significant digits, which give a float32 back exactly;
 * non-finite numbers are null. Every use of the inspector holds s->lock.
 */
#include "serve_internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "labeled.h"

/* ----- writing JSON ----- */

void li_serve_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* A JSON array of n strings. */
static void put_names(FILE *f, char *const *names, int n)
{
	fputc('[', f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		li_serve_json_str(f, names[i]);
	}
	fputc(']', f);
}

static void put_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.9g", v);
	else
		fputs("null", f);
}

static void put_floats(FILE *f, const float *v, int64_t n)
{
	fputc('[', f);
	for (int64_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		put_num(f, v[i]);
	}
	fputc(']', f);
}

static void put_shape(FILE *f, const li_shape *s)
{
	fputc('[', f);
	for (int i = 0; i < s->rank; i++)
		fprintf(f, "%s%lld", i ? "," : "", (long long)s->dim[i]);
	fputc(']', f);
}

/* A JSON answer being written: a memory stream and what it writes into. */
typedef struct answer {
	char *buf;
	size_t len;
	FILE *f;
} answer;

/* Starts a JSON answer in a memory stream; its FILE, or NULL with r set to a 500. */
static FILE *begin(li_serve_reply *r, answer *ans)
{
	ans->buf = NULL;
	ans->f = open_memstream(&ans->buf, &ans->len);
	if (!ans->f)
		li_serve_error(r, 500, "out of memory");
	return ans->f;
}

/* Ends the answer begun with begin: the stream sets buf only when closed. */
static void finish(li_serve_reply *r, answer *ans)
{
	fputc('\n', ans->f);
	if (fclose(ans->f) || !ans->buf) {
		free(ans->buf);
		li_serve_error(r, 500, "out of memory");
		return;
	}
	free(r->body);
	r->status = 200;
	r->type = "application/json";
	r->body = ans->buf;
	r->size = ans->len;
}

/* Abandons the answer begun with begin (r keeps the error set meanwhile). */
static void drop(answer *ans)
{
	fclose(ans->f);
	free(ans->buf);
}

static const char *class_name(const li_serve *s, int64_t k)
{
	char *const *names;
	int n = li_inspect_classes(s->ins, &names);
	return k >= 0 && k < n ? names[k] : NULL;
}

/* ----- GET ----- */

static void get_meta(li_serve *s, li_serve_reply *r)
{
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	char line[300];
	const li_map *m = li_inspect_map(s->ins);
	li_map_summary(m, line, sizeof line);
	const li_project *p = s->p;
	fputs("{\"project\": ", f);
	li_serve_json_str(f, s->projects[s->project].name);
	fprintf(f, ", \"view\": %d, \"folder\": %s, \"auto\": %s", s->view,
		s->folder ? "true" : "false", li_inspect_auto(s->ins) ? "true" : "false");
	fputs(", \"cut\": ", f);
	li_serve_json_str(f, li_inspect_cut(s->ins));
	fputs(", \"method\": ", f);
	li_serve_json_str(f, li_map_method(m));
	fputs(", \"quality\": ", f);
	li_serve_json_str(f, line);
	fprintf(f, ", \"rows\": %lld, \"probe\": %s, \"classes\": ",
		(long long)li_inspect_rows(s->ins), li_inspect_has_probe(s->ins) ? "true" : "false");
	char *const *names;
	int nc = li_inspect_classes(s->ins, &names);
	put_names(f, names, nc);
	fputs(", \"extent\": [", f);
	const double *e = li_map_extent(m);
	for (int i = 0; i < 4; i++) {
		if (i)
			fputc(',', f);
		put_num(f, e[i]);
	}
	fputs("], \"render\": {\"kind\": ", f);
	li_serve_json_str(f, li_render_kind_name(p->render));
	if (p->render_rank > 0) {
		fputs(", \"shape\": [", f);
		for (int i = 0; i < p->render_rank; i++)
			fprintf(f, "%s%lld", i ? "," : "", (long long)p->render_shape[i]);
		fputc(']', f);
	}
	fputs(", \"channels\": ", f);
	put_names(f, p->channels, p->n_channels);
	fputs("}, \"labeled\": ", f);
	li_serve_json_str(f, li_inspect_labeled_dir(s->ins));
	fputs(", \"token\": ", f);
	li_serve_json_str(f, s->token);
	fputc('}', f);
	finish(r, &ans);
}

static void get_points(li_serve *s, li_serve_reply *r)
{
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	int64_t n = li_inspect_rows(s->ins);
	const int64_t *y = li_inspect_labels(s->ins);
	fputs("{\"xy\": ", f);
	put_floats(f, li_inspect_xy(s->ins), 2 * n);
	fputs(", \"labels\": ", f);
	if (y) {
		fputc('[', f);
		for (int64_t i = 0; i < n; i++)
			fprintf(f, "%s%lld", i ? "," : "", (long long)y[i]);
		fputc(']', f);
	} else {
		fputs("null", f);
	}
	fputc('}', f);
	finish(r, &ans);
}

/* A non-negative decimal integer argument below bound; -1 when it is not one. */
static int64_t index_arg(const char *v, int64_t bound)
{
	if (!v || !*v || strlen(v) > 18 || strspn(v, "0123456789") != strlen(v))
		return -1;
	long long i = strtoll(v, NULL, 10);
	return i < bound ? i : -1;
}

static void get_sample(li_serve *s, li_serve_arg_fn arg, void *conn, li_serve_reply *r)
{
	int64_t i = index_arg(arg(conn, "i"), li_inspect_rows(s->ins));
	li_shape sh;
	const float *x = i >= 0 ? li_inspect_sample(s->ins, i, &sh) : NULL;
	if (!x) {
		li_serve_error(r, 400, "'i' is not the index of a data row");
		return;
	}
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	const int64_t *y = li_inspect_labels(s->ins);
	fprintf(f, "{\"index\": %lld, \"label\": %lld, \"name\": ", (long long)i,
		y ? (long long)y[i] : -1LL);
	const char *nm = y ? class_name(s, y[i]) : NULL;
	if (nm)
		li_serve_json_str(f, nm);
	else
		fputs("null", f);
	fputs(", \"shape\": ", f);
	put_shape(f, &sh);
	fputs(", \"values\": ", f);
	put_floats(f, x, li_shape_elems(&sh));
	fputc('}', f);
	finish(r, &ans);
}

static void get_labeled(li_serve *s, li_serve_reply *r)
{
	li_err err = {0};
	li_array origin = {0};
	li_labeled *d = li_labeled_open(li_inspect_labeled_dir(s->ins), &err);
	answer ans;
	if (!d) {
		/* no data set yet is an empty one */
		FILE *f = begin(r, &ans);
		if (!f)
			return;
		fputs("{\"count\": 0, \"generation\": 0, \"classes\": [], \"samples\": []}", f);
		finish(r, &ans);
		return;
	}
	if (li_labeled_load_origin(d, &origin, &err)) {
		li_labeled_close(d);
		li_serve_error(r, 500, "the labeled data set cannot be read");
		return;
	}
	const li_labeled_info *in = li_labeled_info_of(d);
	const int64_t *lab = li_labeled_labels(d);
	FILE *f = begin(r, &ans);
	if (f) {
		fprintf(f, "{\"count\": %lld, \"generation\": %lld, \"classes\": ",
			(long long)in->count, in->generation);
		put_names(f, in->classes, in->n_classes);
		fputs(", \"samples\": [", f);
		for (int64_t i = 0; i < in->count; i++) {
			fprintf(f, "%s{\"index\": %lld, \"label\": %lld, \"x\": ", i ? "," : "",
				(long long)i, (long long)lab[i]);
			int has = origin.rank == 2 && origin.shape[1] >= 2;
			const float *o = has ? (const float *)origin.data + i * origin.shape[1] : NULL;
			put_num(f, o ? o[0] : NAN);
			fputs(", \"y\": ", f);
			put_num(f, o ? o[1] : NAN);
			fputc('}', f);
		}
		fputs("]}", f);
		finish(r, &ans);
	}
	li_array_release(&origin);
	li_labeled_close(d);
}

/* ----- POST ----- */

/* Parses the body as a JSON object with finite numbers x and y. NULL after an error
 * answer. */
static json_t *point_body(const char *body, size_t n, double *x, double *y, li_serve_reply *r)
{
	json_error_t je;
	json_t *j = json_loadb(body, n, 0, &je);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		li_serve_error(r, 400, "the body is not a JSON object");
		return NULL;
	}
	json_t *jx = json_object_get(j, "x"), *jy = json_object_get(j, "y");
	if (!json_is_number(jx) || !json_is_number(jy)) {
		json_decref(j);
		li_serve_error(r, 400, "'x' and 'y' must be numbers");
		return NULL;
	}
	*x = json_number_value(jx);
	*y = json_number_value(jy);
	if (!isfinite(*x) || !isfinite(*y) || fabs(*x) > 1e15 || fabs(*y) > 1e15) {
		json_decref(j);
		li_serve_error(r, 400, "'x' and 'y' must be finite and below 1e15");
		return NULL;
	}
	return j;
}

/* A point's "x", "y", "outside", "output" and "label" members (no braces). */
static void put_point(FILE *f, const li_serve *s, const li_inspect_point *pt)
{
	fputs("\"x\": ", f);
	put_num(f, pt->x);
	fputs(", \"y\": ", f);
	put_num(f, pt->y);
	fprintf(f, ", \"outside\": %s, \"output\": {\"shape\": ", pt->outside ? "true" : "false");
	put_shape(f, &pt->out_shape);
	fputs(", \"values\": ", f);
	put_floats(f, pt->output, pt->n_out);
	fputs("}, \"label\": ", f);
	const char *ln = pt->label >= 0 ? class_name(s, pt->label) : NULL;
	if (ln)
		li_serve_json_str(f, ln);
	else
		fputs("null", f);
}

/* Evaluates (x, y); an error answer and -1 when the point cannot be evaluated. */
static int eval(li_serve *s, double x, double y, li_inspect_point *pt, li_serve_reply *r)
{
	li_err err = {0};
	if (li_inspect_eval(s->ins, x, y, pt, &err)) {
		li_serve_error(r, 422, "the point cannot be evaluated");
		if (s->o.note) {
			char line[600];
			snprintf(line, sizeof line, "point %.9g %.9g: %s", x, y, err.msg);
			s->o.note(s->o.ctx, line);
		}
		return -1;
	}
	return 0;
}

static int cmp_prob_desc(const void *a, const void *b, void *ctx)
{
	const float *p = ctx;
	int i = *(const int *)a, j = *(const int *)b;
	return p[i] < p[j] ? 1 : p[i] > p[j] ? -1 : i - j;
}

static void post_click(li_serve *s, const char *body, size_t n, li_serve_reply *r)
{
	double x, y;
	json_t *j = point_body(body, n, &x, &y, r);
	if (!j)
		return;
	json_decref(j);
	li_inspect_point pt;
	if (eval(s, x, y, &pt, r))
		return;
	int k = s->o.neighbors;
	int64_t idx[50];
	double dist[50];
	int found = li_inspect_neighbors(s->ins, pt.latent, k, idx, dist);
	int order[1024];
	int np = pt.n_prob < 1024 ? pt.n_prob : 1024;
	for (int i = 0; i < np; i++)
		order[i] = i;
	qsort_r(order, (size_t)np, sizeof *order, cmp_prob_desc, pt.prob);
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f) {
		li_inspect_point_release(&pt);
		return;
	}
	fprintf(f, "{\"n\": %lld, ", (long long)++s->clicks);
	put_point(f, s, &pt);
	fputs(", \"latent\": ", f);
	put_floats(f, pt.latent, pt.n_latent);
	fputs(", \"probe\": [", f);
	for (int i = 0; i < np && i < 5; i++) {
		fprintf(f, "%s{\"class\": %d, \"name\": ", i ? "," : "", order[i]);
		const char *nm = class_name(s, order[i]);
		if (nm)
			li_serve_json_str(f, nm);
		else
			fprintf(f, "\"%d\"", order[i]);
		fputs(", \"p\": ", f);
		put_num(f, pt.prob[order[i]]);
		fputc('}', f);
	}
	fputs("], \"neighbors\": [", f);
	const int64_t *lab = li_inspect_labels(s->ins);
	for (int i = 0; i < found; i++) {
		li_shape sh;
		const float *v = li_inspect_sample(s->ins, idx[i], &sh);
		fprintf(f, "%s{\"index\": %lld, \"label\": %lld, \"distance\": ", i ? "," : "",
			(long long)idx[i], lab ? (long long)lab[idx[i]] : -1LL);
		put_num(f, dist[i]);
		if (v) {
			fputs(", \"shape\": ", f);
			put_shape(f, &sh);
			fputs(", \"values\": ", f);
			put_floats(f, v, li_shape_elems(&sh));
		}
		fputc('}', f);
	}
	fputs("]}", f);
	li_inspect_point_release(&pt);
	finish(r, &ans);
}

static int number(json_t *j, const char *key, double *v)
{
	json_t *e = json_object_get(j, key);
	if (!json_is_number(e))
		return -1;
	*v = json_number_value(e);
	return isfinite(*v) && fabs(*v) <= 1e15 ? 0 : -1;
}

static void post_traverse(li_serve *s, const char *body, size_t n, li_serve_reply *r)
{
	json_error_t je;
	json_t *j = json_loadb(body, n, 0, &je);
	double a[4], k;
	static const char *const keys[] = {"x0", "y0", "x1", "y1"};
	int bad = !json_is_object(j) || number(j, "n", &k) || k != floor(k) || k < 2 || k > 32;
	for (int i = 0; i < 4 && !bad; i++)
		bad = number(j, keys[i], &a[i]);
	json_decref(j);
	if (bad) {
		li_serve_error(r, 400, "the body must be {\"x0\", \"y0\", \"x1\", \"y1\": numbers below "
				       "1e15, \"n\": 2 to 32}");
		return;
	}
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	fputs("{\"points\": [", f);
	for (int i = 0; i < (int)k; i++) {
		double t = (double)i / (k - 1);
		double x = a[0] + (a[2] - a[0]) * t, y = a[1] + (a[3] - a[1]) * t;
		li_inspect_point pt;
		if (eval(s, x, y, &pt, r)) {
			drop(&ans);
			return;
		}
		fputs(i ? ",{" : "{", f);
		put_point(f, s, &pt);
		fputc('}', f);
		li_inspect_point_release(&pt);
	}
	fputs("]}", f);
	finish(r, &ans);
}

static void post_train(li_serve *s, li_serve_reply *r)
{
	li_inspect_report rep;
	li_err err = {0};
	if (li_inspect_retrain(s->ins, &rep, &err)) {
		if (err.code == LI_EDATA)
			li_serve_error(r, 422, "the probe cannot be trained: %s", err.msg);
		else
			li_serve_error(r, 500, "the probe cannot be trained");
		if (s->o.note) {
			char line[600];
			snprintf(line, sizeof line, "train: %s", err.msg);
			s->o.note(s->o.ctx, line);
		}
		return;
	}
	answer ans;
	FILE *f = begin(r, &ans);
	if (f) {
		fprintf(f, "{\"rows\": %lld, \"labeled\": %lld, \"accuracy\": ", (long long)rep.rows,
			(long long)rep.labeled);
		put_num(f, rep.accuracy);
		fprintf(f, ", \"converged\": %s, \"classes\": [", rep.converged ? "true" : "false");
		for (int i = 0; i < rep.n_classes; i++) {
			fprintf(f, "%s{\"name\": ", i ? "," : "");
			li_serve_json_str(f, class_name(s, i) ? class_name(s, i) : "");
			fprintf(f, ", \"count\": %lld, \"precision\": ", (long long)rep.count[i]);
			put_num(f, rep.precision[i]);
			fputs(", \"recall\": ", f);
			put_num(f, rep.recall[i]);
			fputc('}', f);
		}
		fputs("]}", f);
		finish(r, &ans);
	}
	li_inspect_report_release(&rep);
}

/* A class name the labeled data set accepts (checked again there). */
static int label_ok(const char *l)
{
	size_t n = strlen(l);
	if (!n || n > 200 || l[0] == ' ' || l[n - 1] == ' ')
		return 0;
	for (const unsigned char *p = (const unsigned char *)l; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

static void post_save(li_serve *s, const char *body, size_t n, li_serve_reply *r)
{
	double x, y;
	json_t *j = point_body(body, n, &x, &y, r);
	if (!j)
		return;
	const char *label = json_string_value(json_object_get(j, "label"));
	if (!label || !label_ok(label)) {
		json_decref(j);
		li_serve_error(r, 400, "'label' must be a class name (1 to 200 characters, no "
				       "control characters, no space at either end)");
		return;
	}
	li_inspect_point pt;
	if (eval(s, x, y, &pt, r)) {
		json_decref(j);
		return;
	}
	li_err err = {0};
	long long gen = 0;
	const li_inspect_point *pp = &pt;
	char *names[1] = {(char *)label};
	int rc = li_inspect_save_gen(s->ins, &pp, names, 1, &gen, &err);
	li_inspect_point_release(&pt);
	if (rc) {
		json_decref(j);
		/* err names the data set's folder: not for the page */
		li_serve_error(r, err.code == LI_EDATA ? 422 : 500,
			       "the point cannot be saved to the labeled data set");
		if (s->o.note) {
			char line[600];
			snprintf(line, sizeof line, "save failed: %s", err.msg);
			s->o.note(s->o.ctx, line);
		}
		return;
	}
	li_labeled *d = li_labeled_open(li_inspect_labeled_dir(s->ins), &err);
	long long count = d ? (long long)li_labeled_info_of(d)->count : -1;
	li_labeled_close(d);
	if (s->o.note) {
		char line[400];
		snprintf(line, sizeof line, "saved %.9g %.9g as '%.200s' (generation %lld)", x, y,
			 label, gen);
		s->o.note(s->o.ctx, line);
	}
	json_decref(j);
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	fprintf(f, "{\"generation\": %lld, \"count\": %lld, \"index\": %lld}", gen, count,
		count - 1);
	finish(r, &ans);
}

/* remove and relabel: one sample of the labeled data set, by its index. */
static void post_edit(li_serve *s, int relabel, const char *body, size_t n, li_serve_reply *r)
{
	json_error_t je;
	json_t *j = json_loadb(body, n, 0, &je);
	json_t *ji = j ? json_object_get(j, "index") : NULL;
	const char *label = j ? json_string_value(json_object_get(j, "label")) : NULL;
	if (!json_is_object(j) || !json_is_integer(ji) || json_integer_value(ji) < 0) {
		json_decref(j);
		li_serve_error(r, 400, "the body must be a JSON object with an 'index' >= 0");
		return;
	}
	if (relabel && (!label || !label_ok(label))) {
		json_decref(j);
		li_serve_error(r, 400, "'label' must be a class name (1 to 200 characters, no "
				       "control characters, no space at either end)");
		return;
	}
	int64_t idx = (int64_t)json_integer_value(ji);
	char *names[1] = {(char *)label};
	li_labeled_edit_req e = {0};
	if (relabel) {
		e.n_relabel = 1;
		e.relabel_index = &idx;
		e.relabel_name = names;
	} else {
		e.n_remove = 1;
		e.remove = &idx;
	}
	e.made_by = "li-inspect";
	li_err err = {0};
	long long gen = 0;
	int rc = li_labeled_edit(li_inspect_labeled_dir(s->ins), &e, &gen, &err);
	json_decref(j);
	if (rc) {
		li_serve_error(r, err.code == LI_EDATA ? 422 : 500, "the labeled data set has no "
			       "sample %lld, or it cannot be changed", (long long)idx);
		return;
	}
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	fprintf(f, "{\"generation\": %lld}", gen);
	finish(r, &ans);
}

/* ----- views: projects, layers, preparing another ----- */

static void get_projects(li_serve *s, li_serve_reply *r)
{
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	fprintf(f, "{\"folder\": %s, \"current\": ", s->folder ? "true" : "false");
	if (s->ins)
		li_serve_json_str(f, s->projects[s->project].name);
	else
		fputs("null", f);
	fprintf(f, ", \"view\": %d, \"projects\": [", s->ins ? s->view : 0);
	for (int i = 0; i < s->n_projects; i++) {
		fputs(i ? ",{\"name\": " : "{\"name\": ", f);
		li_serve_json_str(f, s->projects[i].name);
		fputs(", \"problem\": ", f);
		if (s->projects[i].problem)
			li_serve_json_str(f, s->projects[i].problem);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("], ", f);
	li_serve_job_json(s, f);
	fputc('}', f);
	finish(r, &ans);
}

/* Whether row i of m is a cut li-inspect accepts: a split point, not an input or output
 * (1 or 0; -1: out of memory). */
static int cut_ok(const li_model *m, int i)
{
	int split = i < 0 ? 0 : li_model_split_point(m, i, NULL);
	if (split <= 0 || i == li_model_input_row(m, 0) || li_model_row_problem(m, i))
		return split < 0 ? -1 : 0;
	for (int k = 0; k < li_model_n_outputs(m); k++)
		if (li_model_output_row(m, k) == i)
			return 0;
	return 1;
}

/* Every layer of the shown model as li-layers lists it (split or the crossing tensors),
 * and which of them the page may choose. */
static void get_layers(li_serve *s, li_serve_reply *r)
{
	const li_model *m = li_inspect_model(s->ins);
	answer ans;
	FILE *f = begin(r, &ans);
	if (!f)
		return;
	fputs("{\"cut\": ", f);
	li_serve_json_str(f, li_inspect_cut(s->ins));
	fputs(", \"layers\": [", f);
	int cross[64];
	for (int i = 0; i < li_model_rows(m); i++) {
		fprintf(f, "%s{\"index\": %d, \"name\": ", i ? "," : "", i);
		li_serve_json_str(f, li_model_row_name(m, i));
		fputs(", \"class\": ", f);
		li_serve_json_str(f, li_model_row_class(m, i));
		const li_shape *sh = li_model_row_shape(m, i);
		fputs(", \"shape\": ", f);
		if (sh->rank < 0) {
			fputs("null", f);
		} else {
			fputc('[', f);
			for (int k = 0; k < sh->rank; k++)
				fprintf(f, "%s%lld", k ? "," : "", (long long)sh->dim[k]);
			fputc(']', f);
		}
		int n = li_model_crossing(m, i, cross, 64), ok = cut_ok(m, i);
		if (n < 0 || ok < 0) {
			drop(&ans);
			li_serve_error(r, 500, "out of memory");
			return;
		}
		fprintf(f, ", \"split\": %s, \"choosable\": %s, \"crossing\": [",
			n == 1 && cross[0] == i ? "true" : "false", ok ? "true" : "false");
		for (int k = 0, first = 1; k < n && k < 64; k++) {
			if (cross[k] == i)
				continue;
			fputs(first ? "" : ",", f);
			li_serve_json_str(f, li_model_row_name(m, cross[k]));
			first = 0;
		}
		fputs("]}", f);
	}
	fputs("]}", f);
	finish(r, &ans);
}

/* A layer name or method the page sent: short, printable. */
static int name_ok(const char *v, size_t max)
{
	size_t n = strlen(v);
	if (!n || n > max)
		return 0;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/*
 * {"project": NAME, "cut": LAYER, "method": M, "auto": BOOL}, each optional: the shown
 * project, the project's default cut when the project changes (else the shown cut), the
 * shown method (the project's default when the project changes), no auto. 200 when it is
 * the shown view (a view being prepared then stays unshown), 202 when its preparation
 * started or, while another prepares, when it was queued (li_serve_job: the newest wins).
 */
static void post_prepare(li_serve *s, const char *body, size_t n, li_serve_reply *r)
{
	json_error_t je;
	json_t *j = json_loadb(body, n, 0, &je);
	if (!json_is_object(j)) {
		json_decref(j);
		li_serve_error(r, 400, "the body is not a JSON object");
		return;
	}
	json_t *jp = json_object_get(j, "project"), *jc = json_object_get(j, "cut"),
	       *jm = json_object_get(j, "method"), *ja = json_object_get(j, "auto");
	if ((jp && !json_is_string(jp)) || (jc && !json_is_string(jc) && !json_is_null(jc)) ||
	    (jm && !json_is_string(jm) && !json_is_null(jm)) || (ja && !json_is_boolean(ja))) {
		json_decref(j);
		li_serve_error(r, 400, "'project', 'cut' and 'method' must be strings, 'auto' true "
				       "or false");
		return;
	}
	int k = s->project;
	if (jp) {
		k = -1;
		for (int i = 0; i < s->n_projects; i++)
			if (!strcmp(s->projects[i].name, json_string_value(jp)))
				k = i;
		if (k < 0) {
			json_decref(j);
			li_serve_error(r, 404, "no such project");
			return;
		}
	}
	if (k < 0) {
		json_decref(j);
		li_serve_error(r, 400, "choose a project");
		return;
	}
	if (s->projects[k].problem) {
		li_serve_error(r, 422, "project '%.200s' cannot be used: %.300s", s->projects[k].name,
			       s->projects[k].problem);
		json_decref(j);
		return;
	}
	int same = s->ins && k == s->project;
	/* copies: the names outlive j */
	char cbuf[256], mbuf[16];
	const char *cut = json_string_value(jc), *method = json_string_value(jm);
	if ((cut && strlen(cut) >= sizeof cbuf) || (method && strlen(method) >= sizeof mbuf)) {
		json_decref(j);
		li_serve_error(r, 400, "'cut' or 'method' is too long");
		return;
	}
	if (cut)
		cut = strcpy(cbuf, cut);
	if (method)
		method = strcpy(mbuf, method);
	int auto_tune = ja ? json_is_true(ja) : 0;
	json_decref(j);
	j = NULL;
	if (!cut && same)
		cut = li_inspect_cut(s->ins);
	if (!method && same)
		method = li_inspect_method(s->ins);
	const char *why;
	if (method && (!name_ok(method, 15) || !li_reduce_available(method, &why))) {
		json_decref(j);
		li_serve_error(r, 400, "the method must be pca, umap or tsne");
		return;
	}
	if (cut && !name_ok(cut, 250)) {
		json_decref(j);
		li_serve_error(r, 400, "'cut' must be a layer's name");
		return;
	}
	if (cut && same) {
		/* the shown model is the project's: check the cut now */
		const li_model *m = li_inspect_model(s->ins);
		int row = li_model_find(m, cut);
		if (row < 0) {
			json_decref(j);
			li_serve_error(r, 400, "the model has no layer '%.200s'", cut);
			return;
		}
		int ok = cut_ok(m, row);
		if (ok <= 0) {
			json_decref(j);
			if (ok < 0)
				li_serve_error(r, 500, "out of memory");
			else
				li_serve_error(r, 400, "'%.200s' is not a split point between the "
					       "model's input and its output", cut);
			return;
		}
		cut = li_model_row_name(m, row);
		if (!strcmp(cut, li_inspect_cut(s->ins)) && !strcmp(method, li_inspect_method(s->ins)) &&
		    auto_tune == li_inspect_auto(s->ins)) {
			json_decref(j);
			li_serve_keep_view(s);
			answer ans;
			FILE *f = begin(r, &ans);
			if (f) {
				fprintf(f, "{\"state\": \"ready\", \"view\": %d}", s->view);
				finish(r, &ans);
			}
			return;
		}
	}
	li_serve_prepare(s, k, cut, method, auto_tune, r);
	json_decref(j);
}

/* ----- a project's render command: its picture ----- */

#define MAX_PICTURE (16 << 20)

static void post_render(li_serve *s, const char *body, size_t n, li_serve_reply *r)
{
	double x, y;
	json_t *j = point_body(body, n, &x, &y, r);
	if (!j)
		return;
	json_decref(j);
	pthread_mutex_lock(&s->lock);
	if (!s->ins || s->p->render != LI_RENDER_COMMAND || !s->p->render_run) {
		pthread_mutex_unlock(&s->lock);
		li_serve_error(r, 404, "the project has no render command");
		return;
	}
	li_inspect_point pt;
	char *run = strdup(s->p->render_run);
	int bad = !run || eval(s, x, y, &pt, r);
	pthread_mutex_unlock(&s->lock);
	if (bad) {
		if (!run)
			li_serve_error(r, 500, "out of memory");
		free(run);
		return;
	}
	/* the command runs without the inspector's lock (the page keeps working), one at a
	 * time, bounded in time */
	if (pthread_mutex_trylock(&s->render_lock)) {
		li_inspect_point_release(&pt);
		free(run);
		li_serve_error(r, 429, "a picture is being rendered: try again");
		return;
	}
	li_err err = {0};
	const char *tmpdir = getenv("TMPDIR");
	char dir[512], pic[600];
	snprintf(dir, sizeof dir, "%s/li-render-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	unsigned char *data = NULL;
	size_t size = 0;
	int made = mkdtemp(dir) != NULL;
	snprintf(pic, sizeof pic, "%s/picture.png", dir);
	int rc = made ? li_inspect_render_run(run, &pt.out_shape, pt.output, pic,
					      s->o.render_timeout_ms, &err)
		      : li_err_set(&err, LI_EIO, "cannot make a temporary folder");
	if (!rc) {
		FILE *f = fopen(pic, "rb");
		struct stat st;
		if (!f || fstat(fileno(f), &st) || st.st_size < 8 || st.st_size > MAX_PICTURE ||
		    !(data = malloc((size_t)st.st_size)) ||
		    fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			rc = li_err_set(&err, LI_EDATA, "'%s' made no picture of 8 bytes to 16 MiB", run);
		} else {
			size = (size_t)st.st_size;
			if (memcmp(data, "\x89PNG\r\n\x1a\n", 8))
				rc = li_err_set(&err, LI_EDATA, "'%s' made a picture that is not a PNG", run);
		}
		if (f)
			fclose(f);
	}
	if (made) {
		unlink(pic);
		rmdir(dir);
	}
	pthread_mutex_unlock(&s->render_lock);
	li_inspect_point_release(&pt);
	if (rc) {
		free(data);
		li_serve_error(r, 422, "the project's render command failed%s",
			       strstr(err.msg, "timed out") ? " (timed out)" : "");
		if (s->o.note) {
			char line[700];
			snprintf(line, sizeof line, "render: %s", err.msg);
			s->o.note(s->o.ctx, line);
		}
		free(run);
		return;
	}
	free(run);
	free(r->body);
	r->status = 200;
	r->type = "image/png";
	r->body = (char *)data;
	r->size = size;
}

/* The page's view number, when the request names one: in the query (GET) or the body. */
static int named_view(const char *method, li_serve_arg_fn arg, void *conn, const char *body,
		      size_t n, long long *v)
{
	if (strcmp(method, "POST")) {
		const char *q = arg(conn, "view");
		if (!q)
			return 0;
		char *end;
		*v = strtoll(q, &end, 10);
		return *q && !*end ? 1 : -1;
	}
	json_error_t je;
	json_t *j = json_loadb(body, n, 0, &je);
	json_t *jv = json_is_object(j) ? json_object_get(j, "view") : NULL;
	int rc = !jv ? 0 : json_is_integer(jv) ? 1 : -1;
	if (rc > 0)
		*v = (long long)json_integer_value(jv);
	json_decref(j);
	return rc;
}

void li_serve_api(li_serve *s, const char *method, const char *path, li_serve_arg_fn arg,
		  void *conn, const char *body, size_t n_body, li_serve_reply *r)
{
	enum { META, POINTS, SAMPLE, LABELED, PROJECTS, LAYERS, CLICK, SAVE, REMOVE, RELABEL,
	       TRAVERSE, TRAIN, PREPARE, RENDER };
	static const struct {
		const char *path;
		int post, needs_view;
	} routes[] = {
		[META] = {"meta", 0, 1}, [POINTS] = {"points", 0, 1}, [SAMPLE] = {"sample", 0, 1},
		[LABELED] = {"labeled", 0, 1}, [PROJECTS] = {"projects", 0, 0},
		[LAYERS] = {"layers", 0, 1}, [CLICK] = {"click", 1, 1}, [SAVE] = {"save", 1, 1},
		[REMOVE] = {"remove", 1, 1}, [RELABEL] = {"relabel", 1, 1},
		[TRAVERSE] = {"traverse", 1, 1}, [TRAIN] = {"train", 1, 1},
		[PREPARE] = {"prepare", 1, 0}, [RENDER] = {"render", 1, 1},
	};
	int post = !strcmp(method, "POST");
	int found = -1;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (!strcmp(path, routes[i].path))
			found = (int)i;
	if (found < 0) {
		li_serve_error(r, 404, "no such API call");
		return;
	}
	if (routes[found].post != post) {
		li_serve_error(r, 405, "%s needs %s", routes[found].path,
			       routes[found].post ? "POST" : "GET");
		return;
	}
	long long want = 0;
	int named = named_view(method, arg, conn, body, n_body, &want);
	if (named < 0) {
		li_serve_error(r, 400, "'view' must be an integer");
		return;
	}
	if (found == RENDER) {
		/* takes the lock itself: the command runs without it */
		post_render(s, body, n_body, r);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (routes[found].needs_view && !s->ins) {
		li_serve_error(r, 409, "no project is shown yet: choose one");
	} else if (named && routes[found].needs_view && want != s->view) {
		/* the page shows another layer, method or project than the server now does */
		li_serve_error(r, 409, "the view changed (another layer, method or project): reload "
				       "it");
	} else {
		switch (found) {
		case META: get_meta(s, r); break;
		case POINTS: get_points(s, r); break;
		case SAMPLE: get_sample(s, arg, conn, r); break;
		case LABELED: get_labeled(s, r); break;
		case PROJECTS: get_projects(s, r); break;
		case LAYERS: get_layers(s, r); break;
		case CLICK: post_click(s, body, n_body, r); break;
		case SAVE: post_save(s, body, n_body, r); break;
		case REMOVE: post_edit(s, 0, body, n_body, r); break;
		case RELABEL: post_edit(s, 1, body, n_body, r); break;
		case TRAVERSE: post_traverse(s, body, n_body, r); break;
		case TRAIN: post_train(s, r); break;
		case PREPARE: post_prepare(s, body, n_body, r); break;
		}
	}
	pthread_mutex_unlock(&s->lock);
}
