/*
 * The table of layer families: every Keras class name the engine knows, mapped to the
 * family that runs it (kann's op list, git's commands[]). Classes of families that later
 * issues add are listed so that their layers are reported as "not yet supported" rather
 * than unknown; classes that can never run (Lambda) are refused with the layer's name.
 * Also the helpers that every family shares: config readers whose messages name the
 * layer and option, weight matching by name, axis and shape helpers.
 */
#include "layers_internal.h"
#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const li_layer_ops *const families[] = {
	&li_input_ops, &li_identity_ops, &li_flatten_ops, &li_reshape_ops, &li_permute_ops,
	&li_repeat_vector_ops,
	&li_dense_ops,
	&li_activation_ops, &li_prelu_ops,
	&li_rescaling_ops, &li_normalization_ops, &li_batch_norm_ops, &li_layer_norm_ops,
	&li_merge_ops, &li_concatenate_ops, &li_dot_ops, &li_merge1_ops,
	&li_rnn_ops, &li_bidirectional_ops, &li_time_distributed_ops, &li_embedding_ops,
	&li_masking_ops,
	&li_conv_ops, &li_conv_transpose_ops, &li_sepconv_ops, &li_depthwise_ops, &li_pool_ops,
	&li_resize_ops,
	&li_mha_ops, &li_attention_ops, &li_einsum_dense_ops, &li_group_norm_ops,
	&li_unit_norm_ops,
};

/* Classes of later families (Keras 3.x keras.layers core, attention, normalization,
 * reshaping and pooling classes not built yet: doc/layers.md). */
static const char *const pending[] = {
	"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GroupedQueryAttention",
	"SpectralNormalization", "ReversibleEmbedding", "AdaptiveAveragePooling1D",
	"AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D", "AdaptiveMaxPooling1D",
	"AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "ReconstructPatches2D",
	"ReconstructPatches3D",
};

/* Classes that hold Python code or need a custom class: never runnable. */
static const char *const never[] = { "Lambda", "TFOpLambda", "SlicingOpLambda" };

/* Call signatures (layer.h): the attention layers. */
static const char *const mha_roles[] = { "query", "value", "key", "attention_mask", NULL };
static const char *const attention_roles[] = { "query", "value", "key", NULL };
static const char *const causal_opt[] = { "use_causal_mask", NULL };
static const struct {
	const char *class_name;
	li_call_sig sig;
} call_sigs[] = {
	{ "MultiHeadAttention", { mha_roles, 2, 2, 1, 0, causal_opt } },
	{ "Attention", { attention_roles, 2, 2, 1, 1, causal_opt } },
	{ "AdditiveAttention", { attention_roles, 2, 2, 1, 1, causal_opt } },
};

const li_call_sig *li_layer_call_sig(const char *class_name)
{
	for (size_t i = 0; class_name && i < sizeof call_sigs / sizeof *call_sigs; i++)
		if (!strcmp(call_sigs[i].class_name, class_name))
			return &call_sigs[i].sig;
	return NULL;
}

const li_layer_ops *li_layer_find(const char *class_name)
{
	if (!class_name)
		return NULL;
	for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
		for (const char *const *c = families[f]->classes; *c; c++)
			if (!strcmp(*c, class_name))
				return families[f];
	return NULL;
}

static int listed(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return 1;
	return 0;
}

char *li_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

float *li_floats_dup(const li_array *a)
{
	int64_t n = li_array_count(a);
	float *p = malloc((size_t)(n > 0 ? n : 1) * sizeof *p);
	if (p && n > 0)
		memcpy(p, a->data, (size_t)n * sizeof *p);
	return p;
}

int li_layer_init(li_layer *l, const char *class_name, const char *name, const json_t *config,
		  const li_weight *w, int n_w, const li_origin *o, li_err *err)
{
	memset(l, 0, sizeof *l);
	if (!class_name)
		class_name = "?";
	if (!name)
		name = "?";
	if (listed(never, sizeof never / sizeof never[0], class_name))
		return li_err_set(err, LI_EDATA,
				  "layer '%s' (%s) cannot be run: it holds Python code", name,
				  class_name);
	if (listed(pending, sizeof pending / sizeof pending[0], class_name))
		return li_err_set(err, LI_EDATA, "layer '%s' (%s) is not yet supported", name,
				  class_name);
	const li_layer_ops *ops = li_layer_find(class_name);
	if (!ops)
		return li_err_set(err, LI_EDATA,
				  "layer '%s' (%s) cannot be run: unknown or custom layer class",
				  name, class_name);
	if (config && !json_is_object(config))
		return li_err_set(err, LI_EDATA, "layer '%s' (%s): config is not an object", name,
				  class_name);
	l->name = li_strdup(name);
	l->class_name = li_strdup(class_name);
	if (!l->name || !l->class_name) {
		li_layer_release(l);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	l->ops = ops;
	json_t *empty = NULL;
	if (!config)
		config = empty = json_object();
	li_origin keras2 = { .keras_major = 2 };
	int rc = ops->parse(l, config, w, n_w, o ? o : &keras2, err);
	json_decref(empty);
	if (rc < 0) {
		li_layer_release(l);
		return rc;
	}
	return 0;
}

void li_layer_release(li_layer *l)
{
	if (!l)
		return;
	if (l->ops && l->ops->free)
		l->ops->free(l);
	free(l->name);
	free(l->class_name);
	memset(l, 0, sizeof *l);
}

int li_layer_carry_state(li_layer *l, int carry, li_err *err)
{
	if (l->hooks && l->hooks->carry_state)
		return l->hooks->carry_state(l, carry, err);
	return carry ? li_layer_fail(l, err, "has no state to carry across calls") : 0;
}

int64_t li_shape_elems(const li_shape *s)
{
	int64_t c = 1;
	for (int i = 0; i < s->rank; i++)
		if (s->dim[i] < 0 || li_mul_i64(c, s->dim[i], &c) < 0)
			return -1;
	return c;
}

int li_layer_fail(const li_layer *l, li_err *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return li_err_set(err, LI_EDATA, "layer '%s' (%s): %s", l->name, l->class_name, msg);
}

/* ---- config readers ---- */

const json_t *li_cfg_get(const json_t *c, const char *keys)
{
	char key[64];
	while (*keys) {
		size_t n = strcspn(keys, "|");
		if (n >= sizeof key)
			n = sizeof key - 1;
		memcpy(key, keys, n);
		key[n] = '\0';
		const json_t *v = json_object_get(c, key);
		if (v && !json_is_null(v))
			return v;
		keys += n;
		if (*keys == '|')
			keys++;
	}
	return NULL;
}

/* The first alternative of keys, for messages. */
static const char *first_key(const char *keys, char *buf, size_t n)
{
	size_t k = strcspn(keys, "|");
	if (k >= n)
		k = n - 1;
	memcpy(buf, keys, k);
	buf[k] = '\0';
	return buf;
}

int li_cfg_int(const li_layer *l, const json_t *c, const char *keys, int64_t def,
	       int64_t *out, li_err *err)
{
	const json_t *v = li_cfg_get(c, keys);
	char k[64];
	*out = def;
	if (!v)
		return 0;
	/* A one-element list stands for its element (tf.keras writes some axes that way). */
	if (json_is_array(v) && json_array_size(v) == 1)
		v = json_array_get(v, 0);
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && json_real_value(v) == (double)(int64_t)json_real_value(v)) {
		*out = (int64_t)json_real_value(v);
		return 0;
	}
	return li_layer_fail(l, err, "option '%s' must be an integer", first_key(keys, k, sizeof k));
}

int li_cfg_num(const li_layer *l, const json_t *c, const char *keys, double def, double *out,
	       li_err *err)
{
	const json_t *v = li_cfg_get(c, keys);
	char k[64];
	*out = def;
	if (!v)
		return 0;
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return 0;
	}
	return li_layer_fail(l, err, "option '%s' must be a number", first_key(keys, k, sizeof k));
}

int li_cfg_bool(const li_layer *l, const json_t *c, const char *keys, int def, int *out,
		li_err *err)
{
	const json_t *v = li_cfg_get(c, keys);
	char k[64];
	*out = def;
	if (!v)
		return 0;
	if (json_is_boolean(v)) {
		*out = json_is_true(v);
		return 0;
	}
	if (json_is_integer(v)) { /* Keras 1 wrote some flags as 0/1 */
		*out = json_integer_value(v) != 0;
		return 0;
	}
	return li_layer_fail(l, err, "option '%s' must be true or false",
			     first_key(keys, k, sizeof k));
}

int li_cfg_str(const li_layer *l, const json_t *c, const char *keys, const char *def,
	       const char **out, li_err *err)
{
	const json_t *v = li_cfg_get(c, keys);
	char k[64];
	*out = def;
	if (!v)
		return 0;
	if (json_is_string(v)) {
		*out = json_string_value(v);
		return 0;
	}
	return li_layer_fail(l, err, "option '%s' must be a string", first_key(keys, k, sizeof k));
}

int li_cfg_ints(const li_layer *l, const json_t *c, const char *keys, int64_t *v, int max,
		int *n, li_err *err)
{
	const json_t *x = li_cfg_get(c, keys);
	char k[64];
	*n = 0;
	if (!x)
		return 0;
	if (json_is_integer(x)) {
		v[0] = json_integer_value(x);
		*n = 1;
		return 0;
	}
	if (!json_is_array(x) || (int)json_array_size(x) > max)
		goto bad;
	for (size_t i = 0; i < json_array_size(x); i++) {
		const json_t *e = json_array_get(x, i);
		if (!json_is_integer(e))
			goto bad;
		v[i] = json_integer_value(e);
	}
	*n = (int)json_array_size(x);
	return 0;
bad:
	return li_layer_fail(l, err, "option '%s' must be an integer or a list of at most %d",
			     first_key(keys, k, sizeof k), max);
}

int li_cfg_refuse(const li_layer *l, const json_t *c, const char *key, const char *harmless,
		  li_err *err)
{
	const json_t *v = li_cfg_get(c, key);
	if (!v)
		return 0;
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	int ok = text && harmless && !strcmp(text, harmless);
	int rc = ok ? 0 : li_layer_fail(l, err, "option '%s' = %s is not supported", key,
					  text ? text : "?");
	free(text);
	return rc;
}

/* ---- weights ---- */

/* Whether name is one of the '|'-separated alternatives. */
static int name_in(const char *name, const char *alts)
{
	size_t n = strlen(name);
	while (*alts) {
		size_t k = strcspn(alts, "|");
		if (k == n && !strncmp(alts, name, n))
			return 1;
		alts += k;
		if (*alts == '|')
			alts++;
	}
	return 0;
}

int li_act_kernel_bias(li_layer *l, const json_t *c, const li_origin *o, const li_weight *w,
		       int n_w, int use_bias, li_act *act, const li_weight **x, li_err *err)
{
	static const char *const want[] = { "kernel|W", "bias|b" };
	if (li_act_parse(li_cfg_get(c, "activation"), o, act, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	return li_weights_pick(l, w, n_w, want, use_bias ? 2 : 1, x, err) < 0 ? LI_EDATA : 0;
}

int li_bias_copy(const li_layer *l, const li_weight *b, int64_t n, float **bias, li_err *err)
{
	if (li_weight_check(l, b, 1, &n, err) < 0)
		return LI_EDATA;
	if (!(*bias = li_floats_dup(&b->a)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

int li_weights_pick(const li_layer *l, const li_weight *w, int n_w, const char *const *want,
		    int n_want, const li_weight **out, li_err *err)
{
	char k[64];
	int known = 0;
	for (int j = 0; j < n_w; j++)
		for (int i = 0; i < n_want; i++)
			if (w[j].name && name_in(w[j].name, want[i]))
				known = 1;
	for (int i = 0; i < n_want; i++)
		out[i] = NULL;
	if (!known) {
		/* No recognised name: the weights are in the layer's saving order. */
		if (n_w != n_want)
			return li_layer_fail(l, err, "expected %d weights, the file has %d", n_want,
					     n_w);
		for (int i = 0; i < n_want; i++)
			out[i] = &w[i];
		return 0;
	}
	for (int j = 0; j < n_w; j++) {
		int hit = -1;
		for (int i = 0; i < n_want && hit < 0; i++)
			if (w[j].name && name_in(w[j].name, want[i]))
				hit = i;
		if (hit < 0)
			return li_layer_fail(l, err, "unexpected weight '%s'",
					     w[j].name ? w[j].name : "?");
		if (out[hit])
			return li_layer_fail(l, err, "weight '%s' given twice", w[j].name);
		out[hit] = &w[j];
	}
	for (int i = 0; i < n_want; i++)
		if (!out[i])
			return li_layer_fail(l, err, "weight '%s' is missing",
					     first_key(want[i], k, sizeof k));
	return 0;
}

int li_weight_check(const li_layer *l, const li_weight *x, int rank, const int64_t *dims,
		    li_err *err)
{
	int ok = x->a.rank == rank && x->a.dtype == LI_DTYPE_F32 && x->a.data;
	for (int i = 0; ok && i < rank; i++)
		ok = x->a.shape[i] == dims[i];
	if (ok)
		return 0;
	if (x->a.dtype != LI_DTYPE_F32)
		return li_layer_fail(l, err, "weight '%s' is %s, expected float32", x->name,
				     li_dtype_name(x->a.dtype));
	char got[160], want[160];
	li_shape_format(x->a.rank, x->a.shape, got, sizeof got);
	li_shape_format(rank, dims, want, sizeof want);
	return li_layer_fail(l, err, "weight '%s' has shape %s, the config needs %s",
			     x->name ? x->name : "?", got, want);
}

int li_weights_none(const li_layer *l, int n_w, li_err *err)
{
	return n_w ? li_layer_fail(l, err, "expected no weights, the file has %d", n_w) : 0;
}

/* ---- shapes and axes ---- */

void li_shape_text(const li_shape *s, char *buf, size_t n)
{
	size_t at = 0;
	at += snprintf(buf + at, n - at, "(None");
	for (int i = 0; i < s->rank && at < n; i++) {
		if (s->dim[i] < 0)
			at += snprintf(buf + at, n - at, ", None");
		else
			at += snprintf(buf + at, n - at, ", %lld", (long long)s->dim[i]);
	}
	if (at < n)
		snprintf(buf + at, n - at, ")");
}

int li_axis_row(int64_t axis, int row_rank)
{
	if (axis < 0)
		axis += row_rank + 1;
	if (axis < 1 || axis > row_rank)
		return -1;
	return (int)axis - 1;
}

int li_shape_known(const li_layer *l, const li_shape *in, li_err *err)
{
	char t[200];
	if (li_shape_elems(in) >= 0)
		return 0;
	li_shape_text(in, t, sizeof t);
	return li_layer_fail(l, err, "input shape %s is not fully known", t);
}

/* Formats a shape (model.h). */
void li_shape_str(const li_shape *s, char *buf, size_t n)
{
	size_t k = 0;
	if (s->rank < 0) {
		snprintf(buf, n, "unknown");
		return;
	}
	k += (size_t)snprintf(buf, n, "(");
	for (int i = 0; i < s->rank && k < n; i++) {
		if (s->dim[i] < 0)
			k += (size_t)snprintf(buf + k, n - k, "%sNone", i ? ", " : "");
		else
			k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? ", " : "",
					      (long long)s->dim[i]);
	}
	if (k < n)
		snprintf(buf + k, n - k, s->rank == 1 ? ",)" : ")");
}
