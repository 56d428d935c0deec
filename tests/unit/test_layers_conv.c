/*
 * Unit tests for the spatial families (convolution, transposed, separable/depthwise,
 * pooling, resizing): junk configs and mismatched weights either build or are refused
 * with LI_EDATA naming the layer, and whatever builds runs on a few input shapes without
 * a crash or an out-of-bounds access (ASan/UBSan watch this), including huge option values
 * and huge claimed input dimensions. Plus a few values worked by hand: TensorFlow's 'same'
 * split puts the odd padding cell after, average pooling divides by the cells inside.
 * And a convolution shared among threads gives the same bytes as one thread; the
 * one-input-channel, few-filter and Winograd (3x3, 16 channels and more) paths give the
 * values of the definition (naive_conv).
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "li.h"
#include "layer.h"

static li_origin k3 = { .keras_major = 3 };

static int build(const char *cls, const char *config, const li_weight *w, int n_w, li_err *err,
		 li_layer *l)
{
	json_t *c = json_loads(config, 0, NULL);
	li_err_clear(err);
	int rc = li_layer_init(l, cls, "j", c, w, n_w, &k3, err);
	json_decref(c);
	return rc;
}

static li_weight weight(const char *name, int rank, const int64_t *dims)
{
	li_weight w = { name, { 0 } };
	if (li_array_alloc(&w.a, LI_DTYPE_F32, rank, dims, NULL) == 0)
		for (int64_t i = 0; i < li_array_count(&w.a); i++)
			((float *)w.a.data)[i] = (float)((i * 7) % 5) - 2.0f;
	return w;
}

/* Runs l on rows of shape in (n = 2) with values 1..; 0 or LI_EDATA. */
static int run(li_layer *l, const li_shape *in, float *y, size_t ny, li_shape *out, li_err *err)
{
	static float x[4096];
	li_err_clear(err);
	if (l->ops->out_shape(l, 1, in, out, err) < 0)
		return LI_EDATA;
	int64_t mi = li_shape_elems(in), mo = li_shape_elems(out);
	if (mi < 0 || mo < 0 || 2 * mi > 4096 || (size_t)(2 * mo) > ny)
		return 1;
	for (int64_t i = 0; i < 2 * mi; i++)
		x[i] = (float)(i % 11) - 5.0f;
	const float *xs[1] = { x };
	return l->ops->forward(l, 2, 1, in, xs, out, y, err);
}

/* A convolution by its definition (channels last, 3-D normalised, TensorFlow's padding:
 * 'same' puts the odd cell after, 'causal' puts (k - 1) * d before), bias 0, no
 * activation: the reference for the engine's one-channel and few-filter paths. */
static void naive_conv(const int64_t *in, int64_t cin, const int64_t *k, const int64_t *s,
		       const int64_t *d, int pad, int64_t cout, const float *w, const float *x,
		       int64_t n, const int64_t *out, float *y)
{
	int64_t before[3];
	for (int i = 0; i < 3; i++) {
		int64_t keff = (k[i] - 1) * d[i] + 1, total = (out[i] - 1) * s[i] + keff - in[i];
		before[i] = pad == 1 ? (total > 0 ? total / 2 : 0) : pad == 2 ? keff - 1 : 0;
	}
	for (int64_t b = 0; b < n; b++)
	for (int64_t o0 = 0; o0 < out[0]; o0++)
	for (int64_t o1 = 0; o1 < out[1]; o1++)
	for (int64_t o2 = 0; o2 < out[2]; o2++)
	for (int64_t f = 0; f < cout; f++) {
		double acc = 0;
		for (int64_t k0 = 0; k0 < k[0]; k0++)
		for (int64_t k1 = 0; k1 < k[1]; k1++)
		for (int64_t k2 = 0; k2 < k[2]; k2++) {
			int64_t i0 = o0 * s[0] - before[0] + k0 * d[0];
			int64_t i1 = o1 * s[1] - before[1] + k1 * d[1];
			int64_t i2 = o2 * s[2] - before[2] + k2 * d[2];
			if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2])
				continue;
			for (int64_t c = 0; c < cin; c++)
				acc += (double)x[(((b * in[0] + i0) * in[1] + i1) * in[2] + i2) * cin + c] *
				       w[(((k0 * k[1] + k1) * k[2] + k2) * cin + c) * cout + f];
		}
		y[(((b * out[0] + o0) * out[1] + o1) * out[2] + o2) * cout + f] = (float)acc;
	}
}

int main(void)
{
	li_err err;
	li_layer l;
	li_shape o;
	static float y[1 << 16];

	/* ---- hand-worked values ---- */
	{
		/* Conv1D k=2, stride 2, 'same' on 3 cells: out 2, pad total (2-1)*2+2-3 = 1, all
		 * of it after: cells [0,1], [2,pad]; kernel [1, 10], x = 1, 2, 3 -> 21, 3 */
		int64_t kd[3] = { 2, 1, 1 };
		li_weight k = weight("kernel", 3, kd);
		((float *)k.a.data)[0] = 1, ((float *)k.a.data)[1] = 10;
		CHECK_INT(build("Conv1D", "{\"filters\": 1, \"kernel_size\": 2, \"strides\": 2, "
				"\"padding\": \"same\", \"use_bias\": false}", &k, 1, &err, &l), 0,
			  "Conv1D builds");
		li_shape in = { 2, { 3, 1 } };
		float x[3] = { 1, 2, 3 }, out[2];
		const float *xs[1] = { x };
		CHECK(l.ops->out_shape(&l, 1, &in, &o, &err) == 0 && o.dim[0] == 2, "same: 2 cells");
		CHECK(l.ops->forward(&l, 1, 1, &in, xs, &o, out, &err) == 0 && out[0] == 21 &&
		      out[1] == 3, "same stride 2: odd padding after (got %g %g)", out[0], out[1]);
		li_layer_release(&l);
		li_array_release(&k.a);
	}
	{
		/* AveragePooling1D 2, stride 2, 'same' on 3 cells: [1,2] -> 1.5, [3] -> 3 (not 1.5) */
		CHECK_INT(build("AveragePooling1D", "{\"pool_size\": 2, \"padding\": \"same\"}", NULL,
				0, &err, &l), 0, "AveragePooling1D builds");
		li_shape in = { 2, { 3, 1 } };
		float x[3] = { 1, 2, 3 }, out[2];
		const float *xs[1] = { x };
		CHECK(l.ops->out_shape(&l, 1, &in, &o, &err) == 0 &&
		      l.ops->forward(&l, 1, 1, &in, xs, &o, out, &err) == 0 && out[0] == 1.5f &&
		      out[1] == 3, "same average excludes padding (got %g %g)", out[0], out[1]);
		li_layer_release(&l);
		/* MaxPooling1D 'same' on negatives: the padded cell is -inf, not 0 */
		CHECK_INT(build("MaxPooling1D", "{\"pool_size\": 2, \"padding\": \"same\"}", NULL, 0,
				&err, &l), 0, "MaxPooling1D builds");
		float xn[3] = { -1, -2, -3 };
		const float *xns[1] = { xn };
		CHECK(l.ops->out_shape(&l, 1, &in, &o, &err) == 0 &&
		      l.ops->forward(&l, 1, 1, &in, xns, &o, out, &err) == 0 && out[1] == -3,
		      "same max ignores padding (got %g)", out[1]);
		li_layer_release(&l);
	}

	/* ---- threads: blocks shared among threads give the same bytes as one thread ---- */
	{
		int64_t kd[4] = { 3, 3, 16, 16 }, n = 8, cnt = n * 32 * 32 * 16;
		li_weight k = weight("kernel", 4, kd);
		float *xb = malloc((size_t)cnt * sizeof *xb), *y1 = malloc((size_t)cnt * sizeof *y1);
		float *y3 = malloc((size_t)cnt * sizeof *y3);
		for (int64_t i = 0; xb && i < cnt; i++)
			xb[i] = (float)((i * 13) % 17) / 8.0f - 1.0f;
		CHECK_INT(build("Conv2D", "{\"filters\": 16, \"kernel_size\": 3, \"padding\": "
				"\"same\", \"use_bias\": false, \"activation\": \"relu\"}", &k, 1,
				&err, &l), 0, "Conv2D 16 -> 16 builds");
		li_shape in = { 3, { 32, 32, 16 } };
		const float *xs[1] = { xb };
		int blas = openblas_get_num_threads(), rc1, rc3;
		openblas_set_num_threads(1);
		rc1 = l.ops->out_shape(&l, 1, &in, &o, &err) ||
		      l.ops->forward(&l, n, 1, &in, xs, &o, y1, &err);
		openblas_set_num_threads(3);
		rc3 = l.ops->forward(&l, n, 1, &in, xs, &o, y3, &err);
		CHECK(xb && y1 && y3 && rc1 == 0 && rc3 == 0 &&
		      !memcmp(y1, y3, (size_t)cnt * sizeof *y1),
		      "3 threads give the bytes of 1 thread");
		CHECK_INT(openblas_get_num_threads(), 3, "BLAS thread count restored");
		openblas_set_num_threads(blas);
		li_layer_release(&l);
		li_array_release(&k.a);
		free(xb), free(y1), free(y3);
	}

	/* ---- one input channel, few filters, Winograd: against the definition, 1 and 3
	 * threads ---- */
	{
		static const struct {
			const char *cls, *cfg;
			int rank, pad;
			int64_t in[3], cin, k[3], s[3], d[3], cout;
		} cs[] = {
			{ "Conv2D", "\"filters\": 20, \"kernel_size\": 3, \"padding\": \"same\"", 2, 1,
			  { 1, 9, 7 }, 1, { 1, 3, 3 }, { 1, 1, 1 }, { 1, 1, 1 }, 20 },
			{ "Conv2D", "\"filters\": 16, \"kernel_size\": [5, 3], \"strides\": 2", 2, 0,
			  { 1, 11, 10 }, 1, { 1, 5, 3 }, { 1, 2, 2 }, { 1, 1, 1 }, 16 },
			{ "Conv2D", "\"filters\": 37, \"kernel_size\": 3, \"padding\": \"same\", "
			  "\"dilation_rate\": 2", 2, 1, { 1, 6, 13 }, 1, { 1, 3, 3 }, { 1, 1, 1 },
			  { 1, 2, 2 }, 37 },
			{ "Conv1D", "\"filters\": 5, \"kernel_size\": 4, \"padding\": \"causal\"", 1, 2,
			  { 1, 1, 9 }, 1, { 1, 1, 4 }, { 1, 1, 1 }, { 1, 1, 1 }, 5 },
			{ "Conv3D", "\"filters\": 8, \"kernel_size\": 2, \"padding\": \"same\", "
			  "\"strides\": [1, 2, 1]", 3, 1, { 3, 5, 4 }, 1, { 2, 2, 2 }, { 1, 2, 1 },
			  { 1, 1, 1 }, 8 },
			{ "Conv2D", "\"filters\": 3, \"kernel_size\": 3, \"padding\": \"same\"", 2, 1,
			  { 1, 9, 7 }, 16, { 1, 3, 3 }, { 1, 1, 1 }, { 1, 1, 1 }, 3 },
			{ "Conv2D", "\"filters\": 1, \"kernel_size\": [2, 3], \"dilation_rate\": 2", 2, 0,
			  { 1, 8, 9 }, 8, { 1, 2, 3 }, { 1, 1, 1 }, { 1, 2, 2 }, 1 },
			{ "Conv2D", "\"filters\": 4, \"kernel_size\": 3, \"padding\": \"same\", "
			  "\"strides\": 2", 2, 1, { 1, 7, 8 }, 16, { 1, 3, 3 }, { 2, 2, 2 }, { 1, 1, 1 }, 4 },
			/* Winograd F(2x2, 3x3): odd sizes put tiles half outside the output */
			{ "Conv2D", "\"filters\": 16, \"kernel_size\": 3, \"padding\": \"same\"", 2, 1,
			  { 1, 7, 5 }, 16, { 1, 3, 3 }, { 1, 1, 1 }, { 1, 1, 1 }, 16 },
			{ "Conv2D", "\"filters\": 17, \"kernel_size\": 3", 2, 0,
			  { 1, 6, 9 }, 20, { 1, 3, 3 }, { 1, 1, 1 }, { 1, 1, 1 }, 17 },
		};
		int64_t n = 1500;  /* enough work for the threads to share (PAR_MIN) */
		for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
			int64_t kd[5], out[3], cnt_in = n * cs[i].cin, cnt_out = n * cs[i].cout;
			int r = cs[i].rank;
			for (int a = 0; a < r; a++)
				kd[a] = cs[i].k[3 - r + a];
			kd[r] = cs[i].cin, kd[r + 1] = cs[i].cout;
			li_weight k = weight("kernel", r + 2, kd);
			for (int64_t j = 0; j < li_array_count(&k.a); j++)
				((float *)k.a.data)[j] = (float)((j * 37) % 23) / 11.0f - 1.0f;
			char cfg[300];
			snprintf(cfg, sizeof cfg, "{%s, \"use_bias\": false}", cs[i].cfg);
			int built_ok = build(cs[i].cls, cfg, &k, 1, &err, &l) == 0;
			CHECK(built_ok, "%s {%s} builds: %s", cs[i].cls, cs[i].cfg, err.msg);
			if (!built_ok) {
				li_array_release(&k.a);
				continue;
			}
			li_shape in = { r + 1, { 0 } };
			for (int a = 0; a < r; a++)
				in.dim[a] = cs[i].in[3 - r + a];
			in.dim[r] = cs[i].cin;
			for (int a = 0; a < 3; a++) {
				cnt_in *= cs[i].in[a];
				int64_t keff = (cs[i].k[a] - 1) * cs[i].d[a] + 1;
				out[a] = cs[i].pad ? (cs[i].in[a] + cs[i].s[a] - 1) / cs[i].s[a]
						   : (cs[i].in[a] - keff) / cs[i].s[a] + 1;
				cnt_out *= out[a];
			}
			float *xb = malloc((size_t)cnt_in * sizeof *xb);
			float *want = malloc((size_t)cnt_out * sizeof *want);
			float *y1 = malloc((size_t)cnt_out * sizeof *y1), *y3 = malloc((size_t)cnt_out * sizeof *y3);
			for (int64_t j = 0; xb && j < cnt_in; j++)
				xb[j] = (float)((j * 13) % 17) / 8.0f - 1.0f;
			naive_conv(cs[i].in, cs[i].cin, cs[i].k, cs[i].s, cs[i].d, cs[i].pad, cs[i].cout,
				   k.a.data, xb, n, out, want);
			const float *xs[1] = { xb };
			int blas = openblas_get_num_threads();
			openblas_set_num_threads(1);
			int rc1 = l.ops->out_shape(&l, 1, &in, &o, &err) ||
				  li_shape_elems(&o) * n != cnt_out ||
				  l.ops->forward(&l, n, 1, &in, xs, &o, y1, &err);
			openblas_set_num_threads(3);
			int rc3 = rc1 || l.ops->forward(&l, n, 1, &in, xs, &o, y3, &err);
			openblas_set_num_threads(blas);
			double worst = 0;
			for (int64_t j = 0; !rc1 && j < cnt_out; j++) {
				double e = fabs(y1[j] - want[j]) / fmax(1.0, fabs(want[j]));
				worst = e > worst ? e : worst;
			}
			CHECK(rc1 == 0 && worst < 1e-5, "%s {%s}: the definition's values (worst "
			      "relative error %g)", cs[i].cls, cs[i].cfg, worst);
			CHECK(rc3 == 0 && !memcmp(y1, y3, (size_t)cnt_out * sizeof *y1),
			      "%s {%s}: 3 threads give the bytes of 1 thread", cs[i].cls, cs[i].cfg);
			li_layer_release(&l);
			li_array_release(&k.a);
			free(xb), free(want), free(y1), free(y3);
		}
	}

	/* ---- junk configs, mismatched weights, odd inputs ---- */
	static const char *const classes[] = {
		"Conv1D", "Conv2D", "Conv3D", "Convolution2D", "Conv2DTranspose", "Conv1DTranspose",
		"Conv3DTranspose", "Deconvolution2D", "SeparableConv2D", "SeparableConv1D",
		"DepthwiseConv2D", "DepthwiseConv1D", "MaxPooling2D", "AveragePooling1D",
		"AveragePooling3D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "UpSampling1D",
		"UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
		"Cropping1D", "Cropping2D", "Cropping3D",
	};
	static const char *const junk[] = {
		"{}", "{\"filters\": 2, \"kernel_size\": 2}", "{\"filters\": 2, \"kernel_size\": [2, 2]}",
		"{\"filters\": 2, \"kernel_size\": 2, \"padding\": \"same\", \"strides\": 3}",
		"{\"filters\": 2, \"kernel_size\": 2, \"padding\": \"causal\", \"dilation_rate\": 2}",
		"{\"filters\": 2, \"kernel_size\": 2, \"data_format\": \"channels_first\"}",
		"{\"filters\": 2, \"kernel_size\": 0}", "{\"filters\": -1, \"kernel_size\": 2}",
		"{\"filters\": 2, \"kernel_size\": 2, \"strides\": 0}",
		"{\"filters\": 2, \"kernel_size\": 2, \"dilation_rate\": 9223372036854775807}",
		"{\"filters\": 2, \"kernel_size\": 2, \"groups\": 2}",
		"{\"filters\": 2, \"kernel_size\": 2, \"output_padding\": 1, \"strides\": 2}",
		"{\"filters\": 2, \"kernel_size\": \"x\"}", "{\"filters\": 2, \"kernel_size\": [1, 2, 3, 4]}",
		"{\"filters\": 2, \"kernel_size\": 2, \"depth_multiplier\": 2}",
		"{\"nb_filter\": 2, \"nb_row\": 2, \"nb_col\": 2, \"dim_ordering\": \"th\"}",
		"{\"nb_filter\": 2, \"nb_row\": 2, \"nb_col\": 2, \"output_shape\": [null, 99, 99, 2]}",
		"{\"nb_filter\": 2, \"nb_row\": 2, \"nb_col\": 2, \"output_shape\": [null, -1, 0, 2]}",
		"{\"pool_size\": 3, \"padding\": \"same\"}", "{\"pool_size\": 9}",
		"{\"pool_size\": 1099511627776}", "{\"pool_size\": 2, \"strides\": 3}",
		"{\"keepdims\": true, \"data_format\": \"channels_first\"}",
		"{\"size\": 3}", "{\"size\": 0}", "{\"size\": 4611686018427387904}",
		"{\"size\": 2, \"interpolation\": \"bilinear\"}", "{\"interpolation\": \"bicubic\"}",
		"{\"padding\": 2}", "{\"padding\": [[1, 0], [0, 2], [3, 1]]}", "{\"padding\": -1}",
		"{\"padding\": 9223372036854775807}", "{\"padding\": [1, 2, 3, 4, 5, 6, 7]}",
		"{\"cropping\": 1}", "{\"cropping\": [[9, 9], [0, 0]]}", "{\"cropping\": [[1], [2]]}",
		"{\"data_format\": \"sideways\"}", "{\"padding\": \"full\"}",
	};
	static const int64_t kdims[][5] = {
		{ 2, 2 }, { 2, 2, 2 }, { 2, 2, 2, 2 }, { 2, 2, 2, 2, 2 }, { 2, 2, 1, 2 },
		{ 2, 2, 3, 2 }, { 2, 1, 2 }, { 2, 2, 2, 1 },
	};
	static const int kranks[] = { 2, 3, 4, 5, 4, 4, 3, 4 };
	li_shape shapes[] = {
		{ 2, { 5, 2 } }, { 3, { 4, 5, 2 } }, { 4, { 3, 4, 3, 2 } }, { 3, { 2, 6, 3 } },
		{ 3, { 1, 1, 2 } }, { 2, { 1, 2 } }, { 3, { 4, 5, 1 } }, { 1, { 4 } },
		{ 3, { (int64_t)1 << 40, 4, 2 } }, { 3, { 3, -1, 2 } },
	};
	int built = 0, ran = 0;
	for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++)
		for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++)
			for (size_t k = 0; k <= sizeof kranks / sizeof kranks[0]; k++) {
				/* k == last: no weights; else a kernel (and a bias of 2) */
				li_weight w[3];
				int nw = 0;
				if (k < sizeof kranks / sizeof kranks[0]) {
					int64_t two = 2;
					w[nw++] = weight(strstr(classes[c], "Separable") || strstr(classes[c], "Depthwise")
							 ? "depthwise_kernel" : "kernel", kranks[k], kdims[k]);
					if (strstr(classes[c], "Separable")) {
						int64_t pd[4] = { 1, 1, 2, 2 };
						w[nw++] = weight("pointwise_kernel", kranks[k] - 1, pd + 4 - (kranks[k] - 1));
					}
					w[nw++] = weight("bias", 1, &two);
				}
				int rc = build(classes[c], junk[j], w, nw, &err, &l);
				for (int i = 0; i < nw; i++)
					li_array_release(&w[i].a);
				if (rc != 0 && rc != LI_EDATA)
					CHECK(0, "%s %s: built or refused", classes[c], junk[j]);
				if (rc != 0 && (!strstr(err.msg, "layer 'j' (") || strchr(err.msg, '\n')))
					CHECK(0, "%s %s: one line naming the layer: %s", classes[c], junk[j],
					      err.msg);
				if (rc)
					continue;
				built++;
				for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
					rc = run(&l, &shapes[s], y, sizeof y / sizeof y[0], &o, &err);
					if (rc < 0 && rc != LI_EDATA)
						CHECK(0, "%s %s forward: %s", classes[c], junk[j], err.msg);
					ran += rc == 0;
					for (int64_t i = 0; rc == 0 && i < 2 * li_shape_elems(&o); i++)
						if (!isfinite(y[i])) {
							CHECK(0, "%s %s: non-finite output", classes[c], junk[j]);
							break;
						}
				}
				li_layer_release(&l);
			}
	CHECK(built > 200 && ran > 200, "junk configs: %d built, %d ran", built, ran);
	return check_done();
}
