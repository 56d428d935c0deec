/*
 * Keras model configs (the model_config JSON of an .h5 file, the modelTopology of a
 * TF.js model.json) turned into plain data: layers, their calls and the tensors each call
 * reads. Both dialects are read:
 *   - Keras 1 / 2 / tf.keras / TF.js: inbound_nodes as lists [[["in", 0, 0, {}], ...]],
 *     batch_input_shape, Sequential as a bare list (Keras <= 2.2.2) or {"layers": [...]},
 *     functional class "Model" (Keras <= 2.3, TF.js) or "Functional" (tf.keras >= 2.3).
 *   - Keras 3: inbound_nodes as [{"args": [...], "kwargs": {...}}] holding
 *     {"class_name": "__keras_tensor__", "config": {"keras_history": [...]}} objects,
 *     batch_shape, flat input_layers / output_layers for one tensor.
 * Keras 1 option names are renamed to their Keras 2 spelling here (output_dim -> units,
 * nb_filter -> filters, border_mode -> padding, subsample -> strides, dim_ordering ->
 * data_format, ...), so layer families read one spelling. Weight fixes that Keras' own
 * loader applies to old files (Keras 1 kernel layouts, Theano's flipped kernels) are here
 * too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

void li_kc_origin(const char *v, li_origin *o)
{
	memset(o, 0, sizeof *o);
	if (!v) {
		/* Keras' loader assumes Keras 1 when keras_version is missing. */
		o->keras_major = 1;
		return;
	}
	snprintf(o->version, sizeof o->version, "%s", v);
	const char *p = v;
	if (!strncmp(v, "tfjs-layers", 11)) {
		/* TF.js implements the Keras 2.x layer API (hard_sigmoid 0.2x + 0.5,
		 * recurrent_activation default hard_sigmoid as Keras <= 2.2). */
		o->tfjs = 1;
		o->keras_major = 2;
		o->keras_minor = 2;
		return;
	}
	int a = 0, b = 0, c = 0;
	if (sscanf(p, "%d.%d.%d", &a, &b, &c) < 1)
		a = 2;
	o->keras_major = a;
	o->keras_minor = b;
	o->keras_patch = c;
}

int li_kc_is_model_class(const char *c)
{
	return !strcmp(c, "Sequential") || !strcmp(c, "Functional") || !strcmp(c, "Model");
}

int li_kc_is_custom(const json_t *e)
{
	const char *reg = json_string_value(json_object_get(e, "registered_name"));
	const json_t *mod = json_object_get(e, "module");
	if (reg && strchr(reg, '>'))
		return 1;
	if (!mod)
		return 0;
	/* Keras 3 writes "keras", "keras.layers", "keras.src.models.functional"; tf.keras
	 * 2.13-2.15 "keras.layers" or "keras.src..."; the tf_keras package "tf_keras..." */
	const char *m = json_string_value(mod);
	if (!m)
		return 1;
	return !(!strcmp(m, "keras") || !strncmp(m, "keras.", 6) || !strcmp(m, "tf_keras") ||
		 !strncmp(m, "tf_keras.", 9));
}

static void call_release(kc_call *c)
{
	for (int i = 0; i < c->n_in; i++)
		free(c->in[i].layer);
	free(c->in);
	json_decref(c->opts);
}

static void layer_release(kc_layer *l)
{
	free(l->module);
	free(l->registered);
	free(l->class_name);
	free(l->name);
	json_decref(l->config);
	for (int i = 0; i < l->n_calls; i++)
		call_release(&l->calls[i]);
	free(l->calls);
}

void li_kc_model_release(kc_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_layers; i++)
		layer_release(&m->layers[i]);
	free(m->layers);
	for (int i = 0; i < m->n_inputs; i++)
		free(m->inputs[i].layer);
	for (int i = 0; i < m->n_outputs; i++)
		free(m->outputs[i].layer);
	free(m->inputs);
	free(m->outputs);
	free(m->name);
	memset(m, 0, sizeof *m);
}

/* Appends a reference to call c. */
static int add_ref(kc_call *c, const char *layer, int node, int tensor, li_err *err)
{
	kc_ref *g = realloc(c->in, sizeof *g * (size_t)(c->n_in + 1));
	if (!g)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	c->in = g;
	g[c->n_in].layer = strdup(layer);
	if (!g[c->n_in].layer)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	g[c->n_in].node = node;
	g[c->n_in].tensor = tensor;
	c->n_in++;
	return 0;
}

/* Reads ["name", node, tensor, ...] into c. */
static int list_ref(const json_t *r, kc_call *c, const char *who, li_err *err)
{
	if (!json_is_array(r) || json_array_size(r) < 3 || !json_is_string(json_array_get(r, 0)) ||
	    !json_is_integer(json_array_get(r, 1)) || !json_is_integer(json_array_get(r, 2)))
		return li_err_set(err, LI_EDATA, "layer '%s': bad inbound node entry", who);
	json_int_t node = json_integer_value(json_array_get(r, 1));
	json_int_t tensor = json_integer_value(json_array_get(r, 2));
	if (node < 0 || node > 1000000 || tensor < 0 || tensor > 1000000)
		return li_err_set(err, LI_EDATA, "layer '%s': bad inbound node index", who);
	return add_ref(c, json_string_value(json_array_get(r, 0)), (int)node, (int)tensor, err);
}

/* Collects Keras 3 __keras_tensor__ objects in args, depth first, into c. */
static int k3_refs(const json_t *v, kc_call *c, const char *who, li_err *err, int depth)
{
	if (depth > 64)
		return li_err_set(err, LI_EDATA, "layer '%s': inbound nodes nest too deep", who);
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (k3_refs(e, c, who, err, depth + 1))
				return err->code;
		}
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	json_t *cls = json_object_get(v, "class_name");
	if (json_is_string(cls) && !strcmp(json_string_value(cls), "__keras_tensor__")) {
		json_t *h = json_object_get(json_object_get(v, "config"), "keras_history");
		return list_ref(h, c, who, err);
	}
	return 0;
}

/* A tensor reference given as a keyword argument: Keras 2 ["name", node, tensor] or a
 * Keras 3 __keras_tensor__ object. 1 when v is one (added to c), 0 when not, negative on
 * error. */
static int kwarg_ref(const json_t *v, kc_call *c, const char *who, li_err *err)
{
	if (json_is_array(v) && json_array_size(v) >= 3 && json_is_string(json_array_get(v, 0)))
		return list_ref(v, c, who, err) ? err->code : 1;
	json_t *cls = json_is_object(v) ? json_object_get(v, "class_name") : NULL;
	if (json_is_string(cls) && !strcmp(json_string_value(cls), "__keras_tensor__"))
		return list_ref(json_object_get(json_object_get(v, "config"), "keras_history"), c,
				who, err) ? err->code : 1;
	return 0;
}

static int role_index(const li_call_sig *sig, const char *key)
{
	for (int i = 0; sig->roles[i]; i++)
		if (!strcmp(sig->roles[i], key))
			return i;
	return -1;
}

/*
 * Puts the inputs of call c of a class with a call signature into its role order
 * (layer.h, li_call_sig) and keeps the options it names. c holds the positional tensors
 * as parsed (Keras 2: the entries of the first argument; Keras 3: the tensors of
 * "args"); kwargs (may be NULL) the call's keyword arguments (Keras 2: the dict every
 * entry carries; Keras 3: "kwargs"). Keyword arguments without meaning at inference
 * (training; masks, options and return_attention_scores left null or false) are
 * accepted; any other is refused by name.
 */
static int bind_call(const li_call_sig *sig, kc_call *c, const json_t *kwargs,
		     const char *who, li_err *err)
{
	kc_call pos = *c, named = {0};
	kc_ref bound[8];
	int n_roles = 0, have[8] = {0}, rc = 0;
	while (sig->roles[n_roles] && n_roles < 8)
		n_roles++;
	*c = (kc_call){0};
	if (pos.n_in > n_roles) {
		rc = li_err_set(err, LI_EDATA, "layer '%s': called with %d tensors, it takes at "
				"most %d", who, pos.n_in, n_roles);
		goto out;
	}
	for (int i = 0; i < pos.n_in; i++) {
		bound[i] = pos.in[i];
		have[i] = 1;
	}
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)kwargs, key, v) {
		int r = role_index(sig, key);
		if (r >= 0 && !json_is_null(v)) {
			int n0 = named.n_in;
			int k = kwarg_ref(v, &named, who, err);
			if (k < 0) {
				rc = k;
				goto out;
			}
			if (k == 0) {
				rc = li_err_set(err, LI_EDATA, "layer '%s': call argument '%s' is not a "
						"tensor of the model", who, key);
				goto out;
			}
			if (have[r]) {
				rc = li_err_set(err, LI_EDATA, "layer '%s': call argument '%s' given "
						"twice", who, key);
				goto out;
			}
			bound[r] = named.in[n0];
			have[r] = 1;
			continue;
		}
		int opt = 0;
		for (int i = 0; sig->opts && sig->opts[i]; i++)
			opt |= !strcmp(sig->opts[i], key);
		if (opt && json_is_true(v)) {
			if ((!c->opts && !(c->opts = json_object())) ||
			    json_object_set(c->opts, key, v)) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			continue;
		}
		/* meaningless at inference, or left at its default */
		if (!strcmp(key, "training") || json_is_null(v) || json_is_false(v))
			continue;
		char *t = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		rc = li_err_set(err, LI_EDATA, "layer '%s': call argument '%s' = %.60s is not "
				"supported", who, key, t ? t : "?");
		free(t);
		goto out;
	}
	if (!have[sig->key] && have[sig->default_of_key]) {
		bound[sig->key] = bound[sig->default_of_key];
		have[sig->key] = 1;
	}
	for (int r = 0; r < n_roles; r++) {
		if (have[r])
			continue;
		if (r < sig->n_required || r <= sig->key) {
			rc = li_err_set(err, LI_EDATA, "layer '%s': the call gives no '%s'", who,
					sig->roles[r]);
			goto out;
		}
		for (int q = r + 1; q < n_roles; q++)
			if (have[q]) {
				rc = li_err_set(err, LI_EDATA, "layer '%s': the call gives '%s' "
						"without '%s'", who, sig->roles[q], sig->roles[r]);
				goto out;
			}
		break;
	}
	for (int r = 0; r < n_roles && have[r]; r++)
		if ((rc = add_ref(c, bound[r].layer, bound[r].node, bound[r].tensor, err)))
			goto out;
out:
	if (rc) {
		json_decref(c->opts);
		c->opts = NULL;
	}
	call_release(&pos);
	call_release(&named);
	return rc;
}

/* Parses a layer's inbound_nodes (either dialect) into l->calls. */
static int parse_calls(const json_t *nodes, kc_layer *l, li_err *err)
{
	if (!nodes || json_is_null(nodes))
		return 0;
	if (!json_is_array(nodes))
		return li_err_set(err, LI_EDATA, "layer '%s': 'inbound_nodes' is not a list",
				  l->name);
	size_t n = json_array_size(nodes);
	if (n > 100000)
		return li_err_set(err, LI_EDATA, "layer '%s': too many calls", l->name);
	l->calls = calloc(n ? n : 1, sizeof *l->calls);
	if (!l->calls)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *call = json_array_get(nodes, i);
		kc_call *c = &l->calls[l->n_calls++];
		const json_t *kwargs = NULL;
		if (json_is_object(call)) {
			if (k3_refs(json_object_get(call, "args"), c, l->name, err, 0))
				return err->code;
			kwargs = json_object_get(call, "kwargs");
		} else if (json_is_array(call)) {
			size_t j;
			json_t *r;
			json_array_foreach(call, j, r) {
				if (list_ref(r, c, l->name, err))
					return err->code;
			}
			/* Keras 2 repeats the call's other arguments on each entry */
			kwargs = json_array_get(json_array_get(call, 0), 3);
		} else {
			return li_err_set(err, LI_EDATA, "layer '%s': bad inbound node", l->name);
		}
		const li_call_sig *sig = li_layer_call_sig(l->class_name);
		if (sig && c->n_in > 0) {
			if (kwargs && !json_is_object(kwargs))
				return li_err_set(err, LI_EDATA, "layer '%s': bad call arguments", l->name);
			if (bind_call(sig, c, kwargs, l->name, err))
				return err->code;
		}
		if (c->n_in == 0)
			return li_err_set(err, LI_EDATA, "layer '%s': a call without inputs", l->name);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * input_layers / output_layers: [["a", 0, 0], ...], or (Keras 3, one tensor) ["a", 0, 0],
 * or (Keras 3.4+, a dict of tensors) {"key": ["a", 0, 0], ...}, taken in sorted key order
 * as Keras' tree.flatten orders a dict.
 */
static int parse_io(const json_t *v, kc_ref **out, int *n, const char *what, li_err *err)
{
	kc_call c = {0};
	if (json_is_object(v) && json_object_size(v) > 0 && json_object_size(v) <= 100000) {
		size_t k = 0, m = json_object_size(v);
		const char **keys = malloc(sizeof *keys * m), *key;
		json_t *r;
		if (!keys)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		json_object_foreach((json_t *)v, key, r)
			keys[k++] = key;
		qsort(keys, m, sizeof *keys, cmp_str);
		for (k = 0; k < m; k++)
			if (list_ref(json_object_get(v, keys[k]), &c, what, err))
				break;
		free(keys);
		if (k < m)
			goto fail;
		*out = c.in;
		*n = c.n_in;
		return 0;
	}
	if (!json_is_array(v) || json_array_size(v) == 0)
		return li_err_set(err, LI_EDATA, "model config has no '%s'", what);
	if (json_is_string(json_array_get(v, 0))) {
		if (list_ref(v, &c, what, err))
			goto fail;
	} else {
		size_t i;
		json_t *r;
		json_array_foreach(v, i, r) {
			if (list_ref(r, &c, what, err))
				goto fail;
		}
	}
	*out = c.in;
	*n = c.n_in;
	return 0;
fail:
	call_release(&c);
	return err->code;
}

/* ---- Keras 1 renames ---- */

static const struct { const char *from, *to; } class_renames[] = {
	{"Convolution1D", "Conv1D"}, {"Convolution2D", "Conv2D"}, {"Convolution3D", "Conv3D"},
	{"AtrousConvolution1D", "Conv1D"}, {"AtrousConvolution2D", "Conv2D"},
	{"Deconvolution2D", "Conv2DTranspose"}, {"SeparableConvolution2D", "SeparableConv2D"},
};

static const struct { const char *from, *to; } key_renames[] = {
	{"nb_filter", "filters"}, {"border_mode", "padding"}, {"subsample", "strides"},
	{"subsample_length", "strides"}, {"filter_length", "kernel_size"},
	{"atrous_rate", "dilation_rate"}, {"pool_length", "pool_size"},
	{"inner_activation", "recurrent_activation"}, {"bias", "use_bias"},
	{"init", "kernel_initializer"}, {"inner_init", "recurrent_initializer"},
	{"dropout_W", "dropout"}, {"dropout_U", "recurrent_dropout"}, {"p", "rate"},
};

static const char *keras1_class(const char *c)
{
	for (size_t i = 0; i < sizeof class_renames / sizeof *class_renames; i++)
		if (!strcmp(c, class_renames[i].from))
			return class_renames[i].to;
	return c;
}

/*
 * Keras 1's Merge layer (functional merge()) becomes the Keras 2 merge class of its
 * mode; "cos" and lambda modes have no Keras 2 class and stay "Merge" (refused by name).
 */
static const char *keras1_merge(const json_t *cfg)
{
	static const struct { const char *mode, *cls; } modes[] = {
		{"sum", "Add"}, {"concat", "Concatenate"}, {"mul", "Multiply"},
		{"ave", "Average"}, {"max", "Maximum"}, {"dot", "Dot"},
	};
	const char *mode = json_string_value(json_object_get(cfg, "mode"));
	for (size_t i = 0; mode && i < sizeof modes / sizeof *modes; i++)
		if (!strcmp(mode, modes[i].mode))
			return modes[i].cls;
	return "Merge";
}

/* Renames Keras 1 keys in cfg (a private copy) for class cls; wrapped layers
 * (TimeDistributed, Bidirectional: cfg.layer) too. */
static int keras1_rename(const char *cls, json_t *cfg, li_err *err)
{
	json_t *inner = json_object_get(cfg, "layer");
	json_t *icls = json_object_get(inner, "class_name");
	json_t *icfg = json_object_get(inner, "config");
	if (json_is_string(icls) && json_is_object(icfg)) {
		const char *to = keras1_class(json_string_value(icls));
		if (strcmp(to, json_string_value(icls)) &&
		    json_object_set_new(inner, "class_name", json_string(to)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
		if (keras1_rename(to, icfg, err))
			return err->code;
	}
	if (!strcmp(cls, "Concatenate") || !strcmp(cls, "Dot")) {
		json_t *ax = json_object_get(cfg, "concat_axis");
		if (!ax)
			ax = json_object_get(cfg, "dot_axes");
		const char *key = !strcmp(cls, "Dot") ? "axes" : "axis";
		if (ax && !json_object_get(cfg, key) && json_object_set(cfg, key, ax))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < sizeof key_renames / sizeof *key_renames; i++) {
		json_t *v = json_object_get(cfg, key_renames[i].from);
		if (!v || json_object_get(cfg, key_renames[i].to))
			continue;
		/* subsample_length / pool_length / stride are plain numbers in Keras 1 */
		if (json_object_set(cfg, key_renames[i].to, v) ||
		    json_object_del(cfg, key_renames[i].from))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	/* Pooling1D's "stride" and Dense/RNN "output_dim" (Embedding keeps output_dim). */
	json_t *v = json_object_get(cfg, "stride");
	if (v && !json_object_get(cfg, "strides") && json_object_set(cfg, "strides", v))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	v = json_object_get(cfg, "output_dim");
	if (v && strcmp(cls, "Embedding") && !json_object_get(cfg, "units")) {
		if (json_object_set(cfg, "units", v) || json_object_del(cfg, "output_dim"))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	json_t *r = json_object_get(cfg, "nb_row"), *c = json_object_get(cfg, "nb_col");
	if (r && c && !json_object_get(cfg, "kernel_size")) {
		json_t *k = json_pack("[OO]", r, c);
		if (!k || json_object_set_new(cfg, "kernel_size", k))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	json_t *d = json_object_get(cfg, "dim_ordering");
	if (json_is_string(d) && !json_object_get(cfg, "data_format")) {
		const char *s = json_string_value(d);
		const char *f = !strcmp(s, "th") ? "channels_first" : "channels_last";
		if (json_object_set_new(cfg, "data_format", json_string(f)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	return 0;
}

/* Fills l's class, name and config from a layer entry. */
static int parse_layer(const json_t *e, const li_origin *o, kc_layer *l, li_err *err)
{
	json_t *cls = json_object_get(e, "class_name");
	json_t *cfg = json_object_get(e, "config");
	if (!json_is_string(cls))
		return li_err_set(err, LI_EDATA, "a layer without 'class_name'");
	if (!cfg)
		cfg = json_object(); /* never reached with real files; keeps the code simple */
	else
		json_incref(cfg);
	const char *name = json_string_value(json_object_get(e, "name"));
	if (!name)
		name = json_string_value(json_object_get(cfg, "name"));
	if (!name) {
		json_decref(cfg);
		return li_err_set(err, LI_EDATA, "a layer of class '%s' without a name",
				  json_string_value(cls));
	}
	const char *c = json_string_value(cls);
	if (o->keras_major == 1) {
		c = keras1_class(c);
		if (!strcmp(c, "Merge") && json_is_object(cfg))
			c = keras1_merge(cfg);
	}
	l->class_name = strdup(c);
	l->name = strdup(name);
	l->custom = li_kc_is_custom(e);
	l->is_model = !l->custom && li_kc_is_model_class(c);
	const char *mod = json_string_value(json_object_get(e, "module"));
	const char *reg = json_string_value(json_object_get(e, "registered_name"));
	if (mod)
		l->module = strdup(mod);
	if (reg)
		l->registered = strdup(reg);
	if (!l->class_name || !l->name || (mod && !l->module) || (reg && !l->registered)) {
		json_decref(cfg);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (o->keras_major == 1 && json_is_object(cfg) && !l->is_model) {
		json_t *copy = json_deep_copy(cfg);
		json_decref(cfg);
		if (!copy)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		l->config = copy;
		return keras1_rename(c, copy, err);
	}
	l->config = cfg;
	return 0;
}

int li_kc_input_shape(const json_t *cfg, li_shape *s, li_err *err)
{
	const json_t *b = json_object_get(cfg, "batch_input_shape");
	int skip = 1;
	if (!b)
		b = json_object_get(cfg, "batch_shape");
	if (!b) {
		b = json_object_get(cfg, "input_shape");
		skip = 0;
	}
	memset(s, 0, sizeof *s);
	if (!b || json_is_null(b)) {
		/* Keras 1: input_dim (and input_length for sequences) */
		json_t *d = json_object_get(cfg, "input_dim");
		if (json_is_integer(d)) {
			json_t *len = json_object_get(cfg, "input_length");
			if (len && !json_is_null(len))
				s->dim[s->rank++] = json_is_integer(len) ? json_integer_value(len) : -1;
			s->dim[s->rank++] = json_integer_value(d);
			return 0;
		}
		return LI_EEND;
	}
	if (!json_is_array(b) || (int)json_array_size(b) - skip > LI_MAX_RANK ||
	    (int)json_array_size(b) < skip)
		return li_err_set(err, LI_EDATA, "bad input shape in the config");
	for (size_t i = (size_t)skip; i < json_array_size(b); i++) {
		json_t *d = json_array_get(b, i);
		if (json_is_null(d))
			s->dim[s->rank++] = -1;
		else if (json_is_integer(d) && json_integer_value(d) >= 0)
			s->dim[s->rank++] = json_integer_value(d);
		else
			return li_err_set(err, LI_EDATA, "bad input shape in the config");
	}
	return 0;
}

/* Sequential: layers in order, each calling the one before; InputLayer first. */
static int parse_sequential(const json_t *layers, const json_t *seq_cfg, const li_origin *o,
			    kc_model *m, li_err *err)
{
	size_t n = json_array_size(layers);
	if (n == 0)
		return li_err_set(err, LI_EDATA, "the model has no layers");
	if (n > 100000)
		return li_err_set(err, LI_EDATA, "too many layers");
	m->layers = calloc(n + 1, sizeof *m->layers);
	if (!m->layers)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	json_t *first = json_array_get(layers, 0);
	json_t *fcls = json_object_get(first, "class_name");
	if (!json_is_string(fcls) || strcmp(json_string_value(fcls), "InputLayer")) {
		/* Synthesize the InputLayer Keras <= 2.3 and TF.js leave out. */
		kc_layer *in = &m->layers[m->n_layers++];
		json_t *fcfg = json_object_get(first, "config");
		const char *fname = json_string_value(json_object_get(fcfg, "name"));
		char buf[512];
		snprintf(buf, sizeof buf, "%s_input", fname ? fname : "input");
		in->class_name = strdup("InputLayer");
		in->name = strdup(buf);
		in->config = json_object();
		if (!in->class_name || !in->name || !in->config)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		li_shape s;
		/* a nested model first: its own first layer (or InputLayer) knows */
		const json_t *src = fcfg, *e = first;
		for (int d = 0; d < 16 && li_kc_is_model_class(json_string_value(
			     json_object_get(e, "class_name")) ? json_string_value(
			     json_object_get(e, "class_name")) : ""); d++) {
			json_t *c = json_object_get(e, "config");
			e = json_array_get(json_is_array(c) ? c : json_object_get(c, "layers"), 0);
			src = json_object_get(e, "config");
		}
		int rc = src ? li_kc_input_shape(src, &s, err) : LI_EEND;
		json_t *b = json_object_get(seq_cfg, "build_input_shape");
		if (rc == LI_EEND && json_is_array(b)) {
			/* tf.keras / Keras 3 record the shape the Sequential was built with */
			json_t *tmp = json_pack("{sO}", "batch_input_shape", b);
			rc = tmp ? li_kc_input_shape(tmp, &s, err) :
				li_err_set(err, LI_ENOMEM, "out of memory");
			json_decref(tmp);
		}
		if (rc && rc != LI_EEND)
			return rc;
		if (!rc) {
			json_t *shape = json_array();
			int bad = !shape || json_array_append_new(shape, json_null());
			for (int i = 0; !bad && i < s.rank; i++)
				bad = json_array_append_new(shape, s.dim[i] < 0 ? json_null() :
							    json_integer(s.dim[i]));
			if (bad || json_object_set_new(in->config, "batch_input_shape", shape)) {
				if (bad)
					json_decref(shape);
				return li_err_set(err, LI_ENOMEM, "out of memory");
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		kc_layer *l = &m->layers[m->n_layers];
		if (parse_layer(json_array_get(layers, i), o, l, err)) {
			m->n_layers++;
			return err->code;
		}
		m->n_layers++;
		if (m->n_layers == 1)
			continue; /* the InputLayer */
		l->calls = calloc(1, sizeof *l->calls);
		if (!l->calls)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		l->n_calls = 1;
		if (add_ref(&l->calls[0], m->layers[m->n_layers - 2].name, 0, 0, err))
			return err->code;
	}
	/* m holds each list at once, so that li_kc_model_release frees it after a failure */
	kc_call io = {0};
	int rc = add_ref(&io, m->layers[0].name, 0, 0, err);
	m->inputs = io.in;
	m->n_inputs = io.n_in;
	if (rc)
		return rc;
	io = (kc_call){0};
	rc = add_ref(&io, m->layers[m->n_layers - 1].name, 0, 0, err);
	m->outputs = io.in;
	m->n_outputs = io.n_in;
	return rc;
}

static int parse_functional(const json_t *cfg, const li_origin *o, kc_model *m, li_err *err)
{
	json_t *layers = json_object_get(cfg, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return li_err_set(err, LI_EDATA, "the model config has no layers");
	size_t n = json_array_size(layers);
	if (n > 100000)
		return li_err_set(err, LI_EDATA, "too many layers");
	m->layers = calloc(n, sizeof *m->layers);
	if (!m->layers)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(layers, i);
		kc_layer *l = &m->layers[m->n_layers++];
		if (!json_is_object(e))
			return li_err_set(err, LI_EDATA, "a layer entry is not an object");
		if (parse_layer(e, o, l, err))
			return err->code;
		if (parse_calls(json_object_get(e, "inbound_nodes"), l, err))
			return err->code;
	}
	if (parse_io(json_object_get(cfg, "input_layers"), &m->inputs, &m->n_inputs,
		     "input_layers", err) ||
	    parse_io(json_object_get(cfg, "output_layers"), &m->outputs, &m->n_outputs,
		     "output_layers", err))
		return err->code;
	return 0;
}

int li_kc_model_parse(const char *cls, const json_t *cfg, const li_origin *o, kc_model *m,
		      li_err *err)
{
	memset(m, 0, sizeof *m);
	int rc;
	if (json_is_array(cfg)) {
		rc = parse_sequential(cfg, NULL, o, m, err);
	} else if (!json_is_object(cfg)) {
		rc = li_err_set(err, LI_EDATA, "the model config is not an object");
	} else {
		const char *name = json_string_value(json_object_get(cfg, "name"));
		m->name = strdup(name ? name : "model");
		if (!m->name)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		else if (!strcmp(cls, "Sequential")) {
			json_t *layers = json_object_get(cfg, "layers");
			rc = json_is_array(layers) ? parse_sequential(layers, cfg, o, m, err) :
				li_err_set(err, LI_EDATA, "the Sequential config has no layers");
		} else if (!strcmp(cls, "Functional") || !strcmp(cls, "Model")) {
			rc = parse_functional(cfg, o, m, err);
		} else {
			rc = li_err_set(err, LI_EDATA, "model class '%s' is not supported", cls);
		}
	}
	if (rc == 0 && !m->name && !(m->name = strdup("sequential")))
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	if (rc)
		li_kc_model_release(m);
	return rc;
}

int li_kc_model_parse_top(const json_t *root, const li_origin *o, kc_model *m, li_err *err)
{
	if (json_is_array(root))
		return li_kc_model_parse("Sequential", root, o, m, err);
	json_t *cls = json_object_get(root, "class_name");
	json_t *cfg = json_object_get(root, "config");
	if (!json_is_string(cls) || !cfg)
		return li_err_set(err, LI_EDATA, "the model config has no 'class_name' and 'config'");
	return li_kc_model_parse(json_string_value(cls), cfg, o, m, err);
}

/* ---- weights ---- */

void li_weights_free(li_weight *w, int n)
{
	if (!w)
		return;
	for (int i = 0; i < n; i++) {
		free((char *)w[i].name);
		li_array_release(&w[i].a);
	}
	free(w);
}

char *li_kc_weight_short(const char *full, const char *layer, int strict)
{
	size_t len = strlen(full);
	/* drop a ":N" suffix */
	const char *colon = strrchr(full, ':');
	if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1))
		len = (size_t)(colon - full);
	size_t ll = strlen(layer);
	const char *p = full;
	while (p < full + len) {
		const char *slash = memchr(p, '/', (size_t)(full + len - p));
		size_t cl = slash ? (size_t)(slash - p) : (size_t)(full + len - p);
		if (slash && cl == ll && !memcmp(p, layer, ll))
			return strndup(slash + 1, (size_t)(full + len - slash - 1));
		if (!slash)
			break;
		p = slash + 1;
	}
	/* Keras 1: "dense_1_W" (no scope) */
	if (!memchr(full, '/', len) && len > ll + 1 && !memcmp(full, layer, ll) &&
	    full[ll] == '_')
		return strndup(full + ll + 1, len - ll - 1);
	if (strict)
		return NULL;
	const char *last = full;
	for (const char *q = full; q < full + len; q++)
		if (*q == '/')
			last = q + 1;
	return strndup(last, (size_t)(full + len - last));
}

/* out = a with axes permuted by perm (rank r). */
static int transpose(li_array *a, const int *perm, li_err *err)
{
	li_array t = {0};
	int64_t shape[LI_MAX_RANK], st[LI_MAX_RANK], idx[LI_MAX_RANK] = {0};
	int r = a->rank;
	for (int i = 0; i < r; i++)
		shape[i] = a->shape[perm[i]];
	if (li_array_alloc(&t, LI_DTYPE_F32, r, shape, err))
		return err->code;
	st[r - 1] = 1;
	for (int i = r - 2; i >= 0; i--)
		st[i] = st[i + 1] * a->shape[i + 1];
	int64_t n = li_array_count(a);
	const float *src = a->data;
	float *dst = t.data;
	for (int64_t k = 0; k < n; k++) {
		int64_t off = 0;
		for (int i = 0; i < r; i++)
			off += idx[i] * st[perm[i]];
		dst[k] = src[off];
		for (int i = r - 1; i >= 0; i--) {
			if (++idx[i] < shape[i])
				break;
			idx[i] = 0;
		}
	}
	li_array_release(a);
	*a = t;
	return 0;
}

/* Reverses every axis but the last two (Keras' convert_kernel). */
static void flip_spatial(li_array *a)
{
	int r = a->rank;
	if (r < 3)
		return;
	int64_t inner = a->shape[r - 2] * a->shape[r - 1];
	int64_t outer = 1;
	for (int i = 0; i < r - 2; i++)
		outer *= a->shape[i];
	/* Reversing all spatial axes together = reversing the spatial index order. */
	float *d = a->data;
	for (int64_t i = 0, j = outer - 1; i < j; i++, j--)
		for (int64_t k = 0; k < inner; k++) {
			float t = d[i * inner + k];
			d[i * inner + k] = d[j * inner + k];
			d[j * inner + k] = t;
		}
}

int li_kc_fix_weights(const char *cls, const json_t *cfg, li_weight *w, int n_w,
		      const li_origin *o, const char *backend, li_err *err)
{
	int conv = !strcmp(cls, "Conv1D") || !strcmp(cls, "Conv2D") || !strcmp(cls, "Conv3D") ||
		   !strcmp(cls, "Conv2DTranspose");
	if (!conv || n_w < 1)
		return 0;
	li_array *k = &w[0].a;
	if (o->keras_major == 1) {
		/* Keras 2's loader: Keras 1 channels_first kernels are (filters, stack, *k). */
		const char *df = json_string_value(json_object_get(cfg, "data_format"));
		int cf = df && !strcmp(df, "channels_first");
		if (!strcmp(cls, "Conv1D") && k->rank == 4) {
			/* stored as (k, 1, in, filters), or its channels_first transpose */
			json_t *f = json_object_get(cfg, "filters");
			if (!(k->shape[1] == 1 && json_is_integer(f) &&
			      k->shape[3] == json_integer_value(f))) {
				static const int p[] = {2, 3, 1, 0};
				if (transpose(k, p, err))
					return err->code;
			}
			k->shape[1] = k->shape[2];
			k->shape[2] = k->shape[3];
			k->rank = 3; /* [:, 0, :, :] of a (k, 1, in, f) array is a reshape */
		} else if (cf && k->rank == 4) {
			static const int p[] = {2, 3, 1, 0};
			if (transpose(k, p, err))
				return err->code;
		} else if (cf && k->rank == 5) {
			static const int p[] = {2, 3, 4, 1, 0};
			if (transpose(k, p, err))
				return err->code;
		}
	}
	if (backend && !strcmp(backend, "theano"))
		flip_spatial(k);
	return 0;
}
