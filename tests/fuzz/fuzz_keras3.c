/*
 * libFuzzer target: Keras 3 .keras models (lib/nn/keras3.c, and through it kerascfg.c and
 * graph.c). Two modes, by the first byte of the input:
 *   odd:  the rest is a whole .keras zip, opened from memory (zip parsing, member
 *         bounds, metadata/config JSON, the weights image);
 *   even: the rest is config.json, zipped here beside a fixed metadata.json and a fixed,
 *         valid model.weights.h5 (layers dense, dense_1, conv2d, batch_normalization,
 *         lstm/cell, bidirectional/{forward,backward}_layer/cell, time_distributed/layer),
 *         so mutations reach the config path and the weight mapping, not just the CRC.
 * A loaded model is described row by row and its split points are computed, as li-layers
 * does. Any crash, leak or sanitizer report is a bug; an error return is expected.
 */
#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include <hdf5.h>

#include "model_internal.h"

static void *weights;
static size_t n_weights;

static void ds(hid_t f, const char *path, int rank, const hsize_t *dims)
{
	hsize_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= dims[i];
	float *v = calloc(n ? n : 1, sizeof *v);
	for (hsize_t i = 0; i < n; i++)
		v[i] = (float)(i % 7) * 0.125f - 0.25f;
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	hid_t s = H5Screate_simple(rank, dims, NULL);
	hid_t d = H5Dcreate2(f, path, H5T_IEEE_F32LE, s, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(d);
	H5Sclose(s);
	H5Pclose(lcpl);
	free(v);
}

/* The fixed weights file, built once in memory. */
static void make_weights(void)
{
	hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
	H5Pset_fapl_core(fapl, 1 << 16, 0);
	hid_t f = H5Fcreate("fuzz.weights.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
	static const struct { const char *p; int r; hsize_t d[4]; } t[] = {
		{"layers/dense/vars/0", 2, {4, 3}}, {"layers/dense/vars/1", 1, {3}},
		{"layers/dense_1/vars/0", 2, {3, 2}}, {"layers/dense_1/vars/1", 1, {2}},
		{"layers/conv2d/vars/0", 4, {3, 3, 1, 2}}, {"layers/conv2d/vars/1", 1, {2}},
		{"layers/batch_normalization/vars/0", 1, {2}},
		{"layers/batch_normalization/vars/1", 1, {2}},
		{"layers/batch_normalization/vars/2", 1, {2}},
		{"layers/batch_normalization/vars/3", 1, {2}},
		{"layers/lstm/cell/vars/0", 2, {3, 8}}, {"layers/lstm/cell/vars/1", 2, {2, 8}},
		{"layers/lstm/cell/vars/2", 1, {8}},
		{"layers/bidirectional/forward_layer/cell/vars/0", 2, {3, 8}},
		{"layers/bidirectional/forward_layer/cell/vars/1", 2, {2, 8}},
		{"layers/bidirectional/forward_layer/cell/vars/2", 1, {8}},
		{"layers/bidirectional/backward_layer/cell/vars/0", 2, {3, 8}},
		{"layers/bidirectional/backward_layer/cell/vars/1", 2, {2, 8}},
		{"layers/bidirectional/backward_layer/cell/vars/2", 1, {8}},
		{"layers/time_distributed/layer/vars/0", 2, {3, 3}},
		{"layers/time_distributed/layer/vars/1", 1, {3}},
	};
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		ds(f, t[i].p, t[i].r, t[i].d);
	H5Fflush(f, H5F_SCOPE_GLOBAL);
	ssize_t n = H5Fget_file_image(f, NULL, 0);
	weights = malloc((size_t)n);
	H5Fget_file_image(f, weights, (size_t)n);
	n_weights = (size_t)n;
	H5Fclose(f);
	H5Pclose(fapl);
}

static void describe(li_model *m)
{
	volatile int64_t sink = 0;
	for (int i = 0; i < li_model_rows(m); i++) {
		const int *in;
		char buf[256];
		sink += li_model_row_params(m, i) + li_model_row_inputs(m, i, &in);
		li_shape_str(li_model_row_shape(m, i), buf, sizeof buf);
		sink += li_model_is_split(m, i) + (li_model_row_problem(m, i) != NULL);
	}
	(void)sink;
}

static void load(const void *data, size_t n)
{
	li_err err = {0};
	li_model *m = calloc(1, sizeof *m);
	if (!m)
		return;
	if (li_keras3_load_mem(m, data, n, &err) == 0)
		describe(m);
	li_model_free(m);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!weights)
		make_weights();
	if (data[0] & 1) {
		load(data + 1, size - 1);
		return 0;
	}
	/* a zip of the fuzzed config with the fixed members, built in memory */
	static const char meta[] = "{\"keras_version\": \"3.5.0\", \"date_saved\": \"x\"}";
	zip_error_t ze;
	zip_error_init(&ze);
	zip_source_t *out = zip_source_buffer_create(NULL, 0, 0, &ze);
	zip_source_keep(out);
	zip_t *z = zip_open_from_source(out, ZIP_TRUNCATE, &ze);
	if (z) {
		zip_source_t *a = zip_source_buffer(z, meta, sizeof meta - 1, 0);
		zip_source_t *b = zip_source_buffer(z, data + 1, size - 1, 0);
		zip_source_t *c = zip_source_buffer(z, weights, n_weights, 0);
		zip_file_add(z, "metadata.json", a, 0);
		zip_file_add(z, "config.json", b, 0);
		zip_file_add(z, "model.weights.h5", c, 0);
		if (zip_close(z) < 0)
			zip_discard(z);
		else if (zip_source_open(out) == 0) {
			zip_stat_t st;
			zip_stat_init(&st);
			if (zip_source_stat(out, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
				void *buf = malloc(st.size ? st.size : 1);
				if (buf && zip_source_read(out, buf, st.size) == (zip_int64_t)st.size)
					load(buf, st.size);
				free(buf);
			}
			zip_source_close(out);
		}
	}
	zip_source_free(out);
	zip_error_fini(&ze);
	return 0;
}
