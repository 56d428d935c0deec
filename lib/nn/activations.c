/*
 * Keras activation functions on float32 data, in place. One table maps the names Keras
 * 1/2/3 and TF.js write into configs to a kind; li_act_apply_elems runs one tight loop
 * per kind (the switch is outside the loop) so Dense can apply bias and activation in
 * one pass over its GEMM output. Softmax and log-softmax work along any axis of a row.
 *
 * Definitions follow keras/src/activations/activations.py (Keras 3) and
 * keras/backend/tensorflow_backend.py (Keras 2); where they differ it is said below.
 */
#include "activations.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "layers_internal.h"
#include "simd.h"

/* Klambauer et al.'s SELU constants, as Keras writes them. */
#define SELU_ALPHA 1.67326324235437728481f
#define SELU_SCALE 1.05070098735548049342f

static const struct {
	const char *name;
	li_act_kind kind;
} names[] = {
	{ "linear", LI_ACT_LINEAR },
	{ "relu", LI_ACT_RELU },
	{ "relu6", LI_ACT_RELU6 },
	{ "leaky_relu", LI_ACT_LEAKY_RELU },
	{ "elu", LI_ACT_ELU },
	{ "selu", LI_ACT_SELU },
	{ "gelu", LI_ACT_GELU },
	{ "gelu_new", LI_ACT_GELU },       /* TF.js: the tanh approximation */
	{ "sigmoid", LI_ACT_SIGMOID },
	{ "hard_sigmoid", LI_ACT_HARD_SIGMOID },
	{ "hard_silu", LI_ACT_HARD_SILU },
	{ "hard_swish", LI_ACT_HARD_SILU },
	{ "tanh", LI_ACT_TANH },
	{ "softmax", LI_ACT_SOFTMAX },
	{ "log_softmax", LI_ACT_LOG_SOFTMAX },
	{ "logsoftmax", LI_ACT_LOG_SOFTMAX },
	{ "softplus", LI_ACT_SOFTPLUS },
	{ "softsign", LI_ACT_SOFTSIGN },
	{ "swish", LI_ACT_SWISH },
	{ "silu", LI_ACT_SWISH },
	{ "exponential", LI_ACT_EXPONENTIAL },
	{ "mish", LI_ACT_MISH },
};

void li_act_init(li_act *a, li_act_kind kind)
{
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->max_value = INFINITY;
	a->axis = -1;
	if (kind == LI_ACT_ELU)
		a->alpha = 1.0f;
	else if (kind == LI_ACT_LEAKY_RELU)
		a->alpha = 0.2f; /* the string "leaky_relu" (Keras 3 ops.leaky_relu); the layer's is 0.3 */
	else if (kind == LI_ACT_THRESHOLDED)
		a->threshold = 1.0f;
}

const char *li_act_name(const li_act *a)
{
	if (a->kind == LI_ACT_THRESHOLDED)
		return "thresholded_relu";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].kind == a->kind)
			return names[i].name;
	return "?";
}

int li_act_from_name(const char *name, const li_origin *o, li_act *a, li_err *err)
{
	/* TF.js spells some names in camel case inside the library; accept both. */
	static const struct { const char *camel, *snake; } camel[] = {
		{ "hardSigmoid", "hard_sigmoid" }, { "logSoftmax", "log_softmax" },
		{ "softPlus", "softplus" },
	};
	for (size_t i = 0; i < sizeof camel / sizeof camel[0]; i++)
		if (!strcmp(name, camel[i].camel))
			name = camel[i].snake;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strcmp(name, names[i].name))
			continue;
		li_act_init(a, names[i].kind);
		if (!strcmp(name, "gelu_new"))
			a->approximate = 1;
		/*
		 * hard_sigmoid: Keras <= 2.x and TF.js clip(0.2x + 0.5, 0, 1); Keras 3 changed it
		 * to relu6(x + 3) / 6 in every backend (keras@v3.0.0 backend nn.py files).
		 */
		a->keras3 = o && !o->tfjs && o->keras_major >= 3;
		return 0;
	}
	return li_err_set(err, LI_EDATA, "unknown activation '%s'", name);
}

int li_act_parse(const json_t *v, const li_origin *o, li_act *a, li_err *err)
{
	if (!v || json_is_null(v)) {
		li_act_init(a, LI_ACT_LINEAR);
		return 0;
	}
	if (json_is_string(v))
		return li_act_from_name(json_string_value(v), o, a, err);
	if (json_is_object(v)) {
		/*
		 * Keras 3 serializes a function as {"module": "keras.activations",
		 * "class_name": "function", "config": "relu", "registered_name": ...}.
		 */
		const json_t *c = json_object_get(v, "config");
		if (json_is_string(c))
			return li_act_from_name(json_string_value(c), o, a, err);
		const json_t *cn = json_object_get(v, "class_name");
		return li_err_set(err, LI_EDATA, "unsupported activation object '%s'",
				  json_is_string(cn) ? json_string_value(cn) : "?");
	}
	return li_err_set(err, LI_EDATA, "activation must be a name");
}

int li_act_elementwise(const li_act *a)
{
	return a->kind != LI_ACT_SOFTMAX && a->kind != LI_ACT_LOG_SOFTMAX;
}

static inline float sigm(float x)
{
	return 1.0f / (1.0f + expf(-x));
}

/*
 * tanh within 2 ulp, about three times faster than glibc's tanhf (which goes through
 * expm1f; recurrent cells spend most of their time here): below |x| = 0.5 the Taylor
 * series to x^15 (truncation error < 1e-8 relative), above it 1 - 2 / (exp(2|x|) + 1),
 * whose cancellation costs at most a few 1e-8 there. NaN stays NaN, +-inf gives +-1.
 */
static inline float tanh_fast(float x)
{
	float a = fabsf(x);
	if (a < 0.5f) {
		float s = x * x, p = 929569.0f / 638512875.0f;
		p = p * s - 21844.0f / 6081075.0f;
		p = p * s + 1382.0f / 155925.0f;
		p = p * s - 62.0f / 2835.0f;
		p = p * s + 17.0f / 315.0f;
		p = p * s - 2.0f / 15.0f;
		p = p * s + 1.0f / 3.0f;
		return x - x * s * p;
	}
	return copysignf(1.0f - 2.0f / (expf(2.0f * a) + 1.0f), x);
}

/*
 * sigmoid and tanh eight floats at a time with GCC/Clang vector extensions (AVX2 where
 * the processor has it, else pairs of SSE2 or NEON operations): recurrent cells apply them to every gate of every step, and
 * libm's scalar calls cost more there than the GEMMs. Same accuracy as the scalar forms.
 */
/* The helpers below are inlined into their callers: no vector crosses a call. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float vfloat __attribute__((vector_size(32)));
typedef int32_t vint __attribute__((vector_size(32)));

/* exp(x) for x <= 0 (below -87 taken as -87, so tiny results are 1.6e-38 instead of a
 * denormal or 0): Cody-Waite reduction by ln 2, then Cephes' degree-6 polynomial. */
static inline vfloat v_exp_neg(vfloat x)
{
	const vfloat lo = (vfloat){ 0 } - 87.0f;
	x = (vfloat)((vint)(x < lo) & (vint)lo) + (vfloat)(~(vint)(x < lo) & (vint)x);
	vfloat t = x * 1.44269504088896341f - 0.5f;
	vint ni = __builtin_convertvector(t, vint); /* truncation toward zero: t <= -0.5 rounds */
	vfloat n = __builtin_convertvector(ni, vfloat);
	vfloat r = x - n * 0.693359375f + n * 2.12194440e-4f;
	vfloat p = r * 1.9875691500E-4f + 1.3981999507E-3f;
	p = p * r + 8.3334519073E-3f;
	p = p * r + 4.1665795894E-2f;
	p = p * r + 1.6666665459E-1f;
	p = p * r + 5.0000001201E-1f;
	p = p * r * r + r + 1.0f;
	vint e = (ni + 127) << 23;
	return p * (vfloat)e;
}
/* 1 / (1 + exp(-v)), from exp(-|v|) so that nothing overflows; within 2 ulp. */
static inline vfloat v_sigmoid(vfloat v)
{
	vint neg = (vint)(v < 0.0f);
	vfloat a = (vfloat)((vint)v & 0x7fffffff);
	vfloat e = v_exp_neg(-a);
	vfloat one = (vfloat){ 0 } + 1.0f;
	vfloat num = (vfloat)((neg & (vint)e) | (~neg & (vint)one));
	return num / (one + e);
}
/* tanh_fast's two forms, both computed, one selected per lane. */
static inline vfloat v_tanh(vfloat v)
{
	vint sign = (vint)v & (int32_t)0x80000000;
	vfloat a = (vfloat)((vint)v & 0x7fffffff), s = v * v;
	vfloat p = s * (929569.0f / 638512875.0f) - 21844.0f / 6081075.0f;
	p = p * s + 1382.0f / 155925.0f;
	p = p * s - 62.0f / 2835.0f;
	p = p * s + 17.0f / 315.0f;
	p = p * s - 2.0f / 15.0f;
	p = p * s + 1.0f / 3.0f;
	vfloat small = v - v * s * p;
	vfloat e = v_exp_neg(a * -2.0f);
	vfloat big = (vfloat)((vint)((1.0f - e) / (1.0f + e)) | sign);
	vint m = (vint)(a < 0.5f);
	return (vfloat)((m & (vint)small) | (~m & (vint)big));
}
/* f over n floats in place, a vector at a time (the tail padded). */
static inline void apply_vec(float *x, int64_t n, vfloat (*f)(vfloat))
{
	const int64_t lanes = (int64_t)(sizeof(vfloat) / sizeof(float));
	int64_t i = 0;
	for (; i + lanes <= n; i += lanes) {
		vfloat v;
		memcpy(&v, x + i, sizeof v);
		v = f(v);
		memcpy(x + i, &v, sizeof v);
	}
	if (i < n) {
		vfloat v = { 0 };
		memcpy(&v, x + i, (size_t)(n - i) * sizeof(float));
		v = f(v);
		memcpy(x + i, &v, (size_t)(n - i) * sizeof(float));
	}
}
/* AVX2 where the processor has it (chosen at load time), SSE2 otherwise (simd.h); one
 * copy under ASan. */
#ifdef __SANITIZE_ADDRESS__
#define LI_CLONES
#else
#define LI_CLONES LI_TARGET_CLONES
#endif
LI_CLONES static void sigmoid_all(float *x, int64_t n)
{
	apply_vec(x, n, v_sigmoid);
}
LI_CLONES static void tanh_all(float *x, int64_t n)
{
	apply_vec(x, n, v_tanh);
}

/* log(1 + exp(x)) without overflow. */
static inline float softplus(float x)
{
	return x > 0 ? x + log1pf(expf(-x)) : log1pf(expf(x));
}

static inline float hard_sigm(const li_act *a, float x)
{
	float y = a->keras3 ? fminf(fmaxf(x + 3.0f, 0.0f), 6.0f) / 6.0f : 0.2f * x + 0.5f;
	return fminf(fmaxf(y, 0.0f), 1.0f);
}

/*
 * Keras' relu(x, negative_slope, max_value, threshold), the same in Keras 2's backend
 * and Keras 3: keep x where x > threshold, clip to [0, max_value] when a maximum is
 * given, then subtract negative_slope * relu(threshold - x).
 */
static inline float relu_full(const li_act *a, float x)
{
	float y = x > a->threshold ? x : 0.0f;
	if (a->max_value < INFINITY)
		y = fminf(fmaxf(y, 0.0f), a->max_value);
	if (a->alpha != 0.0f) {
		if (a->threshold == 0.0f && !(a->max_value < INFINITY))
			return x >= 0 ? x : a->alpha * x; /* Keras takes leaky_relu here */
		y -= a->alpha * fmaxf(a->threshold - x, 0.0f);
	}
	return y;
}

#define EACH(expr) do { for (int64_t i = 0; i < count; i++) { float v = x[i]; x[i] = (expr); } } while (0)

/* Plain relu as a select the vectoriser turns into compare-and-mask (the branchy scalar
 * loop cost a fifth of a relu layer's time on random data). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((noinline, optimize("tree-vectorize")))
#endif
static void relu_plain(float *restrict x, int64_t count)
{
	for (int64_t i = 0; i < count; i++)
		x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void li_act_apply_elems(const li_act *a, float *x, int64_t count)
{
	switch (a->kind) {
	case LI_ACT_LINEAR:
	case LI_ACT_SOFTMAX:
	case LI_ACT_LOG_SOFTMAX:
		break;
	case LI_ACT_RELU:
		if (a->alpha == 0.0f && a->threshold == 0.0f && !(a->max_value < INFINITY))
			relu_plain(x, count);
		else
			EACH(relu_full(a, v));
		break;
	case LI_ACT_RELU6: EACH(fminf(fmaxf(v, 0.0f), 6.0f)); break;
	case LI_ACT_LEAKY_RELU: EACH(v >= 0 ? v : a->alpha * v); break;
	case LI_ACT_ELU: EACH(v > 0 ? v : a->alpha * expm1f(v)); break;
	case LI_ACT_SELU: EACH(SELU_SCALE * (v > 0 ? v : SELU_ALPHA * expm1f(v))); break;
	case LI_ACT_GELU:
		if (a->approximate) {
			const float c = 0.7978845608028654f; /* sqrt(2/pi) */
			EACH(0.5f * v * (1.0f + tanh_fast(c * (v + 0.044715f * v * v * v))));
		} else {
			EACH(0.5f * v * (1.0f + erff(v * 0.70710678118654752f)));
		}
		break;
	case LI_ACT_SIGMOID: sigmoid_all(x, count); break;
	case LI_ACT_HARD_SIGMOID: EACH(hard_sigm(a, v)); break;
	case LI_ACT_HARD_SILU: EACH(v * hard_sigm(a, v)); break;
	case LI_ACT_TANH: tanh_all(x, count); break;
	case LI_ACT_SOFTPLUS: EACH(softplus(v)); break;
	case LI_ACT_SOFTSIGN: EACH(v / (1.0f + fabsf(v))); break;
	case LI_ACT_SWISH: EACH(v * sigm(v)); break;
	case LI_ACT_EXPONENTIAL: EACH(expf(v)); break;
	case LI_ACT_MISH: EACH(v * tanh_fast(softplus(v))); break;
	case LI_ACT_THRESHOLDED: EACH(v > a->threshold ? v : 0.0f); break;
	}
}

void li_softmax_axis(float *x, int64_t n, const li_shape *row, int axis, int log)
{
	int64_t outer = n, len = row->dim[axis], inner = 1;
	for (int i = 0; i < axis; i++)
		outer *= row->dim[i];
	for (int i = axis + 1; i < row->rank; i++)
		inner *= row->dim[i];
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t j = 0; j < inner; j++) {
			float *p = x + o * len * inner + j;
			float m = -INFINITY;
			for (int64_t k = 0; k < len; k++)
				m = fmaxf(m, p[k * inner]);
			double s = 0;
			for (int64_t k = 0; k < len; k++) {
				float e = expf(p[k * inner] - m);
				s += e;
				if (!log)
					p[k * inner] = e;
			}
			if (log) {
				float ls = (float)logl(s);
				for (int64_t k = 0; k < len; k++)
					p[k * inner] = p[k * inner] - m - ls;
			} else {
				float inv = (float)(1.0 / s);
				for (int64_t k = 0; k < len; k++)
					p[k * inner] *= inv;
			}
		}
	}
}

int li_act_apply(const li_act *a, float *x, int64_t n, const li_shape *row, li_err *err)
{
	if (li_act_elementwise(a)) {
		int64_t c = li_shape_elems(row);
		if (c < 0 || li_mul_i64(c, n, &c) < 0)
			return li_err_set(err, LI_EDATA, "activation '%s': bad shape", li_act_name(a));
		li_act_apply_elems(a, x, c);
		return 0;
	}
	int ax = li_axis_row(a->axis, row->rank);
	if (ax < 0)
		return li_err_set(err, LI_EDATA, "%s axis %d does not fit an input of rank %d",
				  li_act_name(a), a->axis, row->rank + 1);
	li_softmax_axis(x, n, row, ax, a->kind == LI_ACT_LOG_SOFTMAX);
	return 0;
}
