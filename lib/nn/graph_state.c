/*
 * Recurrent state across batches (li_model_carry_state) and Keras masks along the graph
 * (li_masks_new in model_internal.h).
 *
 * What Keras does: a layer that makes a mask (Embedding with mask_zero, Masking) attaches
 * it to its output; a layer whose supports_masking is true passes its input's mask on
 * unchanged (the default compute_mask); a recurrent layer (and Bidirectional) uses the
 * mask of its input and passes it on only when it returns sequences; any other layer
 * either uses the mask in its own way (GlobalAveragePooling1D, Softmax, attention,
 * merges that combine masks, Concatenate) or drops it (tf.keras 2, Keras 3; TF.js and
 * Keras <= 2.2 refuse to build such a model).
 *
 * What this build does: it passes a mask through the layers below, whose Keras
 * compute_mask returns the input mask (supports_masking true, no call(mask=...)):
 * the Dropout and noise family, Activation and the activation layers, Dense,
 * BatchNormalization, LayerNormalization, TimeDistributed; recurrent layers and
 * Bidirectional use it; nested models' outputs carry it. A mask that would reach any
 * other layer is refused with an error naming the layer, since the exact Keras result
 * depends on the layer and the Keras version. A cut (a fed row that is not a model input)
 * loses the mask Keras would carry across it: when that mask is used after the cut, the
 * run is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

int li_model_carry_state(li_model *m, int carry, li_err *err)
{
	int count = 0;
	for (int i = 0; i < m->n_layers; i++) {
		li_layer *l = &m->layers[i];
		if (!l->ops || !l->hooks || !l->hooks->carry_state)
			continue;
		if (l->hooks->carry_state(l, carry, err) < 0)
			return err->code ? err->code : LI_EDATA;
		count++;
	}
	return count;
}

struct li_masks {
	const li_model *m;
	int *src;                /* row -> the row whose mask its output carries, -1 none */
	unsigned char **buf;     /* producer rows: the mask of the batch (owned) */
	size_t *cap;
	const unsigned char **val; /* row -> the batch's mask, or NULL */
	int64_t *steps;          /* row -> steps of its mask */
};

static const char *const pass_classes[] = {
	"Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
	"ActivityRegularization", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU",
	"ThresholdedReLU", "Dense", "BatchNormalization", "LayerNormalization",
	"TimeDistributed", NULL,
};

static int passes(const li_layer *l)
{
	for (int i = 0; pass_classes[i]; i++)
		if (!strcmp(l->class_name, pass_classes[i]))
			return 1;
	return 0;
}

static int makes(const li_layer *l)
{
	return l->hooks && l->hooks->compute_mask;
}

static int uses(const li_layer *l)
{
	return l->hooks && l->hooks->forward_masked;
}

/* Whether a producer makes a mask in this configuration (Embedding without mask_zero
 * makes none): its hook on no rows says so. */
static int makes_one(const li_model *m, int i)
{
	const li_node *d = &m->nodes[i];
	li_layer *l = &m->layers[d->layer];
	li_err e = {0};
	if (d->n_in < 1)
		return 0;
	return l->hooks->compute_mask(l, 0, &m->nodes[d->in[0]].shape, NULL, NULL, &e) != 1;
}

/*
 * One pass over rows in order: src[i] for every row. fed_at NULL: the whole model;
 * else fed rows carry no mask. need NULL: every row. Returns 0, or the first row (+1)
 * that would receive a mask it cannot take (with *from the mask's maker).
 */
static int plan(const li_model *m, const char *need, const int *fed_at, int *src, int *from)
{
	for (int i = 0; i < m->n_nodes; i++) {
		const li_node *d = &m->nodes[i];
		src[i] = -1;
		if ((need && !need[i]) || (fed_at && fed_at[i] >= 0) || d->kind == LI_NODE_INPUT ||
		    d->kind == LI_NODE_OPAQUE)
			continue;
		if (d->kind == LI_NODE_IDENTITY) {
			src[i] = src[d->in[0]];
			continue;
		}
		const li_layer *l = &m->layers[d->layer];
		if (makes(l)) {
			src[i] = makes_one(m, i) ? i : -1;
			continue;
		}
		int masked = -1;
		for (int k = 0; k < d->n_in && masked < 0; k++)
			if (src[d->in[k]] >= 0)
				masked = k;
		if (masked < 0)
			continue;
		int s = src[d->in[masked]];
		if (masked == 0 && passes(l) && d->n_in == 1) {
			src[i] = s;
		} else if (masked == 0 && uses(l)) {
			/* returns sequences: (steps, units) from (steps, features) */
			src[i] = d->shape.rank == m->nodes[d->in[0]].shape.rank ? s : -1;
		} else {
			*from = s;
			return i + 1;
		}
	}
	return 0;
}

li_masks *li_masks_new(const li_model *m, const char *need, const int *fed_at, li_err *err)
{
	int n = m->n_nodes, any = 0, from = -1;
	for (int i = 0; i < m->n_layers; i++)
		any |= makes(&m->layers[i]);
	if (!any)
		return NULL;
	li_masks *k = calloc(1, sizeof *k);
	int *whole = malloc(sizeof(int) * (size_t)n);
	if (!k || !whole)
		goto nomem;
	k->m = m;
	k->src = malloc(sizeof(int) * (size_t)n);
	k->buf = calloc((size_t)n, sizeof *k->buf);
	k->cap = calloc((size_t)n, sizeof *k->cap);
	k->val = calloc((size_t)n, sizeof *k->val);
	k->steps = calloc((size_t)n, sizeof *k->steps);
	if (!k->src || !k->buf || !k->cap || !k->val || !k->steps)
		goto nomem;
	int bad = plan(m, need, fed_at, k->src, &from);
	if (bad) {
		const li_node *d = &m->nodes[bad - 1];
		li_err_set(err, LI_EDATA, "layer '%s' (%s) would receive the mask made by '%s': "
			   "masks are carried only through Dropout, Activation, Dense, normalization "
			   "and TimeDistributed layers to recurrent layers", d->name, d->class_name,
			   m->nodes[from].name);
		goto fail;
	}
	/* a cut that loses a mask the rest of the run uses */
	plan(m, NULL, NULL, whole, &from);
	for (int i = 0; i < n; i++) {
		const li_node *d = &m->nodes[i];
		if (!need[i] || fed_at[i] >= 0 || d->kind != LI_NODE_LAYER || d->n_in < 1 ||
		    !uses(&m->layers[d->layer]))
			continue;
		int j = d->in[0];
		if (whole[j] >= 0 && k->src[j] < 0) {
			li_err_set(err, LI_EDATA, "the cut loses the mask that '%s' makes and '%s' uses",
				   m->nodes[whole[j]].name, d->name);
			goto fail;
		}
	}
	free(whole);
	for (int i = 0; i < n; i++)
		if (k->src[i] >= 0)
			return k;
	li_masks_free(k);
	return NULL;
nomem:
	li_err_set(err, LI_ENOMEM, "out of memory");
fail:
	free(whole);
	li_masks_free(k);
	return NULL;
}

void li_masks_identity(li_masks *k, int i)
{
	int j = k->m->nodes[i].in[0];
	k->val[i] = k->val[j];
	k->steps[i] = k->steps[j];
}

int li_masks_forward(li_masks *k, int i, int64_t n, const li_shape *ish, const float *const *in,
		     const li_shape *osh, float *out, li_err *err)
{
	const li_node *d = &k->m->nodes[i];
	const li_layer *l = &k->m->layers[d->layer];
	int j = d->n_in > 0 ? d->in[0] : -1;
	const unsigned char *mask = j >= 0 ? k->val[j] : NULL;
	k->val[i] = NULL;
	if (mask && ish[0].dim[0] != k->steps[j])
		return li_err_set(err, LI_EDATA, "layer '%s': the mask has %lld steps, the input %lld",
				  d->name, (long long)k->steps[j], (long long)ish[0].dim[0]);
	int rc = mask && uses(l) ? l->hooks->forward_masked(l, n, d->n_in, ish, in, mask, osh, out, err)
				 : l->ops->forward(l, n, d->n_in, ish, in, osh, out, err);
	if (rc)
		return rc;
	if (k->src[i] < 0)
		return 0;
	if (k->src[i] != i) {
		/* passed on (or a recurrent layer returning sequences) */
		k->val[i] = mask;
		k->steps[i] = k->steps[j];
		return 0;
	}
	int64_t steps = ish[0].rank > 0 ? ish[0].dim[0] : 1, bytes;
	if (li_mul_i64(steps, n, &bytes))
		return li_err_set(err, LI_EDATA, "layer '%s': mask too large", d->name);
	if ((size_t)bytes > k->cap[i] || !k->buf[i]) {
		unsigned char *g = realloc(k->buf[i], (size_t)(bytes ? bytes : 1));
		if (!g)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		k->buf[i] = g;
		k->cap[i] = (size_t)(bytes ? bytes : 1);
	}
	rc = l->hooks->compute_mask(l, n, &ish[0], in[0], k->buf[i], err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		k->val[i] = k->buf[i];
		k->steps[i] = steps;
	}
	return 0;
}

void li_masks_free(li_masks *k)
{
	if (!k)
		return;
	if (k->buf)
		for (int i = 0; i < k->m->n_nodes; i++)
			free(k->buf[i]);
	free(k->buf);
	free(k->cap);
	free(k->val);
	free(k->steps);
	free(k->src);
	free(k);
}
