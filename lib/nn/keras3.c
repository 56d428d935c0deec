/*
 * Keras 3 native models: the `.keras` zip (config.json, metadata.json, model.weights.h5),
 * read into the same layer graph as a Keras .h5 (graph.c), so every program reads it with
 * the same layer coverage. The rules, from keras/src/saving/saving_lib.py
 * (_save_state, _save_container_state, H5Entry) and utils/naming.py (to_snake_case):
 *
 *   - a model's layers sit at <prefix>/layers/<key>, where key is the snake-cased Python
 *     class name plus a per-class counter in model.layers order ("dense", "dense_1"),
 *     NOT the layer's name. Sequential leaves its InputLayer out of model.layers;
 *     Functional keeps its InputLayers, in config order. A nested model's layers are at
 *     layers/<its key>/layers/<key>;
 *   - a layer's own variables are the datasets <path>/vars/0, 1, ... in creation order
 *     (sorted numerically: 10 after 9); sub-layers hang off their attribute names
 *     (lstm/cell, bidirectional/forward_layer/cell, time_distributed/layer,
 *     multi_head_attention/query_dense ...; the table k3_subs below);
 *   - tf.keras 2.13 and 2.14 used "_layer_checkpoint_dependencies" where later versions
 *     use "layers"; the optimizer's variables and any other member are ignored.
 *
 * A .keras file is untrusted input: members are found by name and read into memory only
 * after their claimed sizes are checked (a member that would inflate past a bound, or far
 * beyond its compressed size, is refused as a zip bomb); nothing is extracted to disk. The
 * weights are opened from memory with HDF5's core driver (a file image).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "h5util.h"
#include "keras3.h"
#include "model_internal.h"

/* Bounds on what a member may inflate to. Deflate cannot exceed about 1032:1. */
#define K3_JSON_MAX ((zip_uint64_t)64 << 20)
#define K3_WEIGHTS_MAX ((zip_uint64_t)16 << 30)
#define K3_RATIO 1100
#define K3_MAX_VARS 4096

/* "a" + "b" + "c", malloc'd; NULL when out of memory. */
static char *cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/* ---- the class table: sub-layers by attribute ---- */

const k3_sub_table *k3_subs(const char *cls)
{
	/* The attribute names are the public properties Keras 3 layers expose (private
	 * "_x" twins are visited later and skipped as already saved). MultiHeadAttention:
	 * tf.keras 2 saves query/kernel, query/bias, key/..., value/..., attention_output/...
	 * (its EinsumDense sub-layers in build order); Keras 3 keeps the same under
	 * query_dense, key_dense, value_dense and output_dense (vars/0 kernel, vars/1 bias). */
	static const k3_sub_table t[] = {
		{"LSTM", 1, {{"cell", NULL, NULL}}},
		{"GRU", 1, {{"cell", NULL, NULL}}},
		{"SimpleRNN", 1, {{"cell", NULL, NULL}}},
		{"Bidirectional", 2, {{"forward_layer", "layer", NULL},
				      {"backward_layer", "backward_layer|layer", NULL}}},
		{"TimeDistributed", 1, {{"layer", "layer", NULL}}},
		{"MultiHeadAttention", 4, {{"query_dense", NULL, "query"}, {"key_dense", NULL, "key"},
					   {"value_dense", NULL, "value"},
					   {"output_dense", NULL, "attention_output"}}},
	};
	for (size_t i = 0; cls && i < sizeof t / sizeof *t; i++)
		if (!strcmp(t[i].cls, cls))
			return &t[i];
	return NULL;
}

const json_t *k3_sub_entry(const json_t *cfg, const char *keys)
{
	while (keys && *keys) {
		size_t k = strcspn(keys, "|");
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(k < 63 ? k : 63), keys);
		const json_t *e = json_object_get(cfg, key);
		if (json_is_object(e))
			return e;
		keys += k;
		if (*keys == '|')
			keys++;
	}
	return NULL;
}

/* ---- naming.to_snake_case ---- */

int k3_snake(const char *name, char *out, size_t n)
{
	/* re.sub(r"\W+", "", name) */
	char a[256], b[600];
	size_t k = 0;
	for (const char *p = name; *p && k + 1 < sizeof a; p++)
		if (isalnum((unsigned char)*p) || *p == '_')
			a[k++] = *p;
	a[k] = 0;
	if (*name && strlen(name) >= sizeof a)
		return -1;
	/* re.sub("(.)([A-Z][a-z]+)", r"\1_\2", ...): leftmost, non-overlapping */
	size_t j = 0;
	for (size_t p = 0; p < k;) {
		if (p + 2 < k && isupper((unsigned char)a[p + 1]) && islower((unsigned char)a[p + 2])) {
			b[j++] = a[p];
			b[j++] = '_';
			b[j++] = a[p + 1];
			p += 2;
			while (p < k && islower((unsigned char)a[p]))
				b[j++] = a[p++];
		} else {
			b[j++] = a[p++];
		}
	}
	b[j] = 0;
	/* re.sub("([a-z])([A-Z])", r"\1_\2", ...).lower() */
	size_t o = 0;
	for (size_t p = 0; p < j;) {
		if (o + 4 >= n)
			return -1;
		if (p + 1 < j && islower((unsigned char)b[p]) && isupper((unsigned char)b[p + 1])) {
			out[o++] = b[p];
			out[o++] = '_';
			out[o++] = (char)tolower((unsigned char)b[p + 1]);
			p += 2;
		} else {
			out[o++] = (char)tolower((unsigned char)b[p++]);
		}
	}
	out[o] = 0;
	return 0;
}

int k3_keys_init(k3_keys *k)
{
	memset(k, 0, sizeof *k);
	return 0;
}

void k3_keys_release(k3_keys *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->name[i]);
	free(k->name);
	free(k->count);
	memset(k, 0, sizeof *k);
}

int k3_keys_next(k3_keys *k, const char *cls, char *out, size_t n)
{
	char s[512];
	if (k3_snake(cls, s, sizeof s))
		return -1;
	for (int i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], s)) {
			k->count[i]++;
			return snprintf(out, n, "%s_%d", s, k->count[i]) >= (int)n ? -1 : 0;
		}
	char **g = realloc(k->name, sizeof *g * (size_t)(k->n + 1));
	if (!g)
		return -1;
	k->name = g;
	int *c = realloc(k->count, sizeof *c * (size_t)(k->n + 1));
	if (!c)
		return -1;
	k->count = c;
	if (!(k->name[k->n] = strdup(s)))
		return -1;
	k->count[k->n++] = 0;
	return snprintf(out, n, "%s", s) >= (int)n ? -1 : 0;
}

/* ---- zip members ---- */

/*
 * Reads member name into *out (malloc'd, NUL-terminated, *n bytes) after checking its
 * claimed size against max and against its compressed size. LI_EEND when absent.
 */
static int member(zip_t *z, const char *name, zip_uint64_t max, char **out, size_t *n,
		  li_err *err)
{
	zip_stat_t st;
	zip_file_t *f = NULL;
	char *buf = NULL, extra;
	int rc = 0;
	*out = NULL;
	*n = 0;
	zip_int64_t i = zip_name_locate(z, name, 0);
	if (i < 0)
		return LI_EEND;
	zip_stat_init(&st);
	if (zip_stat_index(z, (zip_uint64_t)i, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    !(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD))
		return li_err_set(err, LI_EDATA, "member '%s' is damaged", name);
	if (st.size > max)
		return li_err_set(err, LI_EDATA, "member '%s' claims %llu bytes, more than the "
				  "%llu allowed", name, (unsigned long long)st.size,
				  (unsigned long long)max);
	if (st.comp_method == ZIP_CM_STORE ? st.size != st.comp_size :
	    st.size / K3_RATIO > st.comp_size + 4096)
		return li_err_set(err, LI_EDATA, "member '%s' would inflate from %llu to %llu bytes "
				  "(a zip bomb?)", name, (unsigned long long)st.comp_size,
				  (unsigned long long)st.size);
	buf = malloc((size_t)st.size + 1);
	if (!buf)
		return li_err_set(err, LI_ENOMEM, "out of memory (member '%s', %llu bytes)", name,
				  (unsigned long long)st.size);
	f = zip_fopen_index(z, (zip_uint64_t)i, 0);
	if (!f) {
		rc = li_err_set(err, LI_EDATA, "member '%s' cannot be read: %s", name,
				zip_strerror(z));
		goto out;
	}
	zip_uint64_t got = 0;
	while (got < st.size) {
		zip_int64_t r = zip_fread(f, buf + got, st.size - got);
		if (r <= 0) {
			rc = li_err_set(err, LI_EDATA, "member '%s' is damaged (%s)", name,
					r < 0 ? zip_file_strerror(f) : "shorter than it claims");
			goto out;
		}
		got += (zip_uint64_t)r;
	}
	/* one more read: the end of the data, where libzip checks the CRC */
	zip_int64_t r = zip_fread(f, &extra, 1);
	if (r != 0) {
		rc = li_err_set(err, LI_EDATA, "member '%s' is damaged (%s)", name,
				r < 0 ? zip_file_strerror(f) : "longer than it claims");
		goto out;
	}
	buf[st.size] = 0;
out:
	if (f && zip_fclose(f) != 0 && !rc)
		rc = li_err_set(err, LI_EDATA, "member '%s' is damaged", name);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*n = (size_t)st.size;
	return 0;
}

static json_t *parse_json(const char *text, size_t n, const char *what, li_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		li_err_set(err, LI_EDATA, "'%s' is malformed JSON at line %d: %s", what, je.line,
			   je.text);
	return j;
}

/* ---- the weight source ---- */

typedef struct k3ent {
	char *names;         /* enclosing model names and the layer's, joined by '\n' */
	char *h5;            /* its group in the weights file */
	const json_t *entry; /* the layer's config entry (borrowed from the config) */
} k3ent;

typedef struct k3src {
	hid_t file;
	const char *layers_group;   /* "layers", or tf.keras 2.13/2.14's name */
	k3ent *e;
	int n_e;
} k3src;

static const char *entry_name(const json_t *e)
{
	const char *n = json_string_value(json_object_get(e, "name"));
	return n ? n : json_string_value(json_object_get(json_object_get(e, "config"), "name"));
}

static int add_ent(k3src *s, const char *names, const char *h5, const json_t *e, li_err *err)
{
	k3ent *g = realloc(s->e, sizeof *g * (size_t)(s->n_e + 1));
	if (!g)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	s->e = g;
	g[s->n_e].names = strdup(names);
	g[s->n_e].h5 = strdup(h5);
	g[s->n_e].entry = e;
	s->n_e++;
	if (!g[s->n_e - 1].names || !g[s->n_e - 1].h5)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

/* Records where each layer of the model entry `model` keeps its weights (the key rule
 * above), recursing into nested models. */
static int walk(k3src *s, const json_t *model, const char *names, const char *h5, int depth,
		li_err *err)
{
	const char *cls = json_string_value(json_object_get(model, "class_name"));
	const json_t *layers = json_object_get(json_object_get(model, "config"), "layers");
	k3_keys keys;
	int rc = 0;
	if (depth > 32)
		return li_err_set(err, LI_EDATA, "models nest too deep");
	if (!json_is_array(layers))
		return 0; /* kerascfg.c reports it */
	k3_keys_init(&keys);
	size_t i;
	json_t *e;
	json_array_foreach(layers, i, e) {
		const char *lc = json_string_value(json_object_get(e, "class_name"));
		const char *ln = entry_name(e);
		char key[600], *nm = NULL, *path = NULL, *grp = NULL;
		if (!lc || !ln)
			continue;
		if (cls && !strcmp(cls, "Sequential") && i == 0 && !strcmp(lc, "InputLayer"))
			continue; /* Sequential.layers leaves it out */
		if (k3_keys_next(&keys, lc, key, sizeof key)) {
			rc = li_err_set(err, LI_EDATA, "layer class name '%.80s' is too long", lc);
			break;
		}
		nm = cat3(names, ln, "");
		grp = cat3(h5, "/", s->layers_group);
		path = grp ? cat3(grp, "/", key) : NULL;
		free(grp);
		if (!nm || !path) {
			free(nm);
			free(path);
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			break;
		}
		rc = add_ent(s, nm, path, e, err);
		if (!rc && li_kc_is_model_class(lc) && !li_kc_is_custom(e)) {
			char *inner = cat3(nm, "\n", "");
			if (!inner)
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
			else
				rc = walk(s, e, inner, path, depth + 1, err);
			free(inner);
		}
		free(nm);
		free(path);
		if (rc)
			break;
	}
	k3_keys_release(&keys);
	return rc;
}

typedef struct wlist {
	li_weight *w;
	int n, m;
} wlist;

static herr_t list_names(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
	(void)g;
	(void)info;
	wlist *l = data; /* borrowed as a name list: w[i].name only */
	if (l->n >= K3_MAX_VARS)
		return 1;
	if (l->n == l->m) {
		int m = l->m ? 2 * l->m : 8;
		li_weight *x = realloc(l->w, sizeof *x * (size_t)m);
		if (!x)
			return -1;
		l->w = x;
		l->m = m;
	}
	memset(&l->w[l->n], 0, sizeof *l->w);
	if (!(l->w[l->n].name = strdup(name)))
		return -1;
	l->n++;
	return 0;
}

/* The names of the links in group g (each malloc'd in l->w[i].name), or -1. */
static int links(hid_t g, wlist *l)
{
	memset(l, 0, sizeof *l);
	hsize_t idx = 0;
	herr_t r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, list_names, l);
	return r < 0 || l->n >= K3_MAX_VARS ? -1 : 0;
}

static int digits(const char *s)
{
	return *s && strlen(s) < 9 && strspn(s, "0123456789") == strlen(s) &&
	       (s[0] != '0' || !s[1]);
}

static int cmp_num(const void *a, const void *b)
{
	long x = atol(((const li_weight *)a)->name), y = atol(((const li_weight *)b)->name);
	return (x > y) - (x < y);
}

/* Appends the variables at h5/vars (numbered 0..n-1) to w, named prefix + number. */
static int read_vars(k3src *s, const char *h5, const char *prefix, const char *layer, wlist *w,
		     li_err *err)
{
	char path[1200];
	wlist names;
	int rc = 0;
	snprintf(path, sizeof path, "%s/vars", h5);
	if (H5Lexists(s->file, h5, H5P_DEFAULT) <= 0 ||
	    H5Lexists(s->file, path, H5P_DEFAULT) <= 0)
		return 0; /* empty vars groups may be left out */
	hid_t g = H5Gopen2(s->file, path, H5P_DEFAULT);
	if (g < 0)
		return li_err_set(err, LI_EDATA, "layer '%s': '%s' is not a group", layer, path);
	if (links(g, &names)) {
		H5Gclose(g);
		li_weights_free(names.w, names.n);
		return li_err_set(err, LI_EDATA, "layer '%s': cannot list '%s'", layer, path);
	}
	for (int i = 0; i < names.n && !rc; i++)
		if (!digits(names.w[i].name))
			rc = li_err_set(err, LI_EDATA, "layer '%s': '%s/%s' is not a numbered variable",
					layer, path, names.w[i].name);
	if (!rc && names.n > 1)
		qsort(names.w, (size_t)names.n, sizeof *names.w, cmp_num);
	for (int i = 0; i < names.n && !rc; i++)
		if (atol(names.w[i].name) != i)
			rc = li_err_set(err, LI_EDATA, "layer '%s': variable %d is missing from '%s'",
					layer, i, path);
	for (int i = 0; i < names.n && !rc; i++) {
		if (w->n == w->m) {
			int m = w->m ? 2 * w->m : 8;
			li_weight *x = realloc(w->w, sizeof *x * (size_t)m);
			if (!x) {
				rc = li_err_set(err, LI_ENOMEM, "out of memory");
				break;
			}
			w->w = x;
			w->m = m;
		}
		li_weight *x = &w->w[w->n];
		memset(x, 0, sizeof *x);
		if (!(x->name = cat3(prefix, "vars/", names.w[i].name))) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			break;
		}
		w->n++;
		if (li_h5_read_f32(g, names.w[i].name, &x->a, err)) {
			rc = err->code;
			li_err_prefix(err, "layer '%s': '%s'", layer, path);
		}
	}
	H5Gclose(g);
	li_weights_free(names.w, names.n);
	return rc;
}

static herr_t count_ds(hid_t o, const char *name, const H5O_info_t *info, void *data)
{
	(void)o;
	(void)name;
	if (info->type == H5O_TYPE_DATASET)
		++*(int *)data;
	return 0;
}

/*
 * Collects the weights of the layer at h5 (class cls, config entry e): its own vars,
 * then its sub-layers' in the order of k3_subs. Weights in a sub-group this reader does
 * not map are an error, never silently dropped.
 */
static int collect(k3src *s, const char *h5, const char *cls, const json_t *e,
		   const char *prefix, const char *layer, wlist *w, int depth, li_err *err)
{
	const k3_sub_table *t = k3_subs(cls);
	const json_t *cfg = json_object_get(e, "config");
	char sub[1200], pre[600];
	wlist kids;
	if (depth > 8)
		return li_err_set(err, LI_EDATA, "layer '%s': sub-layers nest too deep", layer);
	if (read_vars(s, h5, prefix, layer, w, err))
		return err->code;
	for (int i = 0; t && i < t->n; i++) {
		const json_t *se = t->sub[i].cfg_key ? k3_sub_entry(cfg, t->sub[i].cfg_key) : NULL;
		const char *scls = json_string_value(json_object_get(se, "class_name"));
		snprintf(sub, sizeof sub, "%s/%s", h5, t->sub[i].attr);
		snprintf(pre, sizeof pre, "%s%s/", prefix, t->sub[i].attr);
		if (collect(s, sub, scls, se, pre, layer, w, depth + 1, err))
			return err->code;
	}
	if (H5Lexists(s->file, h5, H5P_DEFAULT) <= 0)
		return 0;
	hid_t g = H5Gopen2(s->file, h5, H5P_DEFAULT);
	if (g < 0)
		return li_err_set(err, LI_EDATA, "layer '%s': '%s' is not a group", layer, h5);
	int rc = links(g, &kids) ? li_err_set(err, LI_EDATA, "layer '%s': cannot list '%s'", layer,
					      h5) : 0;
	for (int i = 0; i < kids.n && !rc; i++) {
		const char *k = kids.w[i].name;
		int known = !strcmp(k, "vars");
		for (int j = 0; t && j < t->n; j++)
			known |= !strcmp(k, t->sub[j].attr);
		if (known)
			continue;
		int nd = 0;
		hid_t c = H5Oopen(g, k, H5P_DEFAULT);
		if (c >= 0) {
			H5Ovisit(c, H5_INDEX_NAME, H5_ITER_INC, count_ds, &nd);
			H5Oclose(c);
		}
		if (nd)
			rc = li_err_set(err, LI_EDATA, "layer '%s' (%s): weights at '%s/%s' that this "
					"reader does not map", layer, cls ? cls : "?", h5, k);
	}
	H5Gclose(g);
	li_weights_free(kids.w, kids.n);
	return rc;
}

static int k3_get(void *ctx, int depth, const char *const *path, li_weight **out, int *n_out,
		  li_err *err)
{
	k3src *s = ctx;
	size_t len = 0;
	*out = NULL;
	*n_out = 0;
	for (int i = 0; i < depth; i++)
		len += strlen(path[i]) + 1;
	char *key = malloc(len + 1);
	if (!key)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	key[0] = 0;
	for (int i = 0; i < depth; i++) {
		strcat(key, path[i]);
		if (i + 1 < depth)
			strcat(key, "\n");
	}
	const k3ent *e = NULL;
	for (int i = 0; i < s->n_e && !e; i++)
		if (!strcmp(s->e[i].names, key))
			e = &s->e[i];
	free(key);
	if (!e)
		return 0; /* a synthesized InputLayer */
	const char *cls = json_string_value(json_object_get(e->entry, "class_name"));
	if (cls && li_kc_is_model_class(cls))
		return 0; /* its layers are asked for one by one */
	wlist w = {0};
	if (collect(s, e->h5, cls, e->entry, "", path[depth - 1], &w, 0, err)) {
		li_weights_free(w.w, w.n);
		return err->code;
	}
	*out = w.w;
	*n_out = w.n;
	return 0;
}

/* ---- loading ---- */

/* Opens an HDF5 file image (copied by HDF5) read-only. */
static hid_t open_image(const void *data, size_t n)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), f = -1;
	if (fapl < 0)
		return -1;
	if (H5Pset_fapl_core(fapl, 1 << 16, 0) >= 0 && H5Pset_file_image(fapl, (void *)data, n) >= 0)
		f = H5Fopen("model.weights.h5", H5F_ACC_RDONLY, fapl);
	H5Pclose(fapl);
	return f;
}

static int has_hdf5_sig(const char *d, size_t n)
{
	static const char sig[8] = {(char)0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	for (size_t off = 0; off + 8 <= n; off = off ? off * 2 : 512)
		if (!memcmp(d + off, sig, 8))
			return 1;
	return 0;
}

/* The top-level entry must be a model with a layer graph: Keras 3 saves a subclassed
 * model as its class and get_config() only. */
static int check_top(const json_t *root, li_err *err)
{
	const char *cls = json_string_value(json_object_get(root, "class_name"));
	if (!json_is_object(root) || !cls)
		return li_err_set(err, LI_EDATA, "'config.json' does not describe a model (no "
				  "'class_name')");
	if (li_kc_is_custom(root) || !li_kc_is_model_class(cls)) {
		const char *reg = json_string_value(json_object_get(root, "registered_name"));
		const char *mod = json_string_value(json_object_get(root, "module"));
		return li_err_set(err, LI_EDATA, "model class '%s' (registered '%s', module %s) is "
				  "a subclassed model: its forward pass is Python code and "
				  "'config.json' holds no layer graph", cls, reg ? reg : cls,
				  mod ? mod : "(none)");
	}
	return 0;
}

static int load_zip(li_model *m, zip_t *z, li_err *err)
{
	char *cfg_text = NULL, *meta_text = NULL, *weights = NULL;
	size_t n_cfg = 0, n_meta = 0, n_w = 0;
	json_t *root = NULL, *meta = NULL;
	k3src src = {-1, "layers", NULL, 0};
	int rc;
	li_h5_quiet();
	rc = member(z, "config.json", K3_JSON_MAX, &cfg_text, &n_cfg, err);
	if (rc == LI_EEND)
		rc = li_err_set(err, LI_EDATA, "no 'config.json' in the .keras archive");
	if (rc)
		goto out;
	rc = member(z, "metadata.json", K3_JSON_MAX, &meta_text, &n_meta, err);
	if (rc && rc != LI_EEND)
		goto out;
	const char *version = NULL;
	if (rc == 0) {
		if (!(meta = parse_json(meta_text, n_meta, "metadata.json", err))) {
			rc = err->code;
			goto out;
		}
		version = json_string_value(json_object_get(meta, "keras_version"));
		/* class names, as li-train-lr and li-split write them (Keras ignores the key) */
		json_t *names = json_object_get(meta, "li_class_names");
		char *text = names ? json_dumps(names, JSON_ENCODE_ANY) : NULL;
		rc = names ? (text ? li_model_set_class_names(m, text, err) :
			      li_err_set(err, LI_ENOMEM, "out of memory")) : 0;
		free(text);
		if (rc) {
			li_err_prefix(err, "metadata.json");
			goto out;
		}
	}
	/* Keras' own loader ignores metadata.json; without it the file is taken as Keras 3 */
	li_kc_origin(version ? version : "3.0.0", &m->origin);
	if (!(root = parse_json(cfg_text, n_cfg, "config.json", err))) {
		rc = err->code;
		goto out;
	}
	if ((rc = check_top(root, err)))
		goto out;
	rc = member(z, "model.weights.h5", K3_WEIGHTS_MAX, &weights, &n_w, err);
	if (rc == LI_EEND) {
		rc = zip_name_locate(z, "model.weights.npz", 0) >= 0 ?
			li_err_set(err, LI_EDATA, "the weights are 'model.weights.npz' (pickled "
				   "Python objects), which are not read: save with "
				   "weights_format=\"h5\"") :
			li_err_set(err, LI_EDATA, "no 'model.weights.h5' in the .keras archive");
	}
	if (rc)
		goto out;
	if (!has_hdf5_sig(weights, n_w) || (src.file = open_image(weights, n_w)) < 0) {
		rc = li_err_set(err, LI_EDATA, "'model.weights.h5' is not a readable HDF5 file");
		goto out;
	}
	free(weights); /* HDF5 holds its own copy */
	weights = NULL;
	if (H5Lexists(src.file, "layers", H5P_DEFAULT) <= 0 &&
	    H5Lexists(src.file, "_layer_checkpoint_dependencies", H5P_DEFAULT) > 0)
		src.layers_group = "_layer_checkpoint_dependencies"; /* tf.keras 2.13, 2.14 */
	if ((rc = walk(&src, root, "", "", 0, err)))
		goto out;
	/* the walk wrote "/layers/..." under an empty root: drop the leading '/' */
	for (int i = 0; i < src.n_e; i++)
		memmove(src.e[i].h5, src.e[i].h5 + 1, strlen(src.e[i].h5));
	if (!(m->format = strdup("keras-zip"))) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_wsource ws = {k3_get, &src};
	rc = li_graph_build(m, root, &ws, err);
out:
	for (int i = 0; i < src.n_e; i++) {
		free(src.e[i].names);
		free(src.e[i].h5);
	}
	free(src.e);
	if (src.file >= 0)
		H5Fclose(src.file);
	json_decref(root);
	json_decref(meta);
	free(cfg_text);
	free(meta_text);
	free(weights);
	return rc;
}

static int zip_fail(zip_error_t *ze, li_err *err)
{
	int code = zip_error_code_zip(ze);
	if (code == ZIP_ER_NOZIP || code == ZIP_ER_INCONS)
		return li_err_set(err, LI_EDATA, "not a readable zip archive (%s)",
				  zip_error_strerror(ze));
	return li_err_set(err, code == ZIP_ER_MEMORY ? LI_ENOMEM : LI_EDATA, "bad .keras archive: %s",
			  zip_error_strerror(ze));
}

/* Opens the archive of source src (taken, freed on failure) and loads it. */
static int load_source(li_model *m, zip_source_t *src, zip_error_t *ze, li_err *err)
{
	zip_t *z = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, ze) : NULL;
	int rc;
	if (!z) {
		if (src)
			zip_source_free(src);
		rc = zip_fail(ze, err);
	} else {
		rc = load_zip(m, z, err);
		zip_discard(z);
	}
	zip_error_fini(ze);
	return rc;
}

int li_keras3_load(li_model *m, const char *path, li_err *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	return load_source(m, zip_source_file_create(path, 0, -1, &ze), &ze, err);
}

int li_keras3_load_mem(li_model *m, const void *data, size_t n, li_err *err)
{
	zip_error_t ze;
	zip_error_init(&ze);
	return load_source(m, zip_source_buffer_create(data, n, 0, &ze), &ze, err);
}
