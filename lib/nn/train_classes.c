/*
 * New classes for a fine-tuned model (train.h, li_model_add_classes): the Dense layer whose
 * units are the model's classes grows new units. Its kernel's new columns are drawn as
 * Keras' default initializer would draw them for the grown layer (glorot_uniform:
 * uniform in +-sqrt(6 / (fan_in + fan_out)), fan_out the new unit count), seeded; new
 * biases are 0 (Keras' zeros). The layer's config, the shapes of the rows after it and the
 * model's class names follow, so the model writer saves the grown model.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"
#include "model_internal.h"
#include "rng.h"
#include "train.h"

/* The Dense row whose units are the output (only Activation/Softmax rows after it). */
static int class_row(const li_model *m, li_err *err)
{
	int r = m->outputs[0];
	while (r >= 0 && m->nodes[r].kind == LI_NODE_LAYER && m->nodes[r].n_in == 1 &&
	       (!strcmp(m->nodes[r].class_name, "Activation") ||
		!strcmp(m->nodes[r].class_name, "Softmax")))
		r = m->nodes[r].in[0];
	if (r < 0 || m->nodes[r].kind != LI_NODE_LAYER || strcmp(m->nodes[r].class_name, "Dense") ||
	    m->nodes[r].shape.rank != 1)
		return li_err_set(err, LI_EDATA, "new classes need a model whose output comes from "
				  "a Dense layer of one axis (its units are the classes)");
	return r;
}

static int grow(li_weight *w, int64_t rows, int64_t old, int64_t units, li_rng *g, double limit,
		li_err *err)
{
	li_array a = {0};
	int64_t shape[2] = { rows, units };
	if (li_array_alloc(&a, LI_DTYPE_F32, w->a.rank, w->a.rank == 2 ? shape : shape + 1, err))
		return LI_ENOMEM;
	const float *src = w->a.data;
	float *dst = a.data;
	for (int64_t i = 0; i < (w->a.rank == 2 ? rows : 1); i++)
		for (int64_t j = 0; j < units; j++)
			dst[i * units + j] = j < old ? src[i * old + j] :
				w->a.rank == 2 ? (float)((li_rng_uniform(g) * 2 - 1) * limit) : 0.0f;
	li_array_release(&w->a);
	w->a = a;
	return 0;
}

int li_model_add_classes(li_model *m, int64_t units, char *const *names, int64_t n_names,
			 uint64_t seed, li_err *err)
{
	int r = class_row(m, err);
	if (r < 0)
		return r;
	li_node *d = &m->nodes[r];
	int64_t old = d->shape.dim[0];
	if (units <= old)
		return 0;
	static const char *const want[] = { "kernel|W", "bias|b" };
	const li_weight *x[2];
	li_layer *l = &m->layers[d->layer];
	if (li_weights_pick(l, d->raw, d->n_raw, want, d->n_raw >= 2 ? 2 : 1, x, err) < 0)
		return LI_EDATA;
	if (x[0]->a.rank != 2 || x[0]->a.shape[1] != old)
		return li_err_set(err, LI_EDATA, "layer '%s' (Dense) has a kernel that does not fit "
				  "its units", d->name);
	int64_t fan_in = x[0]->a.shape[0];
	li_rng g = li_rng_stream(seed, 0x6e6577636c617373ull);  /* "newclass" */
	double limit = sqrt(6.0 / (double)(fan_in + units));
	for (int k = 0; k < d->n_raw && k < 2; k++)
		if (grow(&d->raw[k], fan_in, old, units, &g, limit, err))
			return LI_ENOMEM;
	if (json_object_set_new(d->config, "units", json_integer(units)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	/* the engine's own layer (li_run) takes the grown weights too */
	char *name = li_strdup(l->name), *cls = li_strdup(l->class_name);
	if (!name || !cls) {
		free(name);
		free(cls);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	li_layer_release(l);
	memset(l, 0, sizeof *l);
	int rc = li_layer_init(l, cls, name, d->config, d->raw, d->n_raw, &m->origin, err);
	free(name);
	free(cls);
	if (rc < 0)
		return rc;
	/* this row and the activations after it, to the output */
	for (int k = m->outputs[0]; k != r; k = m->nodes[k].in[0])
		m->nodes[k].shape.dim[0] = units;
	d->shape.dim[0] = units;
	/* the class names: the model's own first, then the new ones given */
	char **cn = calloc((size_t)units, sizeof *cn);
	if (!cn)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int64_t i = 0; i < units; i++) {
		const char *s = i < m->n_class_names ? m->class_names[i] : i < n_names ? names[i] : NULL;
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)i);
		if (!(cn[i] = li_strdup(s ? s : num))) {
			while (i-- > 0)
				free(cn[i]);
			free(cn);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
	}
	for (int i = 0; i < m->n_class_names; i++)
		free(m->class_names[i]);
	free(m->class_names);
	m->class_names = cn;
	m->n_class_names = (int)units;
	return 0;
}

li_tuner *li_tuner_for_classes(li_model *m, li_tuner *t, int cut, const li_train_rows *r,
			       const li_train_opts *o, li_err *err)
{
	const char *const *own;
	int n_own = li_model_class_names(m, &own);
	if (li_tuner_loss(t) != LI_LOSS_SPARSE_CE || r->n_names <= li_tuner_out_elems(t))
		return t;
	li_tuner_free(t);
	for (int64_t i = 0; i < n_own && i < r->n_names; i++)
		if (strcmp(own[i], r->names[i])) {
			li_err_set(err, LI_EDATA, "class %lld is '%s' in the model and '%s' in the "
				   "labeled set", (long long)i, own[i], r->names[i]);
			return NULL;
		}
	if (li_model_add_classes(m, r->n_names, r->names, r->n_names, o->seed, err))
		return NULL;
	return li_tuner_new(m, cut, o, err);
}
