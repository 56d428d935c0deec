/*
 * Backward passes of the activations a trained tail may hold, and the losses, for
 * train.c. An activation's backward turns dL/dy into dL/dz from the saved pre-activation
 * z and output y (y = act(z), computed by activations.c). The derivatives are worked out
 * by hand from the forward formulas in activations.h.
 */
#include <math.h>

#include "train_internal.h"

#define SELU_ALPHA 1.67326324235437728481
#define SELU_SCALE 1.05070098735548049342

int li_train_act_ok(const li_act *a)
{
	switch (a->kind) {
	case LI_ACT_LINEAR: case LI_ACT_SIGMOID: case LI_ACT_TANH: case LI_ACT_ELU:
	case LI_ACT_SELU: case LI_ACT_SOFTPLUS: case LI_ACT_GELU: case LI_ACT_LEAKY_RELU:
	case LI_ACT_SWISH: case LI_ACT_SOFTSIGN:
		return 1;
	case LI_ACT_RELU:
		/* plain relu only: thresholds, clips and slopes are not trained here */
		return a->alpha == 0.0f && a->threshold == 0.0f && !(a->max_value < INFINITY);
	case LI_ACT_SOFTMAX:
		return a->axis == -1;
	default:
		return 0;
	}
}

static double sigm(double x)
{
	return 1.0 / (1.0 + exp(-x));
}

void li_train_act_backward(const li_act *a, int64_t rows, int64_t width, const float *z,
			   const float *y, float *g)
{
	int64_t count = rows * width;
	if (a->kind == LI_ACT_SOFTMAX) {
		/* dz = y * (dy - sum(dy * y)) along the last axis */
		for (int64_t r = 0; r < rows; r++) {
			const float *p = y + r * width;
			float *d = g + r * width;
			double s = 0;
			for (int64_t j = 0; j < width; j++)
				s += (double)d[j] * p[j];
			for (int64_t j = 0; j < width; j++)
				d[j] = (float)(p[j] * (d[j] - s));
		}
		return;
	}
	for (int64_t i = 0; i < count; i++) {
		double v = z[i], o = y[i], d;
		switch (a->kind) {
		case LI_ACT_RELU: d = v > 0 ? 1 : 0; break;
		case LI_ACT_LEAKY_RELU: d = v >= 0 ? 1 : a->alpha; break;
		case LI_ACT_SIGMOID: d = o * (1 - o); break;
		case LI_ACT_TANH: d = 1 - o * o; break;
		case LI_ACT_ELU: d = v > 0 ? 1 : a->alpha * exp(v); break;
		case LI_ACT_SELU: d = v > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * exp(v); break;
		case LI_ACT_SOFTPLUS: d = sigm(v); break;
		case LI_ACT_SWISH: { double s = sigm(v); d = s + v * s * (1 - s); break; }
		case LI_ACT_SOFTSIGN: d = 1 / ((1 + fabs(v)) * (1 + fabs(v))); break;
		case LI_ACT_GELU:
			if (a->approximate) {
				const double c = 0.7978845608028654;
				double t = tanh(c * (v + 0.044715 * v * v * v));
				d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * c * (1 + 3 * 0.044715 * v * v);
			} else {
				d = 0.5 * (1 + erf(v * 0.70710678118654752)) +
				    v * exp(-0.5 * v * v) * 0.39894228040143268;
			}
			break;
		default: d = 1; break;
		}
		g[i] = (float)(g[i] * d);
	}
}

/* The class of a row of k logits: the first largest (k 1: the sigmoid's, logit > 0). */
static int64_t class_of(const float *x, int64_t k)
{
	int64_t arg = 0;
	if (k == 1)
		return x[0] > 0;
	for (int64_t j = 1; j < k; j++)
		if (x[j] > x[arg])
			arg = j;
	return arg;
}

void li_train_loss_classes(int64_t rows, int64_t width, int64_t among, const float *out,
			   int64_t *cls)
{
	for (int64_t r = 0; r < rows; r++)
		cls[r] = class_of(out + r * width, among > 0 && among < width ? among : width);
}

/*
 * Sparse categorical cross-entropy from logits l (rows x k): the mean of
 * logsumexp(l) - l[y], and dL/dl = (softmax(l) - onehot(y)) / rows.
 */
static int sparse_ce(int64_t rows, int64_t k, const float *l, const int64_t *y, float *g,
		     double *loss, int64_t *correct)
{
	double sum = 0;
	int64_t ok = 0;
	for (int64_t r = 0; r < rows; r++) {
		const float *x = l + r * k;
		int64_t arg = class_of(x, k);
		double mx = x[arg], se = 0;
		for (int64_t j = 0; j < k; j++)
			se += exp(x[j] - mx);
		if (y[r] < 0 || y[r] >= k)
			return -1;
		sum += mx + log(se) - x[y[r]];
		ok += arg == y[r];
		if (g)
			for (int64_t j = 0; j < k; j++)
				g[r * k + j] = (float)((exp(x[j] - mx) / se - (j == y[r])) / rows);
	}
	*loss = sum / rows;
	*correct = ok;
	return 0;
}

/* Binary cross-entropy from logits (one unit per row): the mean of
 * max(l,0) - l y + log(1 + exp(-|l|)); dL/dl = (sigmoid(l) - y) / rows. */
static int bce(int64_t rows, const float *l, const int64_t *y, float *g, double *loss,
	       int64_t *correct)
{
	double sum = 0;
	int64_t ok = 0;
	for (int64_t r = 0; r < rows; r++) {
		double x = l[r], t = (double)y[r];
		if (y[r] != 0 && y[r] != 1)
			return -1;
		sum += fmax(x, 0) - x * t + log1p(exp(-fabs(x)));
		ok += class_of(l + r, 1) == y[r];
		if (g)
			g[r] = (float)((sigm(x) - t) / rows);
	}
	*loss = sum / rows;
	*correct = ok;
	return 0;
}

/* Mean squared error over every element; dL/dy = 2 (y - t) / count. */
static void mse(int64_t count, const float *o, const float *t, float *g, double *loss)
{
	double sum = 0;
	for (int64_t i = 0; i < count; i++) {
		double d = (double)o[i] - t[i];
		sum += d * d;
		if (g)
			g[i] = (float)(2 * d / count);
	}
	*loss = sum / count;
}

int li_train_loss_eval(int loss, int64_t rows, int64_t width, const float *out,
		       const int64_t *y, const float *target, float *g, double *l,
		       int64_t *correct)
{
	*correct = 0;
	switch (loss) {
	case LI_LOSS_SPARSE_CE:
		return sparse_ce(rows, width, out, y, g, l, correct);
	case LI_LOSS_BCE:
		return bce(rows, out, y, g, l, correct);
	default:
		mse(rows * width, out, target, g, l);
		return 0;
	}
}
