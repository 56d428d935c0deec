/*
 * The model writer (see modelsave.h): a part of the layer graph turned back into a Keras
 * config in the tf.keras 2.4 dialect plus the weights of its layers, written with
 * li_h5_save_model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5save.h"
#include "model_internal.h"
#include "modelsave.h"
#include "modelsave_internal.h"

typedef ms_entry entry;
typedef ms_part part;

void li_model_crossing_str(const li_model *m, int row, char *buf, size_t n)
{
	int cross[8];
	int k = li_model_crossing(m, row, cross, 8);
	size_t used = 0;
	buf[0] = 0;
	for (int i = 0; i < k && i < 8 && used < n; i++)
		if (cross[i] != row)
			used += (size_t)snprintf(buf + used, n - used, "%s'%s'", used ? ", " : "",
						 li_model_row_name(m, cross[i]));
	if (k > 8 && used < n)
		snprintf(buf + used, n - used, ", ...");
}

static int is_input(const part *p, int r)
{
	for (int k = 0; k < p->n_in; k++)
		if (p->ins[k] == r)
			return 1;
	return 0;
}

/* The row whose tensor row r stands for (nested models' identity rows borrow). */
int ms_owner(const part *p, int r)
{
	while (p->m->nodes[r].kind == LI_NODE_IDENTITY && !is_input(p, r))
		r = p->m->nodes[r].in[0];
	return r;
}

/* "outer/inner@1" -> "outer_inner_1", unique among the part's entries. */
static char *entry_name(const part *p, const char *base, const char *suffix)
{
	size_t n = strlen(base) + strlen(suffix) + 16;
	char *s = malloc(n);
	if (!s)
		return NULL;
	snprintf(s, n, "%s%s", base, suffix);
	for (char *c = s; *c; c++)
		if (*c == '/' || *c == '@')
			*c = '_';
	size_t len = strlen(s);
	for (int k = 2;; k++) {
		int clash = 0;
		for (int i = 0; i < p->n_e && !clash; i++)
			clash = !strcmp(p->e[i].name, s);
		if (!clash)
			return s;
		snprintf(s + len, n - len, "_%d", k);
	}
}

/* A dtype as a string: Keras 3 writes a policy object {"config": {"name": ...}}. */
static json_t *dtype_str(const json_t *d)
{
	if (json_is_string(d))
		return json_incref((json_t *)d);
	const char *n = json_string_value(json_object_get(json_object_get(d, "config"), "name"));
	return json_string(n ? n : "float32");
}

static int set_default(json_t *cfg, const char *key, json_t *v)
{
	if (!v)
		return -1;
	if (json_object_get(cfg, key)) {
		json_decref(v);
		return 0;
	}
	return json_object_set_new(cfg, key, v);
}

/*
 * Keras 1 configs arrive with their options renamed to Keras 2 (kerascfg.c) but with the
 * Keras 1 spellings that have no effect on the engine still beside them; the Keras 2
 * dialect has none of them.
 */
static int keras1_clean(json_t *cfg)
{
	static const struct { const char *from, *to; } renames[] = {
		{"W_regularizer", "kernel_regularizer"}, {"b_regularizer", "bias_regularizer"},
		{"U_regularizer", "recurrent_regularizer"}, {"W_constraint", "kernel_constraint"},
		{"b_constraint", "bias_constraint"}, {"U_constraint", "recurrent_constraint"},
		{"input_dtype", "dtype"}, {"beta_init", "beta_initializer"},
		{"gamma_init", "gamma_initializer"}, {"forget_bias_init", "unit_forget_bias"},
	};
	static const char *drop[] = {"nb_row", "nb_col", "dim_ordering", "stride", "concat_axis",
				     "dot_axes", "mode_type", "output_shape_type", "output_mask",
				     "output_mask_type", "node_indices", "tensor_indices", "layers",
				     "arguments", "consume_less", "output_dim", "init",
				     "inner_init", "inner_activation", "border_mode", "subsample",
				     "nb_filter", "filter_length", "subsample_length",
				     "pool_length", "atrous_rate", "dropout_W", "dropout_U", "p"};
	int rc = 0;
	for (size_t i = 0; i < sizeof renames / sizeof *renames; i++) {
		json_t *v = json_object_get(cfg, renames[i].from);
		if (!v)
			continue;
		if (!json_object_get(cfg, renames[i].to))
			rc |= json_object_set(cfg, renames[i].to,
					      strcmp(renames[i].to, "unit_forget_bias") ? v :
					      json_true());
		rc |= json_object_del(cfg, renames[i].from);
	}
	/* Embedding keeps output_dim; Keras 1's "bias" flag became use_bias */
	for (size_t i = 0; i < sizeof drop / sizeof *drop; i++) {
		if (!strcmp(drop[i], "output_dim") && !json_object_get(cfg, "units"))
			continue;
		json_object_del(cfg, drop[i]);
	}
	/* Keras 1 regularizers {"name": "WeightRegularizer", "l1": .., "l2": ..} -> L1L2 */
	const char *iter_key;
	json_t *v;
	json_object_foreach(cfg, iter_key, v) {
		const char *rn = json_string_value(json_object_get(v, "name"));
		if (!strstr(iter_key, "regularizer") || !rn || strstr(rn, "Regularizer") == NULL)
			continue;
		json_t *l1 = json_object_get(v, "l1"), *l2 = json_object_get(v, "l2");
		json_t *r = json_pack("{s:s,s:{s:f,s:f}}", "class_name", "L1L2", "config", "l1",
				      json_number_value(l1), "l2", json_number_value(l2));
		rc |= !r || json_object_set_new(cfg, iter_key, r);
	}
	json_t *b = json_object_get(cfg, "bias");
	if (json_is_boolean(b) && json_object_get(cfg, "use_bias"))
		json_object_del(cfg, "bias");
	if (json_object_get(cfg, "mode") && json_object_get(cfg, "epsilon"))
		json_object_del(cfg, "mode"); /* BatchNormalization mode 0, the only one run */
	return rc ? -1 : 0;
}

/* Keras 3 serializes objects as {"module", "class_name", "config", "registered_name"};
 * tf.keras 2.4 as {"class_name", "config"}. */
static void keras3_clean(json_t *v, int depth)
{
	const char *key;
	json_t *e;
	size_t i;
	if (depth > 32)
		return;
	if (json_is_array(v)) {
		json_array_foreach(v, i, e)
			keras3_clean(e, depth + 1);
		return;
	}
	if (!json_is_object(v))
		return;
	if (json_object_get(v, "class_name") && json_object_get(v, "config")) {
		json_object_del(v, "module");
		json_object_del(v, "registered_name");
	}
	json_object_foreach(v, key, e)
		keras3_clean(e, depth + 1);
}

/* The defaults graph families assume when a config leaves a setting out (layers_rnn.c,
 * layers_act.c, layers_resize.c, layers_norm.c), written explicitly. */
static int explicit_settings(const char *cls, json_t *cfg, const li_origin *o, int depth)
{
	int rc = 0;
	if (!json_is_object(cfg) || depth > 8)
		return 0;
	if (o->keras_major == 1 && keras1_clean(cfg))
		return -1;
	if (o->keras_major >= 3 && depth == 0)
		keras3_clean(cfg, 0);
	json_t *d = json_object_get(cfg, "dtype");
	if (d && !json_is_string(d) && !json_is_null(d))
		rc |= json_object_set_new(cfg, "dtype", dtype_str(d));
	if (!strcmp(cls, "LSTM") || !strcmp(cls, "GRU")) {
		int old = o->tfjs || o->keras_major < 2 || (o->keras_major == 2 && o->keras_minor < 3);
		rc |= set_default(cfg, "recurrent_activation",
				  json_string(old ? "hard_sigmoid" : "sigmoid"));
	}
	if (!strcmp(cls, "GRU")) {
		int ra = !o->tfjs && (o->keras_major >= 3 ||
				      (o->keras_major == 2 && (o->keras_minor >= 4 ||
							       strstr(o->version, "-tf"))));
		rc |= set_default(cfg, "reset_after", json_boolean(ra));
	}
	if (!strcmp(cls, "Softmax"))
		rc |= set_default(cfg, "axis", json_integer(o->tfjs ? 1 : -1));
	if (!strncmp(cls, "UpSampling", 10))
		rc |= set_default(cfg, "interpolation", json_string("nearest"));
	if (!strcmp(cls, "BatchNormalization") || !strcmp(cls, "LayerNormalization"))
		rc |= set_default(cfg, "epsilon", json_real(1e-3));
	/* wrappers: TimeDistributed, Bidirectional */
	const char *keys[] = {"layer", "backward_layer"};
	for (int k = 0; k < 2; k++) {
		json_t *w = json_object_get(cfg, keys[k]);
		const char *wc = json_string_value(json_object_get(w, "class_name"));
		if (wc)
			rc |= explicit_settings(wc, json_object_get(w, "config"), o, depth + 1);
	}
	return rc ? -1 : 0;
}

/* An InputLayer config for a per-row shape. */
static json_t *input_config(const li_shape *s, const json_t *orig, const char *name)
{
	json_t *c = json_object(), *b = json_array();
	int bad = !c || !b;
	if (!bad && s->rank >= 0) {
		bad |= json_array_append_new(b, json_null());
		for (int i = 0; i < s->rank; i++)
			bad |= json_array_append_new(b, s->dim[i] < 0 ? json_null() :
						     json_integer(s->dim[i]));
		bad |= json_object_set_new(c, "batch_input_shape", b);
	} else if (!bad) {
		json_decref(b);
		bad |= json_object_set_new(c, "batch_input_shape", json_null());
	}
	json_t *d = json_object_get(orig, "dtype");
	bad |= json_object_set_new(c, "dtype", d ? dtype_str(d) : json_string("float32"));
	bad |= json_object_set_new(c, "sparse", json_false());
	bad |= json_object_set_new(c, "ragged", json_false());
	bad |= json_object_set_new(c, "name", json_string(name));
	if (bad) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Appends an entry; returns its index or -1 (out of memory). Takes name and config. */
static int add_entry(part *p, char *name, const char *cls, json_t *config, int wrow)
{
	entry *g = realloc(p->e, sizeof *g * (size_t)(p->n_e + 1));
	if (!g || !name || !config) {
		if (g)
			p->e = g;
		free(name);
		json_decref(config);
		return -1;
	}
	p->e = g;
	entry *e = &g[p->n_e];
	memset(e, 0, sizeof *e);
	e->name = name;
	e->cls = cls;
	e->config = config;
	e->nodes = json_array();
	e->wrow = wrow;
	e->first_in = -1;
	if (!e->nodes || json_object_set_new(config, "name", json_string(name))) {
		p->n_e++;
		return -1;
	}
	return p->n_e++;
}

static json_t *ref(const part *p, int r, int with_kwargs)
{
	r = ms_owner(p, r);
	const entry *e = &p->e[p->ent[r]];
	return with_kwargs ? json_pack("[sii{}]", e->name, p->call[r], 0) :
		json_pack("[sii]", e->name, p->call[r], 0);
}

/*
 * The Keras 2 form of a call of a class with a call signature (layer.h): a listed call
 * (Attention) is one entry per tensor, each with the call options; otherwise the first
 * tensor is the entry and the others go by role name into its keyword arguments, with
 * the options (tf.keras' Node.serialize). Nonzero when out of memory.
 */
static int signature_call(const part *p, const li_node *d, const li_call_sig *sig,
			  json_t *call)
{
	json_t *kw = d->call_opts ? json_deep_copy(d->call_opts) : json_object();
	int bad = !kw;
	for (int k = 1; !bad && !sig->listed && k < d->n_in && sig->roles[k]; k++)
		bad = json_object_set_new(kw, sig->roles[k], ref(p, d->in[k], 0));
	for (int k = 0; !bad && k < (sig->listed ? d->n_in : 1); k++) {
		json_t *e = ref(p, d->in[k], 0);
		bad = !e || json_array_append(e, kw) || json_array_append_new(call, e);
	}
	json_decref(kw);
	return bad;
}

/* Builds the entries of the part's rows (ascending = topological). */
static int build_entries(part *p, li_err *err)
{
	const li_model *m = p->m;
	for (int r = 0; r < m->n_nodes; r++) {
		const li_node *d = &m->nodes[r];
		int ei;
		if (!p->in[r])
			continue;
		if (is_input(p, r)) {
			const char *suffix = d->kind == LI_NODE_INPUT ? "" : "_input";
			char *nm = entry_name(p, d->name, suffix);
			if (d->shape.rank < 0 && d->kind != LI_NODE_INPUT)
				return li_err_set(err, LI_EDATA, "the output shape of '%s' is not known",
						  d->name);
			ei = add_entry(p, nm, "InputLayer", nm ? input_config(&d->shape, d->config, nm)
				       : NULL, -1);
			if (ei < 0)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			p->ent[r] = ei;
			p->call[r] = 0;
			continue;
		}
		if (d->kind == LI_NODE_IDENTITY)
			continue;
		if (d->kind == LI_NODE_LAYER && p->lent[d->layer] >= 0) {
			ei = p->lent[d->layer];
		} else {
			int wrow = r;
			const char *base = d->name;
			if (d->kind == LI_NODE_LAYER) {
				for (wrow = 0; m->nodes[wrow].kind != LI_NODE_LAYER ||
					       m->nodes[wrow].layer != d->layer; wrow++)
					;
				base = m->layers[d->layer].name;
			}
			json_t *cfg = json_is_object(d->config) ? json_deep_copy(d->config) : json_object();
			if (cfg && explicit_settings(d->class_name, cfg, &m->origin, 0)) {
				json_decref(cfg);
				cfg = NULL;
			}
			ei = add_entry(p, entry_name(p, base, ""), d->class_name, cfg, wrow);
			if (ei < 0)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			if (d->kind == LI_NODE_LAYER)
				p->lent[d->layer] = ei;
		}
		entry *e = &p->e[ei];
		json_t *call = json_array();
		int bad = !call;
		const li_call_sig *sig = li_layer_call_sig(d->class_name);
		if (sig) {
			bad = bad || signature_call(p, d, sig, call);
		} else {
			for (int k = 0; !bad && k < d->n_in; k++)
				bad = json_array_append_new(call, ref(p, d->in[k], 1));
		}
		if (bad || json_array_append_new(e->nodes, call))
			return li_err_set(err, LI_ENOMEM, "out of memory");
		if (e->n_calls == 0 && d->n_in == 1) {
			int o = ms_owner(p, d->in[0]);
			e->first_in = p->call[o] == 0 ? p->ent[o] : -1;
		}
		p->ent[r] = ei;
		p->call[r] = e->n_calls++;
	}
	return 0;
}

/* 1 when the part is a chain: one input, each layer called once on the one before. */
int ms_is_chain(const part *p)
{
	if (p->n_in != 1 || p->n_out != 1 || p->n_e < 2)
		return 0;
	if (p->ent[p->ins[0]] != 0 || p->ent[p->outs[0]] != p->n_e - 1 ||
	    p->call[p->outs[0]] != 0)
		return 0;
	for (int i = 1; i < p->n_e; i++)
		if (p->e[i].n_calls != 1 || p->e[i].first_in != i - 1)
			return 0;
	return 1;
}

static char *config_text(part *p, const char *name)
{
	json_t *layers = json_array(), *cfg = json_object(), *root = json_object();
	int chain = ms_is_chain(p), bad = !layers || !cfg || !root;
	for (int i = 0; !bad && i < p->n_e; i++) {
		entry *e = &p->e[i];
		json_t *l = json_object();
		bad = !l || json_object_set_new(l, "class_name", json_string(e->cls)) ||
		      json_object_set(l, "config", e->config);
		const li_node *d = e->wrow >= 0 ? &p->m->nodes[e->wrow] : NULL;
		if (!bad && d && d->custom)
			/* a custom class keeps what names its code (Keras 3 writes both in .h5) */
			bad = json_object_set_new(l, "module", d->module ? json_string(d->module) :
						  json_null()) ||
			      json_object_set_new(l, "registered_name", d->registered ?
						  json_string(d->registered) : json_null());
		if (!bad && !chain)
			bad = json_object_set_new(l, "name", json_string(e->name)) ||
			      json_object_set(l, "inbound_nodes", e->nodes);
		bad |= json_array_append_new(layers, l);
	}
	bad = bad || json_object_set_new(cfg, "name", json_string(name)) ||
	      json_object_set(cfg, "layers", layers);
	if (!bad && !chain) {
		json_t *in = json_array(), *out = json_array();
		bad = !in || !out;
		for (int k = 0; !bad && k < p->n_in; k++)
			bad = json_array_append_new(in, ref(p, p->ins[k], 0));
		for (int k = 0; !bad && k < p->n_out; k++)
			bad = json_array_append_new(out, ref(p, p->outs[k], 0));
		bad |= json_object_set_new(cfg, "input_layers", in) ||
		       json_object_set_new(cfg, "output_layers", out);
	}
	bad = bad || json_object_set_new(root, "class_name",
					  json_string(chain ? "Sequential" : "Functional")) ||
	      json_object_set(root, "config", cfg);
	char *text = bad ? NULL : json_dumps(root, JSON_PRESERVE_ORDER);
	json_decref(layers);
	json_decref(cfg);
	json_decref(root);
	return text;
}

char *ms_class_names_text(const li_model *m)
{
	if (m->n_class_names == 0)
		return NULL;
	json_t *a = json_array();
	for (int i = 0; a && i < m->n_class_names; i++)
		if (json_array_append_new(a, json_string(m->class_names[i]))) {
			json_decref(a);
			return NULL;
		}
	char *t = a ? json_dumps(a, JSON_COMPACT) : NULL;
	json_decref(a);
	return t;
}

/* The written model's name: the source's, with "_head" / "_tail" for a part. */
static char *part_name(const part *p)
{
	const char *base = p->m->name ? p->m->name : "model";
	const char *suffix = p->kind == LI_PART_HEAD ? "_head" : p->kind == LI_PART_TAIL ? "_tail" : "";
	size_t nl = strlen(base) + strlen(suffix) + 1;
	char *name = malloc(nl);
	if (name)
		snprintf(name, nl, "%s%s", base, suffix);
	return name;
}

/* Writes the entries' weights and the config. */
static int write_part(part *p, const char *path, li_err *err)
{
	const li_model *m = p->m;
	int chain = ms_is_chain(p), first = chain ? 1 : 0, n = p->n_e - first, rc = 0, nw = 0;
	char *name = part_name(p);
	li_h5_layer_weights *lw = calloc((size_t)(n ? n : 1), sizeof *lw);
	for (int i = first; i < p->n_e; i++)
		if (p->e[i].wrow >= 0)
			nw += m->nodes[p->e[i].wrow].n_raw;
	char **names = calloc((size_t)(nw ? nw : 1), sizeof *names);
	li_array *arrays = calloc((size_t)(nw ? nw : 1), sizeof *arrays);
	char *text = name ? config_text(p, name) : NULL;
	char *classes = p->kind == LI_PART_HEAD ? NULL : ms_class_names_text(m);
	if (!name || !lw || !names || !arrays || !text ||
	    (p->kind != LI_PART_HEAD && m->n_class_names && !classes)) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	int k = 0;
	for (int i = first; i < p->n_e; i++) {
		const entry *e = &p->e[i];
		li_h5_layer_weights *L = &lw[i - first];
		L->layer = e->name;
		L->names = (const char *const *)names + k;
		L->arrays = arrays + k;
		if (e->wrow < 0)
			continue;
		const li_node *d = &m->nodes[e->wrow];
		for (int j = 0; j < d->n_raw; j++, k++) {
			size_t len = strlen(e->name) + strlen(d->raw[j].name) + 8;
			if (!(names[k] = malloc(len))) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				goto out;
			}
			snprintf(names[k], len, "%s/%s:0", e->name, d->raw[j].name);
			arrays[k] = d->raw[j].a;
		}
		L->n = d->n_raw;
	}
	const char *backend = m->backend ? m->backend :
		m->origin.tfjs ? "tensor_flow.js" : "tensorflow";
	li_h5_model_desc desc = {
		.model_config = text,
		.keras_version = m->origin.version[0] ? m->origin.version : "1",
		.backend = backend,
		.class_names_json = classes,
		.layers = lw,
		.n_layers = n,
	};
	rc = li_h5_save_model(path, &desc, err);
out:
	for (int i = 0; names && i < nw; i++)
		free(names[i]);
	free(names);
	free(arrays);
	free(lw);
	free(text);
	free(classes);
	free(name);
	return rc;
}

int li_model_save_format(const char *path, int fallback)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
	if (dot && (!slash || dot > slash)) {
		if (!strcmp(dot, ".keras"))
			return LI_SAVE_KERAS;
		if (!strcmp(dot, ".h5") || !strcmp(dot, ".hdf5"))
			return LI_SAVE_H5;
	}
	return fallback;
}

int li_model_save_part(const li_model *m, int kind, int row, const char *path, li_err *err)
{
	return li_model_save_part_as(m, kind, row, path, li_model_save_format(path, LI_SAVE_H5),
				     err);
}

int li_model_save_part_as(const li_model *m, int kind, int row, const char *path, int format,
			  li_err *err)
{
	int n = m->n_nodes, rc = 0;
	part p = {0};
	p.m = m;
	p.kind = kind;
	p.row = row;
	if (kind != LI_PART_WHOLE) {
		if (row < 0 || row >= n)
			return li_err_set(err, LI_EUSAGE, "no row %d", row);
		int split = li_model_split_point(m, row, err);
		if (split < 0)
			return split;
		if (!split) {
			char buf[1024];
			li_model_crossing_str(m, row, buf, sizeof buf);
			return li_err_set(err, LI_EDATA, "cannot cut after '%s': %s also cross the cut",
					  m->nodes[row].name, buf);
		}
	}
	p.in = calloc((size_t)n, 1);
	p.ent = malloc(sizeof(int) * (size_t)n);
	p.call = malloc(sizeof(int) * (size_t)n);
	p.lent = malloc(sizeof(int) * (size_t)(m->n_layers ? m->n_layers : 1));
	p.ins = malloc(sizeof(int) * (size_t)(m->n_inputs + 1));
	p.outs = malloc(sizeof(int) * (size_t)(m->n_outputs + 1));
	if (!p.in || !p.ent || !p.call || !p.lent || !p.ins || !p.outs) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++)
		p.ent[i] = p.call[i] = -1;
	for (int i = 0; i < m->n_layers; i++)
		p.lent[i] = -1;
	if (kind == LI_PART_WHOLE) {
		memset(p.in, 1, (size_t)n);
	} else {
		/* the head: row and its ancestors (rows ascending = topological) */
		p.in[row] = 1;
		for (int r = row; r >= 0; r--)
			for (int k = 0; p.in[r] && k < m->nodes[r].n_in; k++)
				p.in[m->nodes[r].in[k]] = 1;
		if (kind == LI_PART_TAIL) {
			for (int r = 0; r < n; r++)
				p.in[r] = !p.in[r];
			p.in[row] = 1;
		}
	}
	if (kind == LI_PART_TAIL) {
		p.ins[p.n_in++] = row;
	} else {
		for (int k = 0; k < m->n_inputs; k++)
			p.ins[p.n_in++] = m->inputs[k];
	}
	if (kind == LI_PART_HEAD) {
		p.outs[p.n_out++] = ms_owner(&p, row);
	} else {
		for (int k = 0; k < m->n_outputs; k++)
			p.outs[p.n_out++] = ms_owner(&p, m->outputs[k]);
	}
	if (kind == LI_PART_TAIL) {
		/* a Keras mask made before the cut and used after it does not cross a file */
		int *fed = malloc(sizeof(int) * (size_t)n);
		li_err e = {0};
		if (!fed) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		for (int i = 0; i < n; i++)
			fed[i] = i == row ? 0 : -1;
		li_masks_free(li_masks_new(m, p.in, fed, &e));
		free(fed);
		if (e.code) {
			rc = li_err_set(err, e.code, "%s", e.msg);
			goto out;
		}
	}
	rc = build_entries(&p, err);
	if (!rc && format == LI_SAVE_KERAS) {
		char *name = part_name(&p);
		rc = name ? li_keras3_save(&p, name, path, err) :
			li_err_set(err, LI_ENOMEM, "out of memory");
		free(name);
	} else if (!rc) {
		rc = write_part(&p, path, err);
	}
out:
	for (int i = 0; i < p.n_e; i++) {
		free(p.e[i].name);
		json_decref(p.e[i].config);
		json_decref(p.e[i].nodes);
	}
	free(p.e);
	free(p.in);
	free(p.ent);
	free(p.call);
	free(p.lent);
	free(p.ins);
	free(p.outs);
	return rc;
}
