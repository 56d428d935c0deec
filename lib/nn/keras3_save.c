/*
 * Writing a model (or the head or tail of a cut) as a Keras 3 .keras zip, laid out as
 * keras/src/saving/saving_lib.py writes one and as the real files in
 * ../shared/fixtures/keras3 hold it:
 *
 *   - members metadata.json, config.json, model.weights.h5, in that order, stored
 *     (uncompressed), each with the same fixed DOS time and Unix mode 0600;
 *   - config.json: every object {"module", "class_name", "config", "registered_name"};
 *     a chain is a "Sequential" (module "keras") whose layers start with its InputLayer
 *     (batch_shape), anything else a "Functional" (module keras.src.models.functional)
 *     whose layers carry "name" and "inbound_nodes" [{"args": [...], "kwargs": {}}] with
 *     __keras_tensor__ arguments (a merge gets one list argument) and input_layers /
 *     output_layers as lists of [name, 0, 0];
 *   - model.weights.h5: float32 datasets at layers/<key>/vars/<i>, keys by the rule of
 *     keras3.h (snake-cased class, per-class counter, model.layers order: Sequential
 *     without its InputLayer, Functional with its InputLayers), sub-layers by attribute
 *     (k3_subs), an empty vars group for every layer and for the model itself;
 *   - metadata.json: keras_version, date_saved (SOURCE_DATE_EPOCH when set, else
 *     1980-01-01@00:00:00, matching the member times), li_class_names when the model has
 *     class names (Keras ignores keys it does not know).
 *
 * A .keras file means what Keras 3 makes of it, so a part whose meaning a Keras 3 config
 * cannot state is refused with the reason (Keras 2's hard_sigmoid, TF.js's bilinear rule,
 * a class Keras 3 no longer has). A custom class read from a .keras goes out as it came
 * in (config, module, registered name, variables), for a Keras that has its code. Settings whose defaults differ are already explicit in
 * the entries (modelsave.c); weights go out as Keras' own loader would have fixed them
 * (Keras 1 kernel layouts, Theano's flipped kernels). Initializers, regularizers and
 * constraints are left out: they do not change outputs, and Keras 2 spells some of them
 * in ways Keras 3 rejects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>
#include <hdf5.h>

#include "h5util.h"
#include "keras3.h"
#include "modelsave_internal.h"

/* Keras 2 classes that Keras 3 does not have. */
static const char *const absent[] = {
	"ThresholdedReLU", "LocallyConnected1D", "LocallyConnected2D", "CuDNNLSTM", "CuDNNGRU",
	"Merge", NULL,
};

/* Keys of a Keras 2 config that Keras 3 refuses ("Unrecognized keyword arguments") and
 * that do not change outputs. */
static const char *const dropped[] = {
	"time_major", "ragged", "batch_input_shape", "batch_size", "input_shape", "input_dim",
	"input_length", "renorm", "renorm_clipping", "renorm_momentum", "fused",
	"virtual_batch_size", "adjustment", "dynamic", "input_dtype", "activity_regularizer",
	NULL,
};

/* 1 when a key holds training-only settings (initializers, regularizers, constraints). */
static int training_only(const char *k)
{
	size_t n = strlen(k);
	static const char *const suf[] = {"_initializer", "_regularizer", "_constraint"};
	for (size_t i = 0; i < 3; i++) {
		size_t s = strlen(suf[i]);
		if (n >= s && !strcmp(k + n - s, suf[i]))
			return 1;
	}
	return 0;
}

/* Keras <= 2.x and TF.js semantics (activations.c, layers_resize.c, layers_wrap.c). */
static int pre3(const li_origin *o)
{
	return o->tfjs || o->keras_major < 3;
}

static int act_is(const json_t *v, const char *name)
{
	const char *s = json_string_value(v);
	if (!s)
		s = json_string_value(json_object_get(v, "config"));
	return s && (!strcmp(s, name) || (!strcmp(name, "hard_sigmoid") && !strcmp(s, "hardSigmoid")));
}

/* Why layer cfg (class cls) cannot be stated in a Keras 3 config, or NULL. */
static const char *meaning_lost(const char *cls, const json_t *cfg, const li_origin *o, int depth)
{
	for (int i = 0; absent[i]; i++)
		if (!strcmp(cls, absent[i]))
			return "Keras 3 has no such class";
	if (depth > 4)
		return NULL;
	if (pre3(o) && (act_is(json_object_get(cfg, "activation"), "hard_sigmoid") ||
			act_is(json_object_get(cfg, "recurrent_activation"), "hard_sigmoid")))
		return "it uses Keras 2's hard_sigmoid, clip(0.2x + 0.5, 0, 1), which a Keras 3 "
		       "config cannot state (Keras 3's is relu6(x + 3) / 6)";
	const char *interp = json_string_value(json_object_get(cfg, "interpolation"));
	if (!strncmp(cls, "UpSampling", 10) && interp && !strcmp(interp, "bilinear") &&
	    (o->tfjs || o->keras_major < 2 || (o->keras_major == 2 && o->keras_minor < 3)))
		return "its bilinear sampling follows TF.js / Keras < 2.3 (corners aligned), which "
		       "a Keras 3 config cannot state";
	static const char *const inner[] = {"layer", "backward_layer"};
	for (int k = 0; k < 2; k++) {
		const json_t *e = json_object_get(cfg, inner[k]);
		const char *c = json_string_value(json_object_get(e, "class_name"));
		const char *why = c ? meaning_lost(c, json_object_get(e, "config"), o, depth + 1) : NULL;
		if (why)
			return why;
	}
	return NULL;
}

/* 1 when the part holds a layer that makes a Keras mask. */
static int has_mask_source(const ms_part *p)
{
	for (int i = 0; i < p->n_e; i++) {
		if (!strcmp(p->e[i].cls, "Masking"))
			return 1;
		if (!strcmp(p->e[i].cls, "Embedding") &&
		    json_is_true(json_object_get(p->e[i].config, "mask_zero")))
			return 1;
	}
	return 0;
}

static int check_meaning(const ms_part *p, li_err *err)
{
	const li_model *m = p->m;
	int masks = has_mask_source(p);
	for (int i = 0; i < p->n_e; i++) {
		const ms_entry *e = &p->e[i];
		if (!strcmp(e->cls, "InputLayer") || e->wrow < 0)
			continue;
		const li_node *d = &m->nodes[e->wrow];
		if (d->custom)
			continue; /* written as read: its config, module and registered name */
		if (d->kind == LI_NODE_OPAQUE)
			return li_err_set(err, LI_EDATA, "layer '%s' (%s) cannot be run by this build, "
					  "so it is not written to .keras (.h5 keeps it)", e->name,
					  e->cls);
		const char *why = meaning_lost(e->cls, e->config, &m->origin, 0);
		if (!why && masks && !strcmp(e->cls, "Bidirectional") &&
		    (m->origin.tfjs || m->origin.keras_major < 2 ||
		     (m->origin.keras_major == 2 && m->origin.keras_minor < 4 &&
		      !strstr(m->origin.version, "-tf"))))
			why = "its masked steps follow TF.js / Keras < 2.4 (state carried, not zeroed), "
			      "which a Keras 3 config cannot state";
		if (why)
			return li_err_set(err, LI_EDATA, "layer '%s' (%s) cannot be written to .keras: "
					  "%s; write .h5 instead", e->name, e->cls, why);
	}
	return 0;
}

/* ---- config.json ---- */

static json_t *k3_object(const char *module, const char *cls, json_t *cfg, const char *reg)
{
	json_t *o = json_object();
	if (!o || !cfg || json_object_set_new(o, "module", json_string(module)) ||
	    json_object_set_new(o, "class_name", json_string(cls)) ||
	    json_object_set_new(o, "config", cfg) ||
	    json_object_set_new(o, "registered_name", reg ? json_string(reg) : json_null())) {
		json_decref(o);
		if (!o)
			json_decref(cfg);
		return NULL;
	}
	return o;
}

/* Turns a layer config of the tf.keras 2.4 dialect (as the entries hold it) into what
 * Keras 3's constructors take; wrapped layers become Keras 3 objects. 0 or -1. */
static int clean(const char *cls, json_t *cfg, int depth)
{
	const char *k;
	json_t *v;
	void *tmp;
	if (!json_is_object(cfg) || depth > 4)
		return 0;
	json_object_foreach_safe(cfg, tmp, k, v) {
		int drop = training_only(k);
		for (int i = 0; !drop && dropped[i]; i++)
			drop = !strcmp(k, dropped[i]);
		/* but an Embedding's input_dim is its vocabulary size, not the base layer's */
		if (drop && !strcmp(k, "input_dim") && !strcmp(cls, "Embedding"))
			drop = 0;
		if (drop)
			json_object_del(cfg, k);
	}
	/* Keras 3's LeakyReLU calls its slope negative_slope */
	json_t *a = json_object_get(cfg, "alpha");
	if (!strcmp(cls, "LeakyReLU") && json_is_number(a) && !json_object_get(cfg, "negative_slope")) {
		if (json_object_set(cfg, "negative_slope", a) || json_object_del(cfg, "alpha"))
			return -1;
	}
	static const char *const acts[] = {"activation", "recurrent_activation"};
	for (int i = 0; i < 2; i++) {
		json_t *x = json_object_get(cfg, acts[i]);
		const char *s = json_string_value(json_object_get(x, "config"));
		if (json_is_object(x) && s && json_object_set_new(cfg, acts[i], json_string(s)))
			return -1;
	}
	static const char *const inner[] = {"layer", "backward_layer"};
	for (int i = 0; i < 2; i++) {
		json_t *e = json_object_get(cfg, inner[i]);
		const char *c = json_string_value(json_object_get(e, "class_name"));
		json_t *ic = json_object_get(e, "config");
		if (!c || !json_is_object(ic))
			continue;
		json_t *copy = json_deep_copy(ic);
		if (!copy || clean(c, copy, depth + 1)) {
			json_decref(copy);
			return -1;
		}
		json_t *o = k3_object("keras.layers", c, copy, NULL);
		if (!o || json_object_set_new(cfg, inner[i], o))
			return -1;
	}
	return 0;
}

/* [null, d1, d2, ...] (unknown dims null), or null for an unknown rank. */
static json_t *batch_shape(const li_shape *s)
{
	if (s->rank < 0)
		return json_null();
	json_t *a = json_array();
	int bad = !a || json_array_append_new(a, json_null());
	for (int i = 0; !bad && i < s->rank; i++)
		bad = json_array_append_new(a, s->dim[i] < 0 ? json_null() : json_integer(s->dim[i]));
	if (bad) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static int find_entry(const ms_part *p, const char *name)
{
	for (int i = 0; i < p->n_e; i++)
		if (!strcmp(p->e[i].name, name))
			return i;
	return -1;
}

/* The row of call `call` of entry ei, or -1. */
static int entry_row(const ms_part *p, int ei, int call)
{
	for (int r = 0; r < p->m->n_nodes; r++)
		if (p->in[r] && p->ent[r] == ei && p->call[r] == call)
			return r;
	return -1;
}

static json_t *keras_tensor(const ms_part *p, const json_t *ref)
{
	const char *name = json_string_value(json_array_get(ref, 0));
	int call = (int)json_integer_value(json_array_get(ref, 1));
	int ei = name ? find_entry(p, name) : -1;
	int r = ei >= 0 ? entry_row(p, ei, call) : -1;
	if (r < 0)
		return NULL;
	return json_pack("{s:s,s:{s:o,s:s,s:[s,i,i]}}", "class_name", "__keras_tensor__", "config",
			 "shape", batch_shape(&p->m->nodes[r].shape), "dtype", "float32",
			 "keras_history", name, call, 0);
}

/*
 * Classes that take their tensors as separate positional arguments (Keras 3 records
 * mha(query, value) as "args": [q, v]); every other class with several inputs takes
 * one list (Add, Concatenate, Attention: "args": [[a, b]]).
 */
static int positional_inputs(const char *cls)
{
	return !strcmp(cls, "MultiHeadAttention");
}

/* inbound_nodes of entry e in the Keras 3 form, and its build_config from call 0. */
static int k3_nodes(const ms_part *p, const ms_entry *e, json_t **nodes, json_t **build)
{
	*nodes = json_array();
	*build = NULL;
	if (!*nodes)
		return -1;
	size_t c;
	json_t *call;
	json_array_foreach(e->nodes, c, call) {
		json_t *ts = json_array(), *shapes = json_array(), *kwargs = json_object();
		size_t k;
		json_t *ref;
		int bad = !ts || !shapes || !kwargs;
		json_array_foreach(call, k, ref) {
			json_t *t = bad ? NULL : keras_tensor(p, ref);
			bad = !t || json_array_append_new(shapes, json_deep_copy(json_object_get(
				json_object_get(t, "config"), "shape"))) || json_array_append_new(ts, t);
			/* a call's keyword arguments (modelsave.c writes them as the Keras 2 dict
			 * each entry carries: "value": [name, node, tensor], options): tensors as
			 * Keras 3 records them, options as they are */
			const char *key;
			json_t *v;
			json_object_foreach(json_array_get(ref, 3), key, v) {
				json_t *kv = bad ? NULL : json_is_array(v) ? keras_tensor(p, v)
						       : json_deep_copy(v);
				bad = !kv || json_object_set_new(kwargs, key, kv);
			}
		}
		json_t *args = NULL;
		if (!bad) {
			if (json_array_size(ts) == 1 || positional_inputs(e->cls))
				args = json_incref(ts);
			else
				args = json_pack("[O]", ts);
		}
		json_t *n = args ? json_pack("{s:o,s:O}", "args", args, "kwargs", kwargs) : NULL;
		json_decref(kwargs);
		bad = bad || !n || json_array_append_new(*nodes, n);
		if (!bad && c == 0)
			*build = json_pack("{s:O}", "input_shape", json_array_size(shapes) == 1 ?
					   json_array_get(shapes, 0) : shapes);
		json_decref(ts);
		json_decref(shapes);
		if (bad || (c == 0 && !*build)) {
			json_decref(*nodes);
			json_decref(*build);
			*nodes = *build = NULL;
			return -1;
		}
	}
	return 0;
}

/* An InputLayer config in Keras 3 form from the entry's (batch_input_shape ...). */
static json_t *input_config(const ms_entry *e)
{
	json_t *b = json_object_get(e->config, "batch_input_shape");
	json_t *d = json_object_get(e->config, "dtype");
	return json_pack("{s:O,s:s,s:b,s:s}", "batch_shape", b ? b : json_null(), "dtype",
			 json_is_string(d) ? json_string_value(d) : "float32", "sparse", 0, "name",
			 e->name);
}

static char *config_json(const ms_part *p, const char *name)
{
	int chain = ms_is_chain(p);
	json_t *layers = json_array(), *root = NULL, *build_in = NULL;
	int bad = !layers;
	for (int i = 0; !bad && i < p->n_e; i++) {
		const ms_entry *e = &p->e[i];
		json_t *o, *nodes = NULL, *build = NULL;
		if (!strcmp(e->cls, "InputLayer")) {
			o = k3_object("keras.layers", "InputLayer", input_config(e), NULL);
			if (chain && o)
				build_in = json_incref(json_object_get(json_object_get(o, "config"),
								       "batch_shape"));
		} else if (e->wrow >= 0 && p->m->nodes[e->wrow].custom) {
			/* a custom class goes out as it came in, for Keras with its code to load */
			const li_node *d = &p->m->nodes[e->wrow];
			json_t *cfg = json_deep_copy(d->config);
			if (!cfg || json_object_set_new(cfg, "name", json_string(e->name))) {
				json_decref(cfg);
				bad = 1;
				break;
			}
			o = k3_object(d->module ? d->module : "keras.layers", e->cls, cfg, d->registered);
			if (o && !d->module)
				json_object_set_new(o, "module", json_null());
		} else {
			json_t *cfg = json_deep_copy(e->config);
			if (!cfg || clean(e->cls, cfg, 0) || json_object_set_new(cfg, "name", json_string(e->name))) {
				json_decref(cfg);
				bad = 1;
				break;
			}
			o = k3_object("keras.layers", e->cls, cfg, NULL);
		}
		bad = !o || k3_nodes(p, e, &nodes, &build);
		if (!bad && build)
			bad = json_object_set_new(o, "build_config", build);
		else
			json_decref(build);
		if (!bad && !chain)
			bad = json_object_set_new(o, "name", json_string(e->name)) ||
			      json_object_set(o, "inbound_nodes", nodes);
		json_decref(nodes);
		if (bad)
			json_decref(o);
		else
			bad = json_array_append_new(layers, o); /* steals o, even on failure */
	}
	if (!bad && chain) {
		json_t *cfg = json_pack("{s:s,s:b,s:s,s:O}", "name", name, "trainable", 1, "dtype",
					"float32", "layers", layers);
		root = k3_object("keras", "Sequential", cfg, NULL);
		bad = !root || json_object_set_new(root, "build_config",
						   json_pack("{s:O}", "input_shape",
							     build_in ? build_in : json_null()));
	} else if (!bad) {
		json_t *in = json_array(), *out = json_array();
		bad = !in || !out;
		for (int k = 0; !bad && k < p->n_in; k++) {
			int r = ms_owner(p, p->ins[k]);
			bad = json_array_append_new(in, json_pack("[sii]", p->e[p->ent[r]].name,
								  p->call[r], 0));
		}
		for (int k = 0; !bad && k < p->n_out; k++) {
			int r = ms_owner(p, p->outs[k]);
			bad = json_array_append_new(out, json_pack("[sii]", p->e[p->ent[r]].name,
								   p->call[r], 0));
		}
		json_t *cfg = bad ? NULL : json_pack("{s:s,s:b,s:O,s:O,s:O}", "name", name,
						     "trainable", 1, "layers", layers,
						     "input_layers", in, "output_layers", out);
		json_decref(in);
		json_decref(out);
		root = cfg ? k3_object("keras.src.models.functional", "Functional", cfg,
				       "Functional") : NULL;
		bad = !root || json_object_set_new(root, "build_config",
						   json_pack("{s:n}", "input_shape"));
	}
	char *text = bad ? NULL : json_dumps(root, JSON_PRESERVE_ORDER);
	json_decref(root);
	json_decref(layers);
	json_decref(build_in);
	return text;
}

/* ---- model.weights.h5 ---- */

typedef struct h5w {
	hid_t file, gcpl, dcpl;
	li_err *err;
} h5w;

/* Creates group path (its parents must exist). */
static int mkgroup(h5w *w, const char *path)
{
	hid_t g = H5Gcreate2(w->file, path, H5P_DEFAULT, w->gcpl, H5P_DEFAULT);
	if (g < 0)
		return li_err_set(w->err, LI_EIO, "cannot create group '%s' in the weights", path);
	H5Gclose(g);
	return 0;
}

static int write_ds(h5w *w, const char *path, const li_array *a)
{
	return li_h5_write_f32(w->file, path, a, w->dcpl) ?
		li_err_set(w->err, LI_EIO, "cannot write '%s' in the weights", path) : 0;
}

/*
 * Writes n weights of a layer of class cls at group path: its own vars, or, for a class
 * with sub-layers (k3_subs), an empty vars group and the weights split evenly over the
 * sub-layers in order (the engine's weight order is the sub-layers' one after another).
 */
static int place(h5w *w, const char *path, const char *layer, const char *cls,
		 const json_t *cfg, const li_weight *x, int n, int depth)
{
	char p[1200];
	const k3_sub_table *t = depth < 8 ? k3_subs(cls) : NULL;
	if (strlen(path) > 1000)
		return li_err_set(w->err, LI_EDATA, "layer '%s': the weights path is too long", layer);
	if (depth > 0 && mkgroup(w, path))
		return w->err->code;
	snprintf(p, sizeof p, "%s/vars", path);
	if (mkgroup(w, p))
		return w->err->code;
	if (!t) {
		for (int i = 0; i < n; i++) {
			snprintf(p, sizeof p, "%s/vars/%d", path, i);
			if (write_ds(w, p, &x[i].a))
				return w->err->code;
		}
		return 0;
	}
	if (n % t->n)
		return li_err_set(w->err, LI_EDATA, "layer '%s' (%s): %d weights do not split over "
				  "its %d sub-layers", layer, cls, n, t->n);
	int k = n / t->n;
	for (int i = 0; i < t->n; i++) {
		const json_t *se = t->sub[i].cfg_key ? k3_sub_entry(cfg, t->sub[i].cfg_key) : NULL;
		snprintf(p, sizeof p, "%s/%s", path, t->sub[i].attr);
		if (place(w, p, layer, json_string_value(json_object_get(se, "class_name")),
			  json_object_get(se, "config"), x + i * k, k, depth + 1))
			return w->err->code;
	}
	return 0;
}

/* The weights of entry e as Keras' loader would hold them (copies, fixed). */
static int entry_weights(const ms_part *p, const ms_entry *e, li_weight **out, int *n,
			 li_err *err)
{
	*out = NULL;
	*n = 0;
	if (e->wrow < 0)
		return 0;
	const li_node *d = &p->m->nodes[e->wrow];
	li_weight *w = calloc((size_t)(d->n_raw ? d->n_raw : 1), sizeof *w);
	if (!w)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int i = 0; i < d->n_raw; i++) {
		w[i].name = strdup(d->raw[i].name ? d->raw[i].name : "");
		if (!w[i].name || li_array_alloc(&w[i].a, LI_DTYPE_F32, d->raw[i].a.rank,
						 d->raw[i].a.shape, err)) {
			li_weights_free(w, i + 1);
			return err->code ? err->code : li_err_set(err, LI_ENOMEM, "out of memory");
		}
		memcpy(w[i].a.data, d->raw[i].a.data,
		       sizeof(float) * (size_t)li_array_count(&d->raw[i].a));
	}
	if (li_kc_fix_weights(e->cls, d->config, w, d->n_raw, &p->m->origin, p->m->backend, err)) {
		li_weights_free(w, d->n_raw);
		return err->code;
	}
	*out = w;
	*n = d->n_raw;
	return 0;
}

static int write_weights(h5w *w, const ms_part *p)
{
	k3_keys keys;
	int chain = ms_is_chain(p), rc = 0;
	char path[800], key[600];
	if (mkgroup(w, "vars") || mkgroup(w, "layers"))
		return w->err->code;
	k3_keys_init(&keys);
	for (int i = chain ? 1 : 0; i < p->n_e && !rc; i++) {
		const ms_entry *e = &p->e[i];
		li_weight *x = NULL;
		int n = 0;
		if (k3_keys_next(&keys, e->cls, key, sizeof key)) {
			rc = li_err_set(w->err, LI_ENOMEM, "out of memory");
			break;
		}
		snprintf(path, sizeof path, "layers/%s", key);
		if (mkgroup(w, path) || entry_weights(p, e, &x, &n, w->err))
			rc = w->err->code;
		else
			rc = place(w, path, e->name, e->cls, e->config, x, n, 0);
		li_weights_free(x, n);
	}
	k3_keys_release(&keys);
	return rc;
}

/* The weights file as bytes (malloc'd), built in memory with HDF5's core driver. */
static int weights_image(const ms_part *p, void **out, size_t *n, li_err *err)
{
	h5w w = {-1, -1, -1, err};
	hid_t fapl = -1;
	int rc = -1;
	*out = NULL;
	*n = 0;
	H5E_BEGIN_TRY {
		fapl = H5Pcreate(H5P_FILE_ACCESS);
		w.gcpl = H5Pcreate(H5P_GROUP_CREATE);
		w.dcpl = H5Pcreate(H5P_DATASET_CREATE);
		if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0)
			w.file = H5Fcreate("model.weights.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
		if (w.file < 0 || w.gcpl < 0 || w.dcpl < 0 || H5Pset_obj_track_times(w.gcpl, 0) < 0 ||
		    H5Pset_obj_track_times(w.dcpl, 0) < 0)
			li_err_set(err, LI_EIO, "cannot create the weights in memory");
		else
			rc = write_weights(&w, p);
		if (rc == 0 && H5Fflush(w.file, H5F_SCOPE_GLOBAL) < 0)
			rc = li_err_set(err, LI_EIO, "cannot write the weights");
		ssize_t size = rc == 0 ? H5Fget_file_image(w.file, NULL, 0) : -1;
		if (rc == 0 && size <= 0)
			rc = li_err_set(err, LI_EIO, "cannot write the weights");
		if (rc == 0 && !(*out = calloc(1, (size_t)size)))
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		if (rc == 0 && H5Fget_file_image(w.file, *out, (size_t)size) != size)
			rc = li_err_set(err, LI_EIO, "cannot write the weights");
		if (rc == 0)
			*n = (size_t)size;
		if (w.file >= 0)
			H5Fclose(w.file);
		if (w.dcpl >= 0)
			H5Pclose(w.dcpl);
		if (w.gcpl >= 0)
			H5Pclose(w.gcpl);
		if (fapl >= 0)
			H5Pclose(fapl);
	} H5E_END_TRY;
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc ? (err->code ? err->code : LI_EIO) : 0;
}

/* ---- metadata.json and the zip ---- */

/* The fixed save time: SOURCE_DATE_EPOCH when set (reproducible builds' convention),
 * else 1980-01-01 00:00:00, the earliest DOS time (Keras' own JSON members carry it). */
static struct tm save_time(void)
{
	struct tm t = {0};
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v = s ? strtoll(s, &end, 10) : -1;
	time_t tt = (time_t)v;
	if (s && *s && !*end && v >= 315532800LL && v < 4102444800LL && gmtime_r(&tt, &t))
		return t;
	memset(&t, 0, sizeof t);
	t.tm_year = 80;
	t.tm_mday = 1;
	return t;
}

static char *metadata_json(const li_model *m, const struct tm *t, li_err *err)
{
	char date[64], src[160];
	snprintf(date, sizeof date, "%04d-%02d-%02d@%02d:%02d:%02d", t->tm_year + 1900,
		 t->tm_mon + 1, t->tm_mday, t->tm_hour, t->tm_min, t->tm_sec);
	/* The config states Keras 3 semantics; the source's version is kept beside it. */
	const char *v = !pre3(&m->origin) && m->origin.version[0] ? m->origin.version : "3.0.0";
	snprintf(src, sizeof src, "%s %s", m->format ? m->format : "?",
		 m->origin.version[0] ? m->origin.version : "1");
	json_t *j = json_pack("{s:s,s:s,s:s}", "keras_version", v, "date_saved", date,
			      "li_source", src);
	char *names = ms_class_names_text(m);
	json_t *a = names ? json_loads(names, 0, NULL) : NULL;
	int bad = !j || (names && !a);
	free(names);
	if (!bad && a)
		bad = json_object_set_new(j, "li_class_names", a);
	else
		json_decref(a);
	char *text = bad ? NULL : json_dumps(j, JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		li_err_set(err, LI_ENOMEM, "out of memory");
	return text;
}

static int add_member(zip_t *z, const char *name, const void *data, size_t n,
		      const struct tm *t, li_err *err)
{
	zip_source_t *s = zip_source_buffer(z, data, n, 0);
	zip_int64_t i = s ? zip_file_add(z, name, s, ZIP_FL_OVERWRITE) : -1;
	if (i < 0) {
		if (s)
			zip_source_free(s);
		return li_err_set(err, LI_EIO, "cannot add '%s': %s", name, zip_strerror(z));
	}
	zip_uint16_t dtime = (zip_uint16_t)((t->tm_hour << 11) | (t->tm_min << 5) | (t->tm_sec / 2));
	zip_uint16_t ddate = (zip_uint16_t)(((t->tm_year - 80) << 9) | ((t->tm_mon + 1) << 5) |
					    t->tm_mday);
	if (zip_set_file_compression(z, (zip_uint64_t)i, ZIP_CM_STORE, 0) < 0 ||
	    zip_file_set_dostime(z, (zip_uint64_t)i, dtime, ddate, 0) < 0 ||
	    zip_file_set_external_attributes(z, (zip_uint64_t)i, 0, ZIP_OPSYS_UNIX,
					     (zip_uint32_t)0600 << 16) < 0)
		return li_err_set(err, LI_EIO, "cannot add '%s': %s", name, zip_strerror(z));
	return 0;
}

int li_keras3_save(const ms_part *p, const char *name, const char *path, li_err *err)
{
	char *config = NULL, *meta = NULL;
	void *weights = NULL;
	size_t n_weights = 0;
	zip_t *z = NULL;
	int rc = check_meaning(p, err);
	if (rc)
		return rc;
	struct tm t = save_time();
	if (!(config = config_json(p, name)) || !(meta = metadata_json(p->m, &t, err))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = weights_image(p, &weights, &n_weights, err)))
		goto out;
	/* libzip writes a temporary file beside path and renames it at zip_close */
	int ze = 0;
	z = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &ze);
	if (!z) {
		zip_error_t e;
		zip_error_init_with_code(&e, ze);
		rc = li_err_set(err, LI_EIO, "cannot create: %s", zip_error_strerror(&e));
		zip_error_fini(&e);
		goto out;
	}
	if ((rc = add_member(z, "metadata.json", meta, strlen(meta), &t, err)) ||
	    (rc = add_member(z, "config.json", config, strlen(config), &t, err)) ||
	    (rc = add_member(z, "model.weights.h5", weights, n_weights, &t, err)))
		goto out;
	if (zip_close(z) < 0) {
		rc = li_err_set(err, LI_EIO, "cannot write: %s", zip_strerror(z));
		goto out;
	}
	z = NULL;
out:
	if (z)
		zip_discard(z);
	free(config);
	free(meta);
	free(weights);
	return rc;
}
