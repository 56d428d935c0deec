/*
 * Wrappers: Bidirectional and TimeDistributed. Each builds its wrapped layer(s) with
 * li_layer_init from the "layer" entry of its config, so any family can be wrapped.
 *
 * Bidirectional(layer): a forward copy of the layer and a backward copy whose go_backwards
 * is flipped (or the config's "backward_layer" when saved). With return_sequences the
 * backward outputs are reversed back along time before merging (ORACLE-NOTES). With a
 * mask and return_sequences, tf.keras (TF 2) and Keras 3 give zeros at the masked steps
 * (they set zero_output_for_mask on both copies); TF.js and standalone Keras 2 repeat the
 * last unmasked output there, as a plain RNN does (checked against TF.js). merge_mode concat (default), sum, mul, ave; None gives two outputs, which
 * the one-output layer interface cannot express: refused. Weights: the file names them
 * after the wrapper, "forward_lstm/kernel", "backward_lstm/kernel" (TF.js, tf.keras; a
 * cell scope may follow), Keras 1 "forward_lstm_1_W_i"; the prefix selects the copy and
 * is cut off. Without such prefixes the first half of the weights is the forward copy's,
 * in saving order.
 *
 * TimeDistributed(layer): the layer applied to every step of the first per-row axis:
 * n rows of (T, ...) run as n*T rows of (...). Its weights carry the wrapper's name
 * ("time_distributed/kernel"): the names reach the wrapped layer as they are, with a
 * leading "<inner name>/" cut off where present.
 */
#include <stdlib.h>
#include <string.h>

#include "layers_internal.h"

#define WRAP_MAX_W 64

typedef enum { MERGE_CONCAT, MERGE_SUM, MERGE_MUL, MERGE_AVE } merge_mode;

typedef struct wrap {
	li_layer fw, bw;       /* Bidirectional: both; TimeDistributed: fw only */
	int bidir, have_fw, have_bw;
	merge_mode merge;
	int return_sequences;
	int zero_masked;       /* masked steps give zeros (tf.keras 2, Keras 3) */
} wrap;

/* tf.keras (keras_version ending "-tf", 2.4 on) or Keras 3, not TF.js or Keras <= 2.3. */
static int tf_keras_or_3(const li_origin *o)
{
	if (o->tfjs)
		return 0;
	return o->keras_major >= 3 ||
	       (o->keras_major == 2 && (o->keras_minor >= 4 || strstr(o->version, "-tf")));
}

/* The wrapped layer's class name and config from the wrapper's config. */
static int inner_spec(li_layer *l, const json_t *c, const char *key, const char **cls,
		      const json_t **cfg, li_err *err)
{
	const json_t *in = json_object_get(c, key);
	*cls = json_string_value(json_object_get(in, "class_name"));
	*cfg = json_object_get(in, "config");
	if (!json_is_object(in) || !*cls || (*cfg && !json_is_object(*cfg)))
		return li_layer_fail(l, err, "option '%s' does not describe a layer", key);
	return 0;
}

static const char *inner_name(const json_t *cfg, const char *def)
{
	const char *s = json_string_value(json_object_get(cfg, "name"));
	return s ? s : def;
}

static int init_inner(li_layer *l, li_layer *in, const char *cls, const char *name,
		      const json_t *cfg, const li_weight *w, int n_w, const li_origin *o,
		      li_err *err)
{
	if (li_layer_init(in, cls, name, cfg, w, n_w, o, err) < 0) {
		if (!strstr(err->msg, "not yet supported"))
			li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return 0;
}

static void wrap_free(li_layer *l)
{
	wrap *p = l->p;
	if (!p)
		return;
	if (p->have_fw)
		li_layer_release(&p->fw);
	if (p->have_bw)
		li_layer_release(&p->bw);
	free(p);
	l->p = NULL;
}

static int wrap_carry_state(li_layer *l, int carry, li_err *err)
{
	wrap *p = l->p;
	/* TimeDistributed around a stateless layer (Dense ...) has nothing to carry */
	if (!p->bidir && !(p->fw.hooks && p->fw.hooks->carry_state))
		return 0;
	if (li_layer_carry_state(&p->fw, carry, err) < 0)
		return LI_EDATA;
	return p->bidir ? li_layer_carry_state(&p->bw, carry, err) : 0;
}

/* ---- Bidirectional ---- */

/* Which copy a weight name belongs to (1 forward, 2 backward, 0 neither) and the name
 * the copy sees: "forward_lstm/lstm_cell/kernel" -> "lstm_cell/kernel"; Keras 1's
 * "forward_lstm_1_W_i" (inner layer lstm_1) -> "W_i". */
static int weight_side(const char *name, const char *inner, const char **rest)
{
	int side = !name ? 0 : !strncmp(name, "forward_", 8) ? 1 : !strncmp(name, "backward_", 9) ? 2 : 0;
	*rest = name;
	if (!side)
		return 0;
	const char *after = name + (side == 1 ? 8 : 9);
	size_t k = strlen(inner);
	if (strchr(name, '/'))
		*rest = strchr(name, '/') + 1;
	else if (k && !strncmp(after, inner, k) && after[k] == '_')
		*rest = after + k + 1;
	return side;
}

/* The start of a wrapper's parse: at most WRAP_MAX_W weights, the params in l->p and *out
 * (freed by wrap_free on any failure), its hooks. 0 or negative. */
static int wrap_start(li_layer *l, int n_w, const li_layer_hooks *hooks, wrap **out,
		      li_err *err)
{
	if (n_w > WRAP_MAX_W)
		return li_layer_fail(l, err, "too many weights (%d)", n_w);
	wrap *p = *out = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	l->hooks = hooks;
	return 0;
}

static const li_layer_hooks bidir_hooks;

static int bidir_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		       const li_origin *o, li_err *err)
{
	const char *cls, *bcls = NULL, *mode;
	const json_t *cfg, *bcfg = NULL;
	li_weight fw[WRAP_MAX_W], bw[WRAP_MAX_W];
	int n_f = 0, n_b = 0, named = 0;
	wrap *p;
	if (wrap_start(l, n_w, &bidir_hooks, &p, err) < 0)
		return LI_EDATA;
	p->bidir = 1;
	p->zero_masked = tf_keras_or_3(o);
	if (inner_spec(l, c, "layer", &cls, &cfg, err) < 0)
		return LI_EDATA;
	if (json_object_get(c, "backward_layer") &&
	    inner_spec(l, c, "backward_layer", &bcls, &bcfg, err) < 0)
		return LI_EDATA;
	const json_t *mm = json_object_get(c, "merge_mode");
	if (mm && json_is_null(mm))
		return li_layer_fail(l, err, "merge_mode None gives two outputs, which the layer "
					     "interface cannot express; cut the model before this layer");
	if (li_cfg_str(l, c, "merge_mode", "concat", &mode, err) < 0)
		return LI_EDATA;
	if (!strcmp(mode, "concat"))
		p->merge = MERGE_CONCAT;
	else if (!strcmp(mode, "sum"))
		p->merge = MERGE_SUM;
	else if (!strcmp(mode, "mul"))
		p->merge = MERGE_MUL;
	else if (!strcmp(mode, "ave"))
		p->merge = MERGE_AVE;
	else
		return li_layer_fail(l, err, "merge_mode '%s' is not supported", mode);
	if (li_cfg_bool(l, cfg, "return_sequences", 0, &p->return_sequences, err) < 0)
		return LI_EDATA;
	/* split the weights between the copies */
	for (int i = 0; i < n_w; i++) {
		const char *rest;
		if (weight_side(w[i].name, inner_name(cfg, ""), &rest))
			named = 1;
	}
	for (int i = 0; i < n_w; i++) {
		const char *rest;
		int side = named ? weight_side(w[i].name, inner_name(cfg, ""), &rest)
				 : i < n_w / 2 ? 1 : 2;
		if (!named)
			rest = w[i].name;
		if (!side)
			return li_layer_fail(l, err, "weight '%s' belongs to neither the forward "
					     "nor the backward layer", w[i].name);
		li_weight *x = side == 1 ? &fw[n_f++] : &bw[n_b++];
		*x = w[i];
		x->name = rest;
	}
	char fname[200], bname[200];
	snprintf(fname, sizeof fname, "forward_%s", inner_name(cfg, "layer"));
	if (init_inner(l, &p->fw, cls, fname, cfg, fw, n_f, o, err) < 0)
		return LI_EDATA;
	p->have_fw = 1;
	if (strcmp(cls, "SimpleRNN") && strcmp(cls, "LSTM") && strcmp(cls, "GRU"))
		return li_layer_fail(l, err, "wraps '%s' (%s), which is not a recurrent layer",
				     inner_name(cfg, "?"), cls);
	json_t *copy = NULL;
	if (!bcfg) {
		int gb;
		if (li_cfg_bool(l, cfg, "go_backwards", 0, &gb, err) < 0)
			return LI_EDATA;
		copy = cfg ? json_deep_copy(cfg) : json_object();
		if (!copy || json_object_set_new(copy, "go_backwards", json_boolean(!gb)) < 0) {
			json_decref(copy);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		bcls = cls;
		bcfg = copy;
	}
	snprintf(bname, sizeof bname, "backward_%s", inner_name(cfg, "layer"));
	int rc = init_inner(l, &p->bw, bcls, bname, bcfg, bw, n_b, o, err);
	json_decref(copy);
	if (rc < 0)
		return LI_EDATA;
	p->have_bw = 1;
	return 0;
}

static int bidir_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			   li_err *err)
{
	const wrap *p = l->p;
	li_shape b;
	if (p->fw.ops->out_shape(&p->fw, n_in, in, out, err) < 0 ||
	    p->bw.ops->out_shape(&p->bw, n_in, in, &b, err) < 0)
		return LI_EDATA;
	if (out->rank != b.rank || out->dim[out->rank - 1] != b.dim[b.rank - 1])
		return li_layer_fail(l, err, "forward and backward layers disagree in shape");
	if (p->merge == MERGE_CONCAT && out->dim[out->rank - 1] >= 0)
		out->dim[out->rank - 1] *= 2;
	return 0;
}

static int run_inner(const li_layer *in, int64_t n, int n_in, const li_shape *in_shape,
		     const float *const *x, const unsigned char *mask, const li_shape *os,
		     float *y, li_err *err)
{
	if (mask && in->hooks && in->hooks->forward_masked)
		return in->hooks->forward_masked(in, n, n_in, in_shape, x, mask, os, y, err);
	return in->ops->forward(in, n, n_in, in_shape, x, os, y, err);
}

static int bidir_forward_masked(const li_layer *l, int64_t n, int n_in,
				const li_shape *in_shape, const float *const *in,
				const unsigned char *mask, const li_shape *out_shape, float *out,
				li_err *err)
{
	const wrap *p = l->p;
	li_shape os;
	(void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0 ||
	    p->fw.ops->out_shape(&p->fw, n_in, in_shape, &os, err) < 0)
		return LI_EDATA;
	int64_t u = os.dim[os.rank - 1], m = li_shape_elems(&os), steps = m / (u ? u : 1), tot;
	if (m < 0 || li_mul_i64(n, m, &tot) < 0)
		return li_layer_fail(l, err, "output too large");
	float *yf = malloc((size_t)(tot + 1) * sizeof *yf), *yb = malloc((size_t)(tot + 1) * sizeof *yb);
	if (!yf || !yb) {
		free(yf), free(yb);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	int rc = run_inner(&p->fw, n, n_in, in_shape, in, mask, &os, yf, err);
	if (rc == 0)
		rc = run_inner(&p->bw, n, n_in, in_shape, in, mask, &os, yb, err);
	if (rc < 0) {
		free(yf), free(yb);
		return rc;
	}
	for (int64_t b = 0; b < n; b++)
		for (int64_t t = 0; t < steps; t++) {
			/* with return_sequences the backward outputs come reversed in time */
			int64_t tb = p->return_sequences ? steps - 1 - t : t;
			const float *f = yf + (b * steps + t) * u, *g = yb + (b * steps + tb) * u;
			int zero = p->zero_masked && p->return_sequences && mask && !mask[b * steps + t];
			float *o = out + (b * steps + t) * u * (p->merge == MERGE_CONCAT ? 2 : 1);
			for (int64_t j = 0; j < u; j++) {
				float fv = zero ? 0.0f : f[j], gv = zero ? 0.0f : g[j];
				switch (p->merge) {
				case MERGE_CONCAT:
					o[j] = fv;
					o[u + j] = gv;
					break;
				case MERGE_SUM:
					o[j] = fv + gv;
					break;
				case MERGE_MUL:
					o[j] = fv * gv;
					break;
				case MERGE_AVE:
					o[j] = (fv + gv) / 2.0f;
					break;
				}
			}
		}
	free(yf), free(yb);
	return 0;
}

static int bidir_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			 const float *const *in, const li_shape *out_shape, float *out,
			 li_err *err)
{
	return bidir_forward_masked(l, n, n_in, in_shape, in, NULL, out_shape, out, err);
}

static const li_layer_hooks bidir_hooks = {
	.carry_state = wrap_carry_state,
	.forward_masked = bidir_forward_masked,
};

static const char *const bidir_classes[] = { "Bidirectional", NULL };
const li_layer_ops li_bidirectional_ops = {
	bidir_classes, bidir_parse, bidir_out_shape, bidir_forward, wrap_free,
};

/* ---- TimeDistributed ---- */

static const li_layer_hooks td_hooks = { .carry_state = wrap_carry_state };

static int td_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
		    const li_origin *o, li_err *err)
{
	const char *cls;
	const json_t *cfg;
	li_weight iw[WRAP_MAX_W];
	wrap *p;
	if (wrap_start(l, n_w, &td_hooks, &p, err) < 0)
		return LI_EDATA;
	if (inner_spec(l, c, "layer", &cls, &cfg, err) < 0)
		return LI_EDATA;
	const char *name = inner_name(cfg, "layer");
	size_t k = strlen(name);
	for (int i = 0; i < n_w; i++) {
		iw[i] = w[i];
		if (w[i].name && !strncmp(w[i].name, name, k) && w[i].name[k] == '/')
			iw[i].name = w[i].name + k + 1;
	}
	if (init_inner(l, &p->fw, cls, name, cfg, iw, n_w, o, err) < 0)
		return LI_EDATA;
	p->have_fw = 1;
	return 0;
}

/* The per-step shape: s without its first axis. */
static int step_shape(const li_layer *l, const li_shape *s, li_shape *step, li_err *err)
{
	char t[200];
	if (s->rank < 2) {
		li_shape_text(s, t, sizeof t);
		return li_layer_fail(l, err, "input shape %s has no time axis to distribute over", t);
	}
	step->rank = s->rank - 1;
	for (int i = 1; i < s->rank; i++)
		step->dim[i - 1] = s->dim[i];
	return 0;
}

static int td_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			li_err *err)
{
	const wrap *p = l->p;
	li_shape step, o;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (step_shape(l, &in[0], &step, err) < 0 || p->fw.ops->out_shape(&p->fw, 1, &step, &o, err) < 0)
		return LI_EDATA;
	if (o.rank + 1 > LI_MAX_RANK)
		return li_layer_fail(l, err, "output rank too large");
	out->rank = o.rank + 1;
	out->dim[0] = in[0].dim[0];
	for (int i = 0; i < o.rank; i++)
		out->dim[i + 1] = o.dim[i];
	return 0;
}

static int td_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		      const float *const *in, const li_shape *out_shape, float *out, li_err *err)
{
	const wrap *p = l->p;
	li_shape step, o;
	int64_t rows;
	(void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0 || td_out_shape(l, n_in, in_shape, &o, err) < 0 ||
	    step_shape(l, &in_shape[0], &step, err) < 0)
		return LI_EDATA;
	if (li_mul_i64(n, in_shape[0].dim[0], &rows) < 0)
		return li_layer_fail(l, err, "batch too large");
	li_shape so = o;
	so.rank = o.rank - 1;
	for (int i = 0; i < so.rank; i++)
		so.dim[i] = o.dim[i + 1];
	return p->fw.ops->forward(&p->fw, rows, 1, &step, in, &so, out, err);
}

static const char *const td_classes[] = { "TimeDistributed", NULL };
const li_layer_ops li_time_distributed_ops = {
	td_classes, td_parse, td_out_shape, td_forward, wrap_free,
};
