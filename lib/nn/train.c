/*
 * The tail trainer (see train.h): the rows after a cut turned into a chain of trainable
 * layers that keep what the backward pass needs (pre-activations, outputs, Dropout
 * masks), one forward and one backward pass per batch, and the optimizer update on the
 * model's own weight arrays. Dense is shaped around GEMM as its forward is
 * (layers_dense.c): dW = x^T dz, dx = dz W^T, both cblas_sgemm.
 */
#include <cblas.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"
#include "model_internal.h"
#include "modelsave.h"
#include "rng.h"
#include "train_internal.h"

struct li_tuner {
	li_train_opts o;
	int n;
	tl *l;
	int loss, fused;              /* fused: the loss takes the last layer's z as logits */
	int64_t cap, max_elems, steps;
	float *g1, *g2;
};

void li_train_opts_init(li_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->optimizer = LI_OPT_ADAM;
	o->lr = 0.001;
	o->beta1 = 0.9;
	o->beta2 = 0.999;
	o->epsilon = 1e-7;
	o->loss = LI_LOSS_AUTO;
}

static const char *const loss_names[] = {
	"auto", "sparse_categorical_crossentropy", "binary_crossentropy", "mse",
};

int li_train_loss_parse(const char *name)
{
	for (int i = 1; i < 4; i++)
		if (!strcmp(name, loss_names[i]))
			return i;
	return -1;
}

const char *li_train_loss_name(int loss)
{
	return loss >= 0 && loss < 4 ? loss_names[loss] : "?";
}

int li_tl_fail(const li_node *d, li_err *err, const char *what)
{
	return li_err_set(err, LI_EDATA, "layer '%s' (%s) %s", d->name, d->class_name, what);
}

/* Dense: the kernel and bias arrays as the model saves them; the layer must be called
 * once (a layer shared with the head cannot change alone). */
static int setup_dense(li_model *m, int r, tl *t, li_err *err)
{
	const li_node *d = &m->nodes[r];
	for (int i = 0; i < m->n_nodes; i++)
		if (i != r && m->nodes[i].kind == LI_NODE_LAYER && m->nodes[i].layer == d->layer)
			return li_tl_fail(d, err, "is called more than once and cannot be trained alone");
	static const char *const want[] = { "kernel|W", "bias|b" };
	const li_weight *x[2];
	if (li_weights_pick(&m->layers[d->layer], d->raw, d->n_raw, want, d->n_raw >= 2 ? 2 : 1,
			    x, err) < 0)
		return LI_EDATA;
	if (x[0]->a.rank != 2 || x[0]->a.shape[0] != t->n_in)
		return li_tl_fail(d, err, "has a kernel that does not fit its input");
	t->units = x[0]->a.shape[1];
	t->n_var = d->n_raw >= 2 ? 2 : 1;
	t->var[0].w = x[0]->a.data;
	t->var[0].n = t->n_in * t->units;
	if (t->n_var == 2 && (x[1]->a.rank != 1 || x[1]->a.shape[0] != t->units))
		return li_tl_fail(d, err, "has a bias that does not fit its units");
	if (t->n_var == 2) {
		t->var[1].w = x[1]->a.data;
		t->var[1].n = t->units;
	}
	return 0;
}

static int setup_layer(li_model *m, int r, const li_shape *in, tl *t, li_err *err)
{
	const li_node *d = &m->nodes[r];
	const char *c = d->class_name;
	t->node = d;
	t->origin = &m->origin;
	t->in_shape = *in;
	t->in_elems = li_shape_elems(in);
	t->out_elems = li_shape_elems(&d->shape);
	if (t->in_elems <= 0 || t->out_elems <= 0)
		return li_tl_fail(d, err, "has a shape that is not known");
	t->width = d->shape.rank ? d->shape.dim[d->shape.rank - 1] : 1;
	li_act_init(&t->act, LI_ACT_LINEAR);
	if (!strcmp(c, "Dense") || !strcmp(c, "Activation")) {
		t->kind = !strcmp(c, "Dense") ? T_DENSE : T_ACT;
		if (li_act_parse(json_object_get(d->config, "activation"), &m->origin, &t->act, err))
			return li_tl_fail(d, err, "has an activation that is not known");
		if (!li_train_act_ok(&t->act)) {
			char why[160];
			snprintf(why, sizeof why, "has activation '%s', which cannot be trained",
				 li_act_name(&t->act));
			return li_tl_fail(d, err, why);
		}
		if (t->kind == T_ACT)
			return 0;
		t->n_in = in->rank ? in->dim[in->rank - 1] : 1;
		return setup_dense(m, r, t, err);
	}
	if (!strcmp(c, "Dropout")) {
		const json_t *ns = json_object_get(d->config, "noise_shape");
		t->kind = T_DROPOUT;
		t->rate = json_number_value(json_object_get(d->config, "rate"));
		if ((ns && !json_is_null(ns)) || !(t->rate >= 0 && t->rate < 1))
			return li_tl_fail(d, err, "has a noise_shape or rate that cannot be trained");
		return 0;
	}
	if (!strcmp(c, "Flatten") || !strcmp(c, "Reshape")) {
		t->kind = T_SHAPE;
		return 0;
	}
	int rc = li_tl_spatial_setup(m, r, t, err);
	if (rc == 1)
		rc = li_tl_norm_setup(m, r, t, err);
	if (rc == 1)
		return li_tl_fail(d, err, "cannot be trained: li-finetune trains Dense, Conv1D/2D, "
				  "Conv1D/2DTranspose, pooling, UpSampling1D/2D, BatchNormalization, "
				  "Embedding, Activation, Dropout, Flatten and Reshape after the cut");
	if (rc == 0 && (t->kind == T_CONV || t->kind == T_TCONV) && !li_train_act_ok(&t->act)) {
		char why[160];
		snprintf(why, sizeof why, "has activation '%s', which cannot be trained",
			 li_act_name(&t->act));
		return li_tl_fail(d, err, why);
	}
	return rc;
}

/* The loss, and whether it takes the last layer's pre-activation as logits. */
static int pick_loss(li_tuner *t, li_err *err)
{
	tl *last = &t->l[t->n - 1];
	int has_act = last->kind == T_DENSE || last->kind == T_ACT || last->kind == T_CONV ||
		      last->kind == T_TCONV;
	li_act_kind k = has_act ? last->act.kind : LI_ACT_LINEAR;
	if (t->loss == LI_LOSS_AUTO)
		t->loss = k == LI_ACT_SOFTMAX ? LI_LOSS_SPARSE_CE :
			  k == LI_ACT_SIGMOID && last->out_elems == 1 ? LI_LOSS_BCE : LI_LOSS_MSE;
	if (t->loss == LI_LOSS_MSE)
		return 0;
	const char *nm = li_train_loss_name(t->loss);
	if (last->node->shape.rank != 1)
		return li_err_set(err, LI_EDATA, "loss '%s' needs an output of one axis", nm);
	if (t->loss == LI_LOSS_BCE && last->out_elems != 1)
		return li_err_set(err, LI_EDATA, "loss '%s' needs one output unit, not %lld", nm,
				  (long long)last->out_elems);
	li_act_kind want = t->loss == LI_LOSS_BCE ? LI_ACT_SIGMOID : LI_ACT_SOFTMAX;
	if (k != LI_ACT_LINEAR && k != want)
		return li_err_set(err, LI_EDATA, "loss '%s' needs a %s or linear last activation, "
				  "not '%s'", nm, want == LI_ACT_SIGMOID ? "sigmoid" : "softmax",
				  li_act_name(&last->act));
	t->fused = k == want;
	return 0;
}

li_tuner *li_tuner_new(li_model *m, int cut, const li_train_opts *o, li_err *err)
{
	if (cut < 0 || cut >= m->n_nodes) {
		li_err_set(err, LI_EUSAGE, "no row %d", cut);
		return NULL;
	}
	int split = li_model_split_point(m, cut, err);	/* out of memory: -1 */
	if (split < 0)
		return NULL;
	if (!split) {
		char buf[1024];
		li_model_crossing_str(m, cut, buf, sizeof buf);
		li_err_set(err, LI_EDATA, "cannot cut after '%s': %s also cross the cut",
			   m->nodes[cut].name, buf);
		return NULL;
	}
	if (m->n_outputs != 1) {
		li_err_set(err, LI_EDATA, "the model has %d outputs; li-finetune trains one",
			   m->n_outputs);
		return NULL;
	}
	li_tuner *t = calloc(1, sizeof *t);
	char *head = calloc((size_t)m->n_nodes, 1);
	if (!t || !head || !(t->l = calloc((size_t)m->n_nodes, sizeof *t->l))) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	t->o = *o;
	t->loss = o->loss;
	head[cut] = 1;
	for (int r = cut; r >= 0; r--)
		for (int k = 0; head[r] && k < m->nodes[r].n_in; k++)
			head[m->nodes[r].in[k]] = 1;
	int prev = cut;
	t->max_elems = li_shape_elems(&m->nodes[cut].shape);
	if (t->max_elems <= 0) {
		li_err_set(err, LI_EDATA, "the output shape of '%s' is not known", m->nodes[cut].name);
		goto fail;
	}
	for (int r = cut + 1; r < m->n_nodes; r++) {
		const li_node *d = &m->nodes[r];
		if (head[r])
			continue;
		if (d->kind == LI_NODE_OPAQUE) {
			li_err_set(err, LI_EDATA, "%s", d->problem);
			goto fail;
		}
		if (d->kind == LI_NODE_INPUT || d->n_in != 1 || d->in[0] != prev) {
			li_tl_fail(d, err, "does not continue a chain from the cut: li-finetune trains "
				 "a chain of single-input layers");
			goto fail;
		}
		if (d->kind == LI_NODE_LAYER) {
			if (setup_layer(m, r, &m->nodes[prev].shape, &t->l[t->n], err))
				goto fail;
			if (t->l[t->n].kind == T_EMBED && t->n > 0) {
				li_tl_fail(d, err, "is not the first layer after the cut: nothing "
					   "trains through an Embedding's ids");
				goto fail;
			}
			if (t->l[t->n].out_elems > t->max_elems)
				t->max_elems = t->l[t->n].out_elems;
			t->n++;
		}
		prev = r;
	}
	if (m->outputs[0] != prev || t->n == 0) {
		li_err_set(err, LI_EDATA, "no layer to train after '%s'", m->nodes[cut].name);
		goto fail;
	}
	if (pick_loss(t, err))
		goto fail;
	free(head);
	return t;
fail:
	free(head);
	li_tuner_free(t);
	return NULL;
}

void li_tuner_free(li_tuner *t)
{
	if (!t)
		return;
	/* t->n + 1: a layer whose setup failed holds what it allocated */
	for (int i = 0; t->l && i <= t->n; i++) {
		tl *l = &t->l[i];
		free(l->z); free(l->y); free(l->mask);
		for (int k = 0; k < 2; k++) {
			free(l->var[k].g); free(l->var[k].s1); free(l->var[k].s2);
		}
		li_tl_spatial_free(l);
		li_tl_norm_free(l);
	}
	free(t->l);
	free(t->g1);
	free(t->g2);
	free(t);
}

int li_tuner_loss(const li_tuner *t)
{
	return t->loss;
}

int64_t li_tuner_out_elems(const li_tuner *t)
{
	return t->l[t->n - 1].out_elems;
}

int64_t li_tuner_steps(const li_tuner *t)
{
	return t->steps;
}

/* Batch buffers for n rows (grown only), optimizer slots once. */
static int reserve(li_tuner *t, int64_t n, li_err *err)
{
	if (n > INT_MAX / t->max_elems)
		return li_err_set(err, LI_EUSAGE, "batch of %lld rows is too large", (long long)n);
	if (n > t->cap) {
		size_t big = sizeof(float) * (size_t)(n * t->max_elems);
		free(t->g1);
		free(t->g2);
		t->g1 = malloc(big);
		t->g2 = malloc(big);
		int bad = !t->g1 || !t->g2;
		for (int i = 0; i < t->n; i++) {
			tl *l = &t->l[i];
			size_t sz = sizeof(float) * (size_t)(n * l->out_elems);
			free(l->z); free(l->y); free(l->mask);
			l->z = malloc(sz);
			l->y = malloc(sz);
			l->mask = l->kind == T_DROPOUT ? malloc(sz) : NULL;
			bad |= !l->z || !l->y || (l->kind == T_DROPOUT && !l->mask);
		}
		if (bad) {
			t->cap = 0;
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		t->cap = n;
	}
	for (int i = 0; i < t->n; i++)
		for (int k = 0; k < t->l[i].n_var; k++) {
			tvar *v = &t->l[i].var[k];
			if (v->g)
				continue;
			v->g = calloc((size_t)v->n, sizeof(float));
			v->s1 = calloc((size_t)v->n, sizeof(float));
			v->s2 = calloc((size_t)v->n, sizeof(float));
			if (!v->g || !v->s1 || !v->s2)
				return li_err_set(err, LI_ENOMEM, "out of memory");
		}
	return 0;
}

static void activate(const tl *l, float *y, int64_t n)
{
	if (l->act.kind == LI_ACT_SOFTMAX) {
		li_shape s = { 1, { l->width } };
		li_softmax_axis(y, n * l->out_elems / l->width, &s, 0, 0);
	} else {
		li_act_apply_elems(&l->act, y, n * l->out_elems);
	}
}

/* The forward pass of n rows; train: Dropout drops (masks per seed, layer, step, row),
 * BatchNormalization uses batch statistics when bn_train. */
static int forward(li_tuner *t, int64_t n, const float *x, int train, li_err *err)
{
	const float *in = x;
	for (int i = 0; i < t->n; i++) {
		tl *l = &t->l[i];
		int64_t count = n * l->out_elems;
		int rc = 0;
		switch (l->kind) {
		case T_DENSE: {
			int rows = (int)(n * l->in_elems / l->n_in);
			const float *b = l->n_var == 2 ? l->var[1].w : NULL;
			cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, (int)l->units,
				    (int)l->n_in, 1.0f, in, (int)l->n_in, l->var[0].w, (int)l->units,
				    0.0f, l->z, (int)l->units);
			for (int64_t r = 0; b && r < rows; r++)
				for (int64_t j = 0; j < l->units; j++)
					l->z[r * l->units + j] += b[j];
			memcpy(l->y, l->z, sizeof(float) * (size_t)count);
			activate(l, l->y, n);
			break;
		}
		case T_ACT:
			memcpy(l->z, in, sizeof(float) * (size_t)count);
			memcpy(l->y, in, sizeof(float) * (size_t)count);
			activate(l, l->y, n);
			break;
		case T_DROPOUT:
			for (int64_t r = 0; r < n; r++) {
				li_rng g = li_rng_stream(t->o.seed + 0x9e3779b97f4a7c15ull * (uint64_t)(i + 1),
							 ((uint64_t)t->steps << 32) ^ (uint64_t)r);
				for (int64_t j = 0; j < l->out_elems; j++) {
					int64_t e = r * l->out_elems + j;
					l->mask[e] = !train || l->rate == 0 ? 1.0f :
						li_rng_uniform(&g) >= l->rate ? (float)(1.0 / (1.0 - l->rate)) : 0.0f;
					l->y[e] = in[e] * l->mask[e];
				}
			}
			break;
		case T_CONV: case T_TCONV: case T_POOL: case T_UPSAMPLE:
			rc = li_tl_spatial_forward(l, n, in, err);
			activate(l, l->y, n);
			break;
		case T_BN: case T_EMBED:
			rc = li_tl_norm_forward(l, n, in, train && t->o.bn_train, err);
			break;
		default:
			memcpy(l->y, in, sizeof(float) * (size_t)count);
		}
		if (rc < 0)
			return rc;
		in = l->y;
	}
	return 0;
}

static int all_finite(const float *x, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return 0;
	return 1;
}

/* The loss of the forward pass just run; g (may be NULL) gets its gradient. */
static int loss_of(li_tuner *t, int64_t n, const int64_t *y, const float *target, float *g,
		   double *loss, int64_t *correct, li_err *err)
{
	tl *last = &t->l[t->n - 1];
	const float *out = t->fused ? last->z : last->y;
	if (li_train_loss_eval(t->loss, n, last->out_elems, out, y, target, g, loss, correct))
		return li_err_set(err, LI_EDATA, "a label is out of range for %s",
				  t->loss == LI_LOSS_BCE ? "binary cross-entropy (0 or 1)" :
				  "the output's classes");
	return 0;
}

void li_tuner_classes(const li_tuner *t, int64_t n, int64_t among, int64_t *cls)
{
	const tl *last = &t->l[t->n - 1];
	li_train_loss_classes(n, last->out_elems, among, t->fused ? last->z : last->y, cls);
}

/* Back from dL/d(output) (or dL/dz of the last layer when fused) in t->g1. */
static void backward(li_tuner *t, int64_t n, const float *x)
{
	float *g = t->g1, *other = t->g2;
	for (int i = t->n - 1; i >= 0; i--) {
		tl *l = &t->l[i];
		const float *in = i ? t->l[i - 1].y : x;
		float *dx = i > 0 ? other : NULL;
		int last = i == t->n - 1;
		if ((l->kind == T_DENSE || l->kind == T_ACT || l->kind == T_CONV ||
		     l->kind == T_TCONV) && !(last && t->fused))
			li_train_act_backward(&l->act, n * l->out_elems / l->width, l->width, l->z,
					      l->y, g);
		switch (l->kind) {
		case T_DROPOUT:
			for (int64_t e = 0; e < n * l->out_elems; e++)
				g[e] *= l->mask[e];
			continue;
		case T_DENSE: {
			int rows = (int)(n * l->in_elems / l->n_in), k = (int)l->n_in, u = (int)l->units;
			cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, u, rows, 1.0f, in, k,
				    g, u, 0.0f, l->var[0].g, u);
			for (int j = 0; l->n_var == 2 && j < u; j++) {
				double s = 0;
				for (int r = 0; r < rows; r++)
					s += g[(int64_t)r * u + j];
				l->var[1].g[j] = (float)s;
			}
			if (dx)
				cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, k, u, 1.0f, g,
					    u, l->var[0].w, u, 0.0f, dx, k);
			break;
		}
		case T_CONV: case T_TCONV: case T_POOL: case T_UPSAMPLE:
			li_tl_spatial_backward(l, n, in, g, dx);
			break;
		case T_BN: case T_EMBED:
			li_tl_norm_backward(l, n, in, g, dx);
			break;
		default:  /* activations and reshapes: the gradient as it is */
			continue;
		}
		if (dx) {
			other = g;
			g = dx;
		}
	}
}

/* Keras' update of one variable (see train.h). */
static void update(li_tuner *t, float *w, const float *g, float *s1, float *s2, int64_t n)
{
	const li_train_opts *o = &t->o;
	float lr = (float)o->lr;
	if (o->weight_decay != 0) {
		float wd = (float)o->weight_decay;
		for (int64_t i = 0; i < n; i++)
			w[i] -= w[i] * wd * lr;
	}
	if (o->optimizer == LI_OPT_SGD) {
		float mu = (float)o->momentum;
		for (int64_t i = 0; i < n; i++) {
			if (mu != 0) {
				s1[i] = mu * s1[i] - g[i] * lr;
				w[i] += s1[i];
			} else {
				w[i] -= g[i] * lr;
			}
		}
		return;
	}
	double step = (double)t->steps + 1;
	float b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->epsilon;
	float alpha = (float)(o->lr * sqrt(1 - pow(o->beta2, step)) / (1 - pow(o->beta1, step)));
	for (int64_t i = 0; i < n; i++) {
		s1[i] += (g[i] - s1[i]) * (1 - b1);
		s2[i] += (g[i] * g[i] - s2[i]) * (1 - b2);
		w[i] -= alpha * s1[i] / (sqrtf(s2[i]) + eps);
	}
}

int li_tuner_eval(li_tuner *t, int64_t n, const float *x, const int64_t *y,
		  const float *target, double *loss, int64_t *correct, li_err *err)
{
	if (n <= 0)
		return li_err_set(err, LI_EUSAGE, "no rows");
	if (reserve(t, n, err) || forward(t, n, x, 0, err))
		return err->code ? err->code : LI_EDATA;
	return loss_of(t, n, y, target, NULL, loss, correct, err);
}

int li_tuner_step(li_tuner *t, int64_t n, const float *x, const int64_t *y,
		  const float *target, double *loss, int64_t *correct, li_err *err)
{
	if (n <= 0)
		return li_err_set(err, LI_EUSAGE, "no rows");
	if (reserve(t, n, err) || forward(t, n, x, 1, err))
		return err->code ? err->code : LI_EDATA;
	if (loss_of(t, n, y, target, t->g1, loss, correct, err))
		return LI_EDATA;
	int ok = isfinite(*loss);
	backward(t, n, x);
	for (int i = 0; ok && i < t->n; i++)
		for (int k = 0; ok && k < t->l[i].n_var; k++)
			ok = all_finite(t->l[i].var[k].g, t->l[i].var[k].n);
	for (int i = 0; ok && i < t->n; i++) {
		tl *l = &t->l[i];
		for (int k = 0; ok && k < l->n_var; k++) {
			tvar *v = &l->var[k];
			update(t, v->w, v->g, v->s1, v->s2, v->n);
			ok = all_finite(v->w, v->n);
		}
		li_tl_norm_after_step(l);
	}
	if (!ok)
		return li_err_set(err, LI_EDATA, "training diverged at step %lld: the loss or the "
				  "weights are no longer finite (try a smaller --lr)",
				  (long long)t->steps + 1);
	t->steps++;
	return 0;
}
