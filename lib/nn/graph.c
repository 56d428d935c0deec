/*
 * The layer graph: built from a parsed Keras config (kerascfg.c) and a weight source
 * (h5model.c, tfjs.c); split analysis; running any part of it.
 *
 * Every layer CALL becomes a row with one output tensor. Rows are created in an order
 * where inputs come first, so ascending row order is a topological order, and running a
 * part of the model is: mark the rows the wanted outputs need (stopping at fed rows), run
 * them in ascending order. Nested models are flattened: their inner layers become rows
 * "outer/inner", and an identity row "outer" stands for the nested model's output. A
 * nested model called twice is instantiated twice (its second rows are "outer@1/...").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

/* ---- building ---- */

typedef struct ent {
	const char *layer;  /* borrowed from the kc_model */
	int node, tensor, row;
} ent;

/* Nested models nest at most this deep: a layer inside MAX_NEST - 1 enclosing models
 * still has its path (real models nest two or three levels). */
enum { MAX_NEST = 64 };

typedef struct scope {
	const char *prefix;          /* "" or "outer/" */
	const char *path[MAX_NEST];  /* enclosing model names, then the layer (weight source) */
	int depth;
	int count_params;            /* 0 in a second instance of a nested model */
	ent *ents;
	int n_ents, m_ents;
} scope;

static int map_put(scope *s, const char *layer, int node, int tensor, int row, li_err *err)
{
	if (s->n_ents == s->m_ents) {
		int m = s->m_ents ? 2 * s->m_ents : 32;
		ent *g = realloc(s->ents, sizeof *g * (size_t)m);
		if (!g)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		s->ents = g;
		s->m_ents = m;
	}
	s->ents[s->n_ents++] = (ent){layer, node, tensor, row};
	return 0;
}

static int map_get(const scope *s, const kc_ref *r)
{
	for (int i = s->n_ents - 1; i >= 0; i--)
		if (s->ents[i].node == r->node && s->ents[i].tensor == r->tensor &&
		    !strcmp(s->ents[i].layer, r->layer))
			return s->ents[i].row;
	return -1;
}

/* Appends a row; returns its index or negative. Takes name. */
static int add_node(li_model *m, char *name, const char *cls, int kind, int layer, int n_in,
		    const int *in, li_err *err)
{
	if (!name)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	if (m->n_nodes == m->m_nodes) {
		int n = m->m_nodes ? 2 * m->m_nodes : 32;
		li_node *g = realloc(m->nodes, sizeof *g * (size_t)n);
		if (!g) {
			free(name);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		m->nodes = g;
		m->m_nodes = n;
	}
	li_node *d = &m->nodes[m->n_nodes];
	memset(d, 0, sizeof *d);
	d->name = name;
	d->class_name = strdup(cls);
	d->kind = kind;
	d->layer = layer;
	d->shape.rank = -1;
	d->in = malloc(sizeof(int) * (size_t)(n_in ? n_in : 1));
	if (!d->class_name || !d->in) {
		free(d->class_name);
		free(d->in);
		free(name);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	d->n_in = n_in;
	if (n_in)
		memcpy(d->in, in, sizeof(int) * (size_t)n_in);
	return m->n_nodes++;
}

static char *join(const char *a, const char *b, int call)
{
	size_t n = strlen(a) + strlen(b) + 16;
	char *s = malloc(n);
	if (s) {
		if (call > 0)
			snprintf(s, n, "%s%s@%d", a, b, call);
		else
			snprintf(s, n, "%s%s", a, b);
	}
	return s;
}

static int shape_known(const li_shape *s)
{
	if (s->rank < 0)
		return 0;
	for (int i = 0; i < s->rank; i++)
		if (s->dim[i] < 0)
			return 0;
	return 1;
}

/* Computes row r's shape from its inputs. Errors are fatal only when every input shape
 * is fully known (an unknown dimension may be what a layer cannot check yet). */
static int node_shape(li_model *m, int r, li_err *err)
{
	li_node *d = &m->nodes[r];
	li_shape in[64];
	int known = 1;
	if (d->n_in > 64)
		return li_err_set(err, LI_EDATA, "layer '%s' has too many inputs", d->name);
	for (int i = 0; i < d->n_in; i++) {
		in[i] = m->nodes[d->in[i]].shape;
		if (in[i].rank < 0) {
			d->shape.rank = -1;
			return 0;
		}
		known &= shape_known(&in[i]);
	}
	if (d->kind == LI_NODE_IDENTITY) {
		d->shape = in[0];
		return 0;
	}
	li_layer *l = &m->layers[d->layer];
	li_err e = {0};
	if (l->ops->out_shape(l, d->n_in, in, &d->shape, &e)) {
		if (known) {
			li_err_set(err, e.code ? e.code : LI_EDATA, "%s", e.msg);
			return err->code;
		}
		d->shape.rank = -1;
	}
	return 0;
}

static int build_model(li_model *m, const kc_model *km, scope *sc, const li_wsource *ws,
		       const int *given, int n_given, int *outs, li_err *err);

/* Builds the layer of a kc_layer (first call) and returns its index in m->layers; -1
 * with *problem set when no family runs the class (the row is kept, opaque), or another
 * negative code on error. */
/* A copy of n weights (names and arrays), or NULL when out of memory. */
static li_weight *weights_copy(const li_weight *w, int n)
{
	li_weight *c = n < 0 ? NULL : calloc(n ? (size_t)n : 1, sizeof *c);
	li_err e = {0};
	for (int i = 0; c && i < n; i++) {
		c[i].name = strdup(w[i].name);
		if (!c[i].name || li_array_alloc(&c[i].a, LI_DTYPE_F32, w[i].a.rank, w[i].a.shape,
						 &e)) {
			li_weights_free(c, i + 1);
			return NULL;
		}
		memcpy(c[i].a.data, w[i].a.data, sizeof(float) * (size_t)li_array_count(&w[i].a));
	}
	return c;
}

static int make_layer(li_model *m, const kc_layer *kl, scope *sc, const li_wsource *ws,
		      const char *row_name, int64_t *params, char **problem, li_weight **raw,
		      int *n_raw, li_err *err)
{
	li_weight *w = NULL;
	int n_w = 0, rc;
	if (sc->depth >= MAX_NEST)
		return li_err_set(err, LI_EDATA, "models nest too deep");
	sc->path[sc->depth] = kl->name;
	if (kl->custom) {
		/* Keras 3's loader would import this code; the file holds only its config and
		 * weights (kept for the writers) */
		rc = ws->get(ws->ctx, sc->depth + 1, sc->path, &w, &n_w, err);
		if (rc)
			return rc;
		*params = 0;
		for (int i = 0; i < n_w; i++)
			*params += li_array_count(&w[i].a);
		*raw = w;
		*n_raw = n_w;
		char buf[768];
		snprintf(buf, sizeof buf, "layer '%s' (%s) cannot be run: a custom class "
			 "(registered '%s', module %s) whose code is not in the model file",
			 row_name, kl->class_name, kl->registered ? kl->registered : kl->class_name,
			 kl->module ? kl->module : "(none)");
		if (!(*problem = strdup(buf)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
		return -1;
	}
	rc = ws->get(ws->ctx, sc->depth + 1, sc->path, &w, &n_w, err);
	if (rc)
		return rc;
	*params = 0;
	for (int i = 0; i < n_w; i++)
		*params += li_array_count(&w[i].a);
	if (!(*raw = weights_copy(w, n_w))) {
		li_weights_free(w, n_w);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	*n_raw = n_w;
	if (li_kc_fix_weights(kl->class_name, kl->config, w, n_w, &m->origin, m->backend, err)) {
		li_weights_free(w, n_w);
		return err->code;
	}
	if (m->n_layers == m->m_layers) {
		int n = m->m_layers ? 2 * m->m_layers : 32;
		li_layer *g = realloc(m->layers, sizeof *g * (size_t)n);
		if (!g) {
			li_weights_free(w, n_w);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		m->layers = g;
		m->m_layers = n;
	}
	li_err e = {0};
	/* call options (use_causal_mask) reach parse as config keys of the same name */
	const json_t *opts = kl->n_calls > 0 ? kl->calls[0].opts : NULL;
	json_t *cfg = NULL;
	if (opts && json_is_object(kl->config) &&
	    (!(cfg = json_copy(kl->config)) || json_object_update(cfg, (json_t *)opts))) {
		json_decref(cfg);
		li_weights_free(w, n_w);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	rc = li_layer_init(&m->layers[m->n_layers], kl->class_name, row_name,
			   cfg ? cfg : kl->config, w, n_w, &m->origin, &e);
	json_decref(cfg);
	li_weights_free(w, n_w);
	if (rc && !li_layer_find(kl->class_name) && e.code == LI_EDATA) {
		/* no family for this class: keep the row, remember why */
		if (!(*problem = strdup(e.msg)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
		return -1;
	}
	if (rc) {
		li_err_set(err, e.code ? e.code : LI_EDATA, "%s", e.msg);
		return err->code;
	}
	return m->n_layers++;
}

/* Creates the rows of one call of layer kl whose inputs are rows in[]. */
static int call_layer(li_model *m, const kc_layer *kl, int call, int node, int *layer_idx,
		      scope *sc, const li_wsource *ws, const int *in, int n_in, li_err *err)
{
	char *name = join(sc->prefix, kl->name, call);
	if (!name)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	if (kl->is_model) {
		kc_model inner;
		scope s2 = {0};
		int rc, outs[256];
		/* its layers need a path slot each beyond this model's own */
		if (sc->depth + 1 >= MAX_NEST) {
			free(name);
			return li_err_set(err, LI_EDATA, "nested model '%s': models nest more than %d "
					  "levels deep (the limit)", kl->name, MAX_NEST - 1);
		}
		if (li_kc_model_parse(kl->class_name, kl->config, &m->origin, &inner, err)) {
			li_err_prefix(err, "nested model '%s'", name);
			free(name);
			return err->code;
		}
		if (inner.n_outputs > 256) {
			li_kc_model_release(&inner);
			free(name);
			return li_err_set(err, LI_EDATA, "nested model '%s' has too many outputs",
					  kl->name);
		}
		size_t pl = strlen(name) + 2;
		char *prefix = malloc(pl);
		if (!prefix) {
			li_kc_model_release(&inner);
			free(name);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		snprintf(prefix, pl, "%s/", name);
		s2.prefix = prefix;
		memcpy(s2.path, sc->path, sizeof(char *) * (size_t)sc->depth);
		s2.path[sc->depth] = kl->name;
		s2.depth = sc->depth + 1;
		s2.count_params = sc->count_params && call == 0;
		rc = build_model(m, &inner, &s2, ws, in, n_in, outs, err);
		free(s2.ents);
		free(prefix);
		if (rc == 0 && inner.n_outputs == 1) {
			int r = add_node(m, name, kl->class_name, LI_NODE_IDENTITY, -1, 1, outs, err);
			name = NULL;
			if (r < 0)
				rc = r;
			else if ((rc = node_shape(m, r, err)) == 0)
				rc = map_put(sc, kl->name, node, 0, r, err);
		} else if (rc == 0) {
			for (int t = 0; t < inner.n_outputs && !rc; t++)
				rc = map_put(sc, kl->name, node, t, outs[t], err);
		}
		free(name);
		li_kc_model_release(&inner);
		return rc;
	}
	int64_t params = 0;
	char *problem = NULL;
	li_weight *raw = NULL;
	int n_raw = 0;
	const json_t *opts = call < kl->n_calls ? kl->calls[call].opts : NULL;
	if (call > 0 && !json_equal((json_t *)opts, kl->calls[0].opts) &&
	    (opts || kl->calls[0].opts)) {
		li_err_set(err, LI_EDATA, "layer '%s' is called with other options than on its first "
			   "call (use_causal_mask): not supported", name);
		free(name);
		return err->code;
	}
	if (layer_idx[0] == -1) {
		int li = make_layer(m, kl, sc, ws, name, &params, &problem, &raw, &n_raw, err);
		if (li < -1 || (li == -1 && !problem)) {
			li_weights_free(raw, n_raw);
			free(name);
			return li;
		}
		layer_idx[0] = li == -1 ? -2 : li; /* -2: opaque */
	}
	if (layer_idx[0] == -2 && !problem) {
		char buf[512];
		snprintf(buf, sizeof buf, "layer '%s' (%s) cannot be run by this build", name,
			 kl->class_name);
		problem = strdup(buf);
		if (!problem) {
			free(name);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
	}
	int opaque = layer_idx[0] == -2;
	int r = add_node(m, name, kl->class_name, opaque ? LI_NODE_OPAQUE : LI_NODE_LAYER,
			 opaque ? -1 : layer_idx[0], n_in, in, err);
	if (r < 0) {
		li_weights_free(raw, n_raw);
		free(problem);
		return r;
	}
	m->nodes[r].problem = problem;
	m->nodes[r].raw = raw;
	m->nodes[r].n_raw = n_raw;
	m->nodes[r].config = json_incref(kl->config);
	m->nodes[r].custom = kl->custom;
	if ((kl->module && !(m->nodes[r].module = strdup(kl->module))) ||
	    (kl->registered && !(m->nodes[r].registered = strdup(kl->registered))))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	m->nodes[r].call_opts = json_incref((json_t *)opts);
	m->nodes[r].params = sc->count_params ? params : 0;
	if (opaque)
		return map_put(sc, kl->name, node, 0, r, err);
	if (node_shape(m, r, err))
		return err->code;
	return map_put(sc, kl->name, node, 0, r, err);
}

/*
 * The node index that others use for call 0 of layer i. tf.keras and TF.js do not save
 * the first node of a nested model that has its own InputLayer (tf.keras'
 * _should_skip_first_node), but references still count it: calls are then numbered
 * from 1. Detected from the references themselves, which works for every version.
 */
static int node_offset(const kc_model *km, int i)
{
	const kc_layer *kl = &km->layers[i];
	int max = -1;
	if (!kl->is_model)
		return 0;
	for (int j = 0; j < km->n_layers; j++)
		for (int c = 0; c < km->layers[j].n_calls; c++)
			for (int k = 0; k < km->layers[j].calls[c].n_in; k++) {
				const kc_ref *r = &km->layers[j].calls[c].in[k];
				if (!strcmp(r->layer, kl->name) && r->node > max)
					max = r->node;
			}
	for (int k = 0; k < km->n_outputs; k++)
		if (!strcmp(km->outputs[k].layer, kl->name) && km->outputs[k].node > max)
			max = km->outputs[k].node;
	return max >= kl->n_calls ? 1 : 0;
}

static const kc_layer *find_layer(const kc_model *km, const char *name)
{
	for (int i = 0; i < km->n_layers; i++)
		if (!strcmp(km->layers[i].name, name))
			return &km->layers[i];
	return NULL;
}

/*
 * Instantiates km: its inputs are new InputLayer rows (given == NULL, the root) or the
 * given rows (a nested model's call). Writes the output rows to outs.
 */
static int build_model(li_model *m, const kc_model *km, scope *sc, const li_wsource *ws,
		       const int *given, int n_given, int *outs, li_err *err)
{
	int rc = 0;
	int *layer_idx = NULL, *done = NULL, *offset = NULL, n_pending = 0;
	int in_rows[256];
	if (given && n_given != km->n_inputs)
		return li_err_set(err, LI_EDATA, "nested model '%.*s' takes %d inputs, called with %d",
				  (int)strlen(sc->prefix) - 1, sc->prefix, km->n_inputs, n_given);
	for (int k = 0; k < km->n_inputs; k++) {
		const kc_ref *r = &km->inputs[k];
		const kc_layer *kl = find_layer(km, r->layer);
		if (!kl || strcmp(kl->class_name, "InputLayer"))
			return li_err_set(err, LI_EDATA, "model input '%s' is not an InputLayer",
					  r->layer);
		int row;
		if (given) {
			row = given[k];
		} else {
			li_shape s;
			int e = li_kc_input_shape(kl->config, &s, err);
			if (e && e != LI_EEND)
				return e;
			if (e == LI_EEND)
				s.rank = -1;
			row = add_node(m, join(sc->prefix, kl->name, 0), "InputLayer", LI_NODE_INPUT, -1,
				       0, NULL, err);
			if (row < 0)
				return row;
			m->nodes[row].shape = s;
			m->nodes[row].config = json_incref(kl->config);
			if (k < 256)
				in_rows[k] = row;
		}
		if (map_put(sc, kl->name, r->node, r->tensor, row, err))
			return err->code;
	}
	if (!given) {
		if (km->n_inputs > 256)
			return li_err_set(err, LI_EDATA, "too many model inputs");
		m->inputs = malloc(sizeof(int) * (size_t)km->n_inputs);
		if (!m->inputs)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		memcpy(m->inputs, in_rows, sizeof(int) * (size_t)km->n_inputs);
		m->n_inputs = km->n_inputs;
	}
	layer_idx = malloc(sizeof(int) * (size_t)km->n_layers);
	done = calloc((size_t)km->n_layers, sizeof(int)); /* calls made so far */
	offset = calloc((size_t)km->n_layers, sizeof(int));
	if (!layer_idx || !done || !offset) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < km->n_layers; i++) {
		layer_idx[i] = -1;
		offset[i] = node_offset(km, i);
		if (strcmp(km->layers[i].class_name, "InputLayer"))
			n_pending += km->layers[i].n_calls;
	}
	/* Make calls whose inputs exist, in config order, until none is left. Calls of one
	 * layer are made in order (node indices refer to them). */
	while (n_pending > 0) {
		int progress = 0;
		for (int i = 0; i < km->n_layers; i++) {
			const kc_layer *kl = &km->layers[i];
			if (!strcmp(kl->class_name, "InputLayer"))
				continue;
			while (done[i] < kl->n_calls) {
				const kc_call *c = &kl->calls[done[i]];
				int in[256], ok = 1;
				if (c->n_in > 256) {
					rc = li_err_set(err, LI_EDATA, "layer '%s' has too many inputs",
							kl->name);
					goto out;
				}
				for (int j = 0; j < c->n_in && ok; j++)
					ok = (in[j] = map_get(sc, &c->in[j])) >= 0;
				if (!ok)
					break;
				if ((rc = call_layer(m, kl, done[i], done[i] + offset[i], &layer_idx[i], sc,
						     ws, in, c->n_in, err)))
					goto out;
				done[i]++;
				n_pending--;
				progress = 1;
			}
		}
		if (!progress) {
			/* name the first unresolved reference */
			for (int i = 0; i < km->n_layers; i++) {
				const kc_layer *kl = &km->layers[i];
				if (!strcmp(kl->class_name, "InputLayer") || done[i] >= kl->n_calls)
					continue;
				const kc_call *c = &kl->calls[done[i]];
				for (int j = 0; j < c->n_in; j++) {
					if (map_get(sc, &c->in[j]) >= 0)
						continue;
					const kc_layer *src = find_layer(km, c->in[j].layer);
					if (!src)
						rc = li_err_set(err, LI_EDATA, "layer '%s%s' reads '%s', which "
								"is not in the model", sc->prefix,
								kl->name, c->in[j].layer);
					else if (c->in[j].tensor > 0)
						rc = li_err_set(err, LI_EDATA, "layer '%s%s' reads output %d "
								"of '%s': layers with several outputs are "
								"not supported", sc->prefix, kl->name,
								c->in[j].tensor, c->in[j].layer);
					else
						rc = li_err_set(err, LI_EDATA, "layer '%s%s' reads call %d of "
								"'%s', which never happens (a cycle?)",
								sc->prefix, kl->name, c->in[j].node,
								c->in[j].layer);
					goto out;
				}
			}
			rc = li_err_set(err, LI_EDATA, "the layer graph cannot be resolved");
			goto out;
		}
	}
	for (int k = 0; k < km->n_outputs; k++) {
		int r = map_get(sc, &km->outputs[k]);
		if (r < 0) {
			rc = li_err_set(err, LI_EDATA, "model output '%s' is not produced by any layer",
					km->outputs[k].layer);
			goto out;
		}
		outs[k] = r;
	}
out:
	free(layer_idx);
	free(done);
	free(offset);
	return rc;
}

int li_graph_build(li_model *m, const json_t *root, const li_wsource *ws, li_err *err)
{
	kc_model km;
	scope sc = {0};
	int outs[256];
	if (li_kc_model_parse_top(root, &m->origin, &km, err))
		return err->code;
	sc.prefix = "";
	sc.count_params = 1;
	int rc = 0;
	if (km.n_outputs > 256)
		rc = li_err_set(err, LI_EDATA, "too many model outputs");
	if (!rc)
		rc = build_model(m, &km, &sc, ws, NULL, 0, outs, err);
	if (!rc) {
		m->outputs = malloc(sizeof(int) * (size_t)km.n_outputs);
		if (!m->outputs)
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
		else {
			memcpy(m->outputs, outs, sizeof(int) * (size_t)km.n_outputs);
			m->n_outputs = km.n_outputs;
		}
	}
	if (!rc && km.name && !(m->name = strdup(km.name)))
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
	free(sc.ents);
	li_kc_model_release(&km);
	return rc;
}

/* ---- split analysis ---- */

/* Marks row i and every row it depends on in a (rows ascending = topological). */
static void ancestors(const li_model *m, int i, char *a)
{
	a[i] = 1;
	for (int r = i; r >= 0; r--) {
		if (!a[r])
			continue;
		for (int k = 0; k < m->nodes[r].n_in; k++)
			a[m->nodes[r].in[k]] = 1;
	}
}

int li_model_crossing(const li_model *m, int i, int *rows, int max)
{
	if (i < 0 || i >= m->n_nodes)
		return 0;
	char *a = calloc((size_t)m->n_nodes, 1), *cross = calloc((size_t)m->n_nodes, 1);
	int n = 0;
	if (!a || !cross) {
		free(a);
		free(cross);
		return -1;
	}
	ancestors(m, i, a);
	for (int r = 0; r < m->n_nodes; r++) {
		if (a[r])
			continue;
		for (int k = 0; k < m->nodes[r].n_in; k++)
			if (a[m->nodes[r].in[k]])
				cross[m->nodes[r].in[k]] = 1;
	}
	for (int k = 0; k < m->n_outputs; k++)
		if (a[m->outputs[k]])
			cross[m->outputs[k]] = 1;
	/* A model input the head does not hold is one more tensor the tail needs. */
	for (int k = 0; k < m->n_inputs; k++)
		if (!a[m->inputs[k]])
			cross[m->inputs[k]] = 1;
	/* The cut row first, then the others in row order. */
	if (cross[i]) {
		if (rows && n < max)
			rows[n] = i;
		n++;
	}
	for (int r = 0; r < m->n_nodes; r++) {
		if (!cross[r] || r == i)
			continue;
		if (rows && n < max)
			rows[n] = r;
		n++;
	}
	free(a);
	free(cross);
	return n;
}

int li_model_split_point(const li_model *m, int i, li_err *err)
{
	int r[2], n = li_model_crossing(m, i, r, 2);
	if (n < 0)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return n == 1 && r[0] == i;
}

int li_model_is_split(const li_model *m, int i)
{
	return li_model_split_point(m, i, NULL) == 1;
}

/* ---- running ---- */

struct li_run {
	const li_model *m;
	int n_feed, n_want;
	int *feed, *want;
	char *need;             /* rows to compute */
	int *last;              /* row -> the last row that reads it (freed after that) */
	char *keep;             /* wanted rows: never freed early */
	int *fed_at;            /* row -> feed index or -1 */
	float **buf;            /* per row, owned (NULL for fed rows) */
	size_t *cap;            /* floats */
	const float **val;      /* per row: the batch's values */
	li_shape *shape;        /* per row: the batch's shape */
	li_masks *masks;        /* Keras masks, or NULL when the run carries none */
};

li_run *li_run_new(const li_model *m, int n_feed, const int *feed, int n_want,
		   const int *want, li_err *err)
{
	int n = m->n_nodes;
	li_run *r = calloc(1, sizeof *r);
	if (!r)
		goto nomem;
	r->m = m;
	r->n_feed = n_feed;
	r->n_want = n_want;
	r->feed = malloc(sizeof(int) * (size_t)(n_feed + 1));
	r->want = malloc(sizeof(int) * (size_t)(n_want + 1));
	r->need = calloc((size_t)n, 1);
	r->fed_at = malloc(sizeof(int) * (size_t)n);
	r->buf = calloc((size_t)n, sizeof *r->buf);
	r->cap = calloc((size_t)n, sizeof *r->cap);
	r->val = calloc((size_t)n, sizeof *r->val);
	r->shape = calloc((size_t)n, sizeof *r->shape);
	r->last = malloc(sizeof(int) * (size_t)n);
	r->keep = calloc((size_t)n, 1);
	if (!r->feed || !r->want || !r->need || !r->fed_at || !r->buf || !r->cap || !r->val ||
	    !r->shape || !r->last || !r->keep)
		goto nomem;
	memcpy(r->feed, feed, sizeof(int) * (size_t)n_feed);
	memcpy(r->want, want, sizeof(int) * (size_t)n_want);
	for (int i = 0; i < n; i++)
		r->fed_at[i] = -1;
	for (int k = 0; k < n_feed; k++) {
		if (feed[k] < 0 || feed[k] >= n) {
			li_err_set(err, LI_EUSAGE, "no such row %d", feed[k]);
			goto fail;
		}
		r->fed_at[feed[k]] = k;
	}
	for (int k = 0; k < n_want; k++) {
		if (want[k] < 0 || want[k] >= n) {
			li_err_set(err, LI_EUSAGE, "no such row %d", want[k]);
			goto fail;
		}
		r->need[want[k]] = 1;
		r->keep[want[k]] = 1;
	}
	for (int i = n - 1; i >= 0; i--) {
		if (!r->need[i] || r->fed_at[i] >= 0)
			continue;
		const li_node *d = &m->nodes[i];
		for (int k = 0; k < d->n_in; k++)
			r->need[d->in[k]] = 1;
	}
	/* Activations are freed after their last reader, so a batch holds only live ones. */
	for (int i = 0; i < n; i++)
		r->last[i] = -1;
	for (int i = 0; i < n; i++) {
		if (!r->need[i] || r->fed_at[i] >= 0)
			continue;
		for (int k = 0; k < m->nodes[i].n_in; k++)
			r->last[m->nodes[i].in[k]] = i;
	}
	/* An identity row's readers read its owner's buffer: extend the owner's life (rows
	 * descending, so chains of identities carry through). */
	for (int i = n - 1; i >= 0; i--) {
		if (!r->need[i] || r->fed_at[i] >= 0 || m->nodes[i].kind != LI_NODE_IDENTITY)
			continue;
		int o = m->nodes[i].in[0];
		if (r->last[i] > r->last[o])
			r->last[o] = r->last[i];
		r->keep[o] |= r->keep[i];
	}
	/* Report the first row that stops the run, in row order. */
	for (int i = 0; i < n; i++) {
		const li_node *d = &m->nodes[i];
		if (!r->need[i] || r->fed_at[i] >= 0)
			continue;
		if (d->kind == LI_NODE_INPUT) {
			li_err_set(err, LI_EDATA, "model input '%s' is needed but not given", d->name);
			goto fail;
		}
		if (d->kind == LI_NODE_OPAQUE) {
			li_err_set(err, LI_EDATA, "%s", d->problem);
			goto fail;
		}
	}
	r->masks = li_masks_new(m, r->need, r->fed_at, err);
	if (!r->masks && err && err->code)
		goto fail;
	return r;
nomem:
	li_err_set(err, LI_ENOMEM, "out of memory");
fail:
	li_run_free(r);
	return NULL;
}

void li_run_free(li_run *r)
{
	if (!r)
		return;
	if (r->buf)
		for (int i = 0; i < r->m->n_nodes; i++)
			free(r->buf[i]);
	free(r->buf);
	free(r->cap);
	free(r->val);
	free(r->shape);
	free(r->need);
	free(r->last);
	free(r->keep);
	free(r->fed_at);
	li_masks_free(r->masks);
	free(r->feed);
	free(r->want);
	free(r);
}

/* 1 when the batch's shape s fits the model's shape want (unknown dims match all). */
static int shape_fits(const li_shape *want, const li_shape *s)
{
	if (want->rank < 0)
		return 1;
	if (want->rank != s->rank)
		return 0;
	for (int i = 0; i < s->rank; i++)
		if (want->dim[i] >= 0 && want->dim[i] != s->dim[i])
			return 0;
	return 1;
}

/* The row that owns the buffer row j's values live in (identity rows borrow). */
static int owner(const li_run *r, int j)
{
	while (r->m->nodes[j].kind == LI_NODE_IDENTITY && r->fed_at[j] < 0)
		j = r->m->nodes[j].in[0];
	return j;
}

/* Frees the buffers whose last reader was row i. */
static void release_inputs(li_run *r, int i)
{
	const li_model *m = r->m;
	for (int k = 0; k < m->nodes[i].n_in; k++) {
		int j = owner(r, m->nodes[i].in[k]);
		if (r->keep[j] || r->fed_at[j] >= 0 || r->last[j] != i || !r->buf[j])
			continue;
		free(r->buf[j]);
		r->buf[j] = NULL;
		r->cap[j] = 0;
	}
}

int li_run_batch(li_run *r, int64_t n, const float *const *in, const li_shape *shapes,
		 li_err *err)
{
	const li_model *m = r->m;
	const float *ins[64];
	li_shape ish[64];
	for (int k = 0; k < r->n_feed; k++) {
		int row = r->feed[k];
		if (!shape_fits(&m->nodes[row].shape, &shapes[k])) {
			char a[256], b[256];
			li_shape_str(&m->nodes[row].shape, a, sizeof a);
			li_shape_str(&shapes[k], b, sizeof b);
			return li_err_set(err, LI_EDATA, "'%s' takes rows of shape %s, the data has %s",
					  m->nodes[row].name, a, b);
		}
		r->val[row] = in[k];
		r->shape[row] = shapes[k];
	}
	for (int i = 0; i < m->n_nodes; i++) {
		if (!r->need[i] || r->fed_at[i] >= 0)
			continue;
		const li_node *d = &m->nodes[i];
		if (d->n_in > 64)
			return li_err_set(err, LI_EDATA, "layer '%s' has too many inputs", d->name);
		for (int k = 0; k < d->n_in; k++) {
			ins[k] = r->val[d->in[k]];
			ish[k] = r->shape[d->in[k]];
		}
		if (d->kind == LI_NODE_IDENTITY) {
			/* borrows its input's buffer: that buffer lives as long as this row */
			r->val[i] = ins[0];
			r->shape[i] = ish[0];
			if (r->masks)
				li_masks_identity(r->masks, i);
			continue;
		}
		const li_layer *l = &m->layers[d->layer];
		if (l->ops->out_shape(l, d->n_in, ish, &r->shape[i], err))
			return err->code;
		int64_t e = li_shape_elems(&r->shape[i]), total;
		if (e < 0 || li_mul_i64(e, n, &total) || total > ((int64_t)1 << 40))
			return li_err_set(err, LI_EDATA, "layer '%s': output too large", d->name);
		if ((size_t)total > r->cap[i] || !r->buf[i]) {
			float *g = realloc(r->buf[i], sizeof(float) * (size_t)(total ? total : 1));
			if (!g)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			r->buf[i] = g;
			r->cap[i] = (size_t)(total ? total : 1);
		}
		if (n > 0 && (r->masks ? li_masks_forward(r->masks, i, n, ish, ins, &r->shape[i],
							   r->buf[i], err)
				       : l->ops->forward(l, n, d->n_in, ish, ins, &r->shape[i], r->buf[i],
							 err)))
			return err->code ? err->code : LI_EDATA;
		r->val[i] = r->buf[i];
		release_inputs(r, i);
	}
	return 0;
}

const float *li_run_output(const li_run *r, int k, li_shape *shape)
{
	int row = r->want[k];
	if (shape)
		*shape = r->shape[row];
	return r->val[row];
}
