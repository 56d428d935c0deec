/*
 * TensorFlow.js layers models: model.json ({"modelTopology", "weightsManifest", "format":
 * "layers-model"}) with weight shards beside it. The shards of a manifest group are
 * concatenated and its weights follow each other in manifest order, little-endian. That
 * order is not layer order (trainable weights first, then the non-trainable ones), so
 * weights are matched to layers by name ("dense/kernel" belongs to layer "dense").
 * Quantized weights (uint8/uint16 with scale and min, or float16) are expanded to float32.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "model_internal.h"

typedef struct tfw {
	char *name;
	li_array a;
	int used;
} tfw;

typedef struct tfsrc {
	tfw *w;
	int n;
} tfsrc;

static int tf_get(void *ctx, int depth, const char *const *path, li_weight **out, int *n_out,
		  li_err *err)
{
	tfsrc *s = ctx;
	const char *layer = path[depth - 1];
	li_weight *w = calloc((size_t)(s->n ? s->n : 1), sizeof *w);
	int k = 0;
	if (!w)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int i = 0; i < s->n; i++) {
		/* "layer/..." directly, or under the names of enclosing models */
		const char *nm = s->w[i].name;
		for (int d = 0; d < depth - 1; d++) {
			size_t l = strlen(path[d]);
			if (!strncmp(nm, path[d], l) && nm[l] == '/')
				nm += l + 1;
		}
		size_t l = strlen(layer);
		if (strncmp(nm, layer, l) || nm[l] != '/')
			continue;
		char *shortname = li_kc_weight_short(nm, layer, 1);
		if (!shortname) {
			li_weights_free(w, k);
			return li_err_set(err, LI_ENOMEM, "out of memory");
		}
		w[k].name = shortname;
		if (li_array_alloc(&w[k].a, LI_DTYPE_F32, s->w[i].a.rank, s->w[i].a.shape, err)) {
			li_weights_free(w, k + 1);
			return err->code;
		}
		memcpy(w[k].a.data, s->w[i].a.data, sizeof(float) * (size_t)li_array_count(&w[k].a));
		s->w[i].used = 1;
		k++;
	}
	*out = w;
	*n_out = k;
	return 0;
}

/* Appends the whole file at path (dir-relative) to *buf, bounded by its real size. */
static int slurp(const char *dir, const char *name, unsigned char **buf, size_t *len, li_err *err)
{
	char p[4096];
	if (strstr(name, "..") || name[0] == '/')
		return li_err_set(err, LI_EDATA, "weight file name '%s' leaves the model's folder",
				  name);
	snprintf(p, sizeof p, "%s%s", dir, name);
	FILE *f = fopen(p, "rb");
	if (!f)
		return li_err_set(err, LI_EDATA, "weight file '%s' is missing", name);
	struct stat st;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		fclose(f);
		return li_err_set(err, LI_EDATA, "weight file '%s' is not a regular file", name);
	}
	unsigned char *g = realloc(*buf, *len + (size_t)st.st_size + 1);
	if (!g) {
		fclose(f);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	*buf = g;
	size_t got = fread(g + *len, 1, (size_t)st.st_size, f);
	fclose(f);
	if (got != (size_t)st.st_size)
		return li_err_set(err, LI_EIO, "cannot read weight file '%s'", name);
	*len += got;
	return 0;
}

/* Decodes one manifest entry from data at *off into w. */
static int decode(const json_t *e, const unsigned char *data, size_t len, size_t *off, tfw *w,
		  li_err *err)
{
	const char *name = json_string_value(json_object_get(e, "name"));
	const char *dtype = json_string_value(json_object_get(e, "dtype"));
	json_t *shape = json_object_get(e, "shape");
	json_t *q = json_object_get(e, "quantization");
	if (!name || !json_is_array(shape) || json_array_size(shape) > LI_MAX_RANK)
		return li_err_set(err, LI_EDATA, "bad weightsManifest entry");
	if (!dtype)
		dtype = "float32";
	int64_t dims[LI_MAX_RANK];
	int rank = (int)json_array_size(shape);
	for (int i = 0; i < rank; i++) {
		json_t *d = json_array_get(shape, (size_t)i);
		if (!json_is_integer(d) || json_integer_value(d) < 0)
			return li_err_set(err, LI_EDATA, "weight '%s': bad shape", name);
		dims[i] = json_integer_value(d);
	}
	int64_t count = li_shape_count(rank, dims);
	const char *stored = q ? json_string_value(json_object_get(q, "dtype")) : dtype;
	size_t esz;
	if (!stored)
		return li_err_set(err, LI_EDATA, "weight '%s': bad quantization", name);
	if (!strcmp(stored, "float32") || !strcmp(stored, "int32"))
		esz = 4;
	else if (!strcmp(stored, "uint16") || !strcmp(stored, "float16"))
		esz = 2;
	else if (!strcmp(stored, "uint8"))
		esz = 1;
	else
		return li_err_set(err, LI_EDATA, "weight '%s': dtype '%s' is not supported", name,
				  stored);
	if (count < 0 || (uint64_t)count > (len - *off) / esz)
		return li_err_set(err, LI_EDATA, "weight '%s': the weight files hold too few bytes",
				  name);
	w->name = strdup(name);
	if (!w->name)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	if (li_array_alloc(&w->a, LI_DTYPE_F32, rank, dims, err))
		return err->code;
	float *out = w->a.data;
	const unsigned char *p = data + *off;
	double scale = json_number_value(json_object_get(q, "scale"));
	double mn = json_number_value(json_object_get(q, "min"));
	for (int64_t i = 0; i < count; i++) {
		const unsigned char *b = p + (size_t)i * esz;
		if (esz == 4) {
			uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
				     (uint32_t)b[3] << 24;
			if (!strcmp(stored, "int32")) {
				out[i] = (float)(int32_t)u;
			} else {
				memcpy(&out[i], &u, 4);
			}
		} else if (!strcmp(stored, "float16")) {
			out[i] = li_half_to_float((uint16_t)(b[0] | b[1] << 8));
		} else if (esz == 2) {
			out[i] = (float)((b[0] | b[1] << 8) * scale + mn);
		} else {
			out[i] = (float)(b[0] * scale + mn);
		}
	}
	*off += (size_t)count * esz;
	return 0;
}

int li_tfjs_load(li_model *m, const char *path, li_err *err)
{
	json_error_t je;
	tfsrc src = {0};
	unsigned char *data = NULL;
	int rc = 0;
	/* Something that does not even start like a JSON object is not a model.json. */
	FILE *f = fopen(path, "rb");
	int c = EOF;
	if (f) {
		while ((c = fgetc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
			;
		fclose(f);
	}
	if (c != '{')
		return li_err_set(err, LI_EDATA, "neither an HDF5 file nor a TF.js model.json");
	json_t *j = json_load_file(path, 0, &je);
	if (!j)
		return li_err_set(err, LI_EDATA, "malformed JSON at line %d: %s", je.line, je.text);
	json_t *topo = json_object_get(j, "modelTopology");
	json_t *manifest = json_object_get(j, "weightsManifest");
	if (!json_is_object(topo)) {
		rc = li_err_set(err, LI_EDATA, "not a TF.js layers model (no 'modelTopology')");
		goto out;
	}
	const char *ver = json_string_value(json_object_get(topo, "keras_version"));
	const char *be = json_string_value(json_object_get(topo, "backend"));
	json_t *cfg = json_object_get(topo, "model_config");
	if (!cfg)
		cfg = topo;
	li_kc_origin(ver ? ver : "tfjs-layers", &m->origin);
	m->backend = be ? strdup(be) : NULL;
	m->format = strdup("tfjs");
	if (!m->format) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = 0;
	else
		dir[0] = 0;
	if (manifest && !json_is_array(manifest)) {
		rc = li_err_set(err, LI_EDATA, "'weightsManifest' is not a list");
		goto out;
	}
	size_t gi;
	json_t *grp;
	json_array_foreach(manifest, gi, grp) {
		json_t *paths = json_object_get(grp, "paths"), *ws = json_object_get(grp, "weights");
		size_t len = 0, off = 0, i;
		json_t *e;
		if (!json_is_array(paths) || !json_is_array(ws)) {
			rc = li_err_set(err, LI_EDATA, "bad 'weightsManifest' group");
			goto out;
		}
		json_array_foreach(paths, i, e) {
			if (!json_is_string(e)) {
				rc = li_err_set(err, LI_EDATA, "bad 'weightsManifest' path");
				goto out;
			}
			if ((rc = slurp(dir, json_string_value(e), &data, &len, err)))
				goto out;
		}
		tfw *g = realloc(src.w, sizeof *g * (src.n + json_array_size(ws) + 1));
		if (!g) {
			rc = li_err_set(err, LI_ENOMEM, "out of memory");
			goto out;
		}
		src.w = g;
		json_array_foreach(ws, i, e) {
			memset(&src.w[src.n], 0, sizeof *src.w);
			rc = decode(e, data, len, &off, &src.w[src.n], err);
			src.n++;
			if (rc)
				goto out;
		}
		free(data);
		data = NULL;
	}
	li_wsource wsrc = {tf_get, &src};
	rc = li_graph_build(m, cfg, &wsrc, err);
	for (int i = 0; !rc && i < src.n; i++)
		if (!src.w[i].used)
			rc = li_err_set(err, LI_EDATA, "weight '%s' belongs to no layer", src.w[i].name);
out:
	for (int i = 0; i < src.n; i++) {
		free(src.w[i].name);
		li_array_release(&src.w[i].a);
	}
	free(src.w);
	free(data);
	json_decref(j);
	return rc;
}
