/*
 * Recurrent layers: SimpleRNN, LSTM, GRU (reset_after false and true), in inference mode,
 * the generic RNN layer around one SimpleRNNCell, LSTMCell or GRUCell, and the CuDNNLSTM /
 * CuDNNGRU layers of Keras 2.1-2.3 files (weights converted as Keras converts them).
 *
 * Input per row (T, F), output (T, units) with return_sequences, else (units). The input
 * projection of every step of every row is one cblas_sgemm (n*T x F)(F x G*units), laid
 * out time-major, plus the input bias; then per step one cblas_sgemm of the batch's
 * states (n x units) with the recurrent kernel adds into that step's block, and the gate
 * arithmetic runs row by row. G = 1, 4 (LSTM gates i, f, c, o) or 3 (GRU gates z, r, h),
 * the Keras 2 fused layout. Rows are independent and run in chunks that bound the
 * projection buffer.
 *
 *   SimpleRNN  h = act(x W + b + h U)
 *   LSTM       z = x W + b + h U; i, f, o = ract(z_i, z_f, z_o); c = f c + i act(z_c);
 *              h = o act(c)
 *   GRU        z = ract(x W_z + b_z + h U_z), r = ract(x W_r + b_r + h U_r)
 *              reset_after false: hh = act(x W_h + b_h + (r h) U_h)
 *              reset_after true:  hh = act(x W_h + b_h + r (h U_h + br_h)), bias [2, 3u]
 *              h = z h + (1 - z) hh
 *
 * go_backwards consumes x[T-1], ..., x[0]; with return_sequences output step s is the state
 * after step s (Keras does not reverse it back). dropout, recurrent_dropout, unroll and
 * implementation do not change inference. Versions: recurrent_activation defaults to
 * hard_sigmoid in Keras <= 2.2 and TF.js, sigmoid from Keras 2.3; GRU reset_after
 * defaults to false in Keras 1, standalone Keras 2 (<= 2.3) and TF.js, true in tf.keras
 * (versions ending "-tf", 2.4 on) and Keras 3. Keras 1 names: output_dim,
 * inner_activation; its LSTM is 12 arrays W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o,
 * U_o, b_o (gate order i, c, f, o), its GRU 9 arrays (z, r, h), its SimpleRNN W, U, b.
 * Weight names may carry a cell scope ("lstm_cell/kernel"): only the last part counts.
 *
 * Masks (hooks->forward_masked): at a masked step the state stays and the output repeats
 * the last unmasked step's output (zero before any), as Keras' K.rnn does.
 * State (hooks->carry_state): a Keras stateful layer; the kept state per row position.
 */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "layers_internal.h"

/* Rows run together while their input projections fit in this many floats (16 MiB). */
#define RNN_CHUNK_FLOATS ((int64_t)4 << 20)

typedef enum { RNN_SIMPLE, RNN_LSTM, RNN_GRU } rnn_kind;

typedef struct rnn {
	rnn_kind kind;
	int64_t n_in, units, gates;
	int return_sequences, go_backwards, reset_after;
	li_act act, ract;
	float *kernel;  /* [n_in, G*u] */
	float *rkernel; /* [u, G*u] */
	float *bias;    /* [G*u] input bias, or NULL */
	float *rbias;   /* [G*u] GRU reset_after recurrent bias (z, r parts also folded into
			 * bias; only the h part is used), or NULL */
	/* carried state */
	int carry;
	int64_t state_rows;
	float *h, *c;   /* [state_rows, u] each (c: LSTM only) */
} rnn;

/* The version's default recurrent_activation: hard_sigmoid up to Keras 2.2 and in TF.js. */
static const char *default_ract(const li_origin *o)
{
	if (o->tfjs || o->keras_major < 2 || (o->keras_major == 2 && o->keras_minor < 3))
		return "hard_sigmoid";
	return "sigmoid";
}

/* The version's default GRU reset_after: true in tf.keras 2 and Keras 3. */
static int default_reset_after(const li_origin *o)
{
	if (o->tfjs)
		return 0;
	if (o->keras_major >= 3)
		return 1;
	if (o->keras_major == 2 && (o->keras_minor >= 4 || strstr(o->version, "-tf")))
		return 1;
	return 0;
}

/* Weights with their names cut to the part after the last '/' (cell scopes). */
static void short_names(const li_weight *w, int n_w, li_weight *out)
{
	for (int i = 0; i < n_w; i++) {
		out[i] = w[i];
		if (w[i].name && strrchr(w[i].name, '/'))
			out[i].name = strrchr(w[i].name, '/') + 1;
	}
}

static int has_name(const li_weight *w, int n_w, const char *name)
{
	for (int i = 0; i < n_w; i++)
		if (w[i].name && !strcmp(w[i].name, name))
			return 1;
	return 0;
}

static int rnn_alloc(li_layer *l, rnn *r, li_err *err)
{
	int64_t gu = r->gates * r->units;
	r->kernel = malloc((size_t)(r->n_in * gu) * sizeof(float));
	r->rkernel = malloc((size_t)(r->units * gu) * sizeof(float));
	if (!r->kernel || !r->rkernel)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	(void)l;
	return 0;
}

/*
 * Keras 1 separate gate arrays (W_g [in, u], U_g [u, u], b_g [u] per gate, in the file's
 * order) into the fused layout; order maps fused gate k to the file's gate index.
 */
static int keras1_weights(li_layer *l, rnn *r, const li_weight *w, int n_w, const char *gn,
			  const int *order, li_err *err)
{
	int g = (int)r->gates;
	char names[12][8];
	const char *want[12];
	const li_weight *x[12];
	for (int k = 0; k < g; k++) {
		snprintf(names[3 * k], 8, "W_%c", gn[k]);
		snprintf(names[3 * k + 1], 8, "U_%c", gn[k]);
		snprintf(names[3 * k + 2], 8, "b_%c", gn[k]);
	}
	for (int i = 0; i < 3 * g; i++)
		want[i] = names[i];
	if (li_weights_pick(l, w, n_w, want, 3 * g, x, err) < 0)
		return LI_EDATA;
	r->n_in = x[0]->a.rank == 2 && x[0]->a.shape[0] > 0 ? x[0]->a.shape[0] : 1;
	int64_t ws[2] = { r->n_in, r->units }, us[2] = { r->units, r->units };
	for (int k = 0; k < g; k++)
		if (li_weight_check(l, x[3 * k], 2, ws, err) < 0 ||
		    li_weight_check(l, x[3 * k + 1], 2, us, err) < 0 ||
		    li_weight_check(l, x[3 * k + 2], 1, &r->units, err) < 0)
			return LI_EDATA;
	if (rnn_alloc(l, r, err) < 0)
		return LI_ENOMEM;
	int64_t u = r->units, gu = g * u;
	r->bias = malloc((size_t)gu * sizeof(float));
	if (!r->bias)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	for (int k = 0; k < g; k++) {
		const float *W = x[3 * order[k]]->a.data, *U = x[3 * order[k] + 1]->a.data,
			    *b = x[3 * order[k] + 2]->a.data;
		for (int64_t i = 0; i < r->n_in; i++)
			memcpy(r->kernel + i * gu + k * u, W + i * u, (size_t)u * sizeof(float));
		for (int64_t i = 0; i < u; i++)
			memcpy(r->rkernel + i * gu + k * u, U + i * u, (size_t)u * sizeof(float));
		memcpy(r->bias + k * u, b, (size_t)u * sizeof(float));
	}
	return 0;
}

/* Keras 2/3 and TF.js fused weights kernel, recurrent_kernel, bias. */
static int fused_weights(li_layer *l, rnn *r, const li_weight *w, int n_w, int use_bias,
			 li_err *err)
{
	static const char *const want[] = { "kernel|W", "recurrent_kernel|U", "bias|b" };
	const li_weight *x[3];
	if (li_weights_pick(l, w, n_w, want, use_bias ? 3 : 2, x, err) < 0)
		return LI_EDATA;
	int64_t u = r->units, gu = r->gates * u;
	r->n_in = x[0]->a.rank == 2 && x[0]->a.shape[0] > 0 ? x[0]->a.shape[0] : 1;
	int64_t ks[2] = { r->n_in, gu }, rs[2] = { u, gu }, bs2[2] = { 2, gu };
	if (li_weight_check(l, x[0], 2, ks, err) < 0 || li_weight_check(l, x[1], 2, rs, err) < 0)
		return LI_EDATA;
	if (use_bias) {
		int two = r->kind == RNN_GRU && r->reset_after;
		if ((two ? li_weight_check(l, x[2], 2, bs2, err)
			 : li_weight_check(l, x[2], 1, &gu, err)) < 0)
			return LI_EDATA;
	}
	if (rnn_alloc(l, r, err) < 0)
		return LI_ENOMEM;
	memcpy(r->kernel, x[0]->a.data, (size_t)(r->n_in * gu) * sizeof(float));
	memcpy(r->rkernel, x[1]->a.data, (size_t)(u * gu) * sizeof(float));
	if (use_bias) {
		const float *b = x[2]->a.data;
		r->bias = malloc((size_t)gu * sizeof(float));
		if (!r->bias)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		memcpy(r->bias, b, (size_t)gu * sizeof(float));
		if (r->kind == RNN_GRU && r->reset_after) {
			r->rbias = malloc((size_t)gu * sizeof(float));
			if (!r->rbias)
				return li_err_set(err, LI_ENOMEM, "out of memory");
			memcpy(r->rbias, b + gu, (size_t)gu * sizeof(float));
			/* z and r add both biases to one sum: fold the recurrent ones in */
			for (int64_t j = 0; j < 2 * u; j++)
				r->bias[j] += r->rbias[j];
		}
	}
	return 0;
}

/*
 * CuDNNLSTM / CuDNNGRU weights (Keras 2.1-2.3, tf.keras 1.x) into the plain layout, as
 * Keras converts them when such a file is loaded into LSTM / GRU(reset_after=True): per
 * gate the input kernel k [in, u] is read as the flat (u, in) matrix cuDNN saw and
 * transposed (K[i][j] = flat(k)[j*in + i]), the recurrent kernel per gate is transposed,
 * and the bias [2*G*u] holds input then recurrent biases (LSTM: summed; GRU: the two rows
 * of reset_after's bias).
 */
static int cudnn_weights(li_layer *l, rnn *r, const li_weight *w, int n_w, li_err *err)
{
	static const char *const want[] = { "kernel", "recurrent_kernel", "bias" };
	const li_weight *x[3];
	if (li_weights_pick(l, w, n_w, want, 3, x, err) < 0)
		return LI_EDATA;
	int64_t u = r->units, G = r->gates, gu = G * u, b2 = 2 * gu;
	r->n_in = x[0]->a.rank == 2 && x[0]->a.shape[0] > 0 ? x[0]->a.shape[0] : 1;
	int64_t ks[2] = { r->n_in, gu }, rs[2] = { u, gu };
	if (li_weight_check(l, x[0], 2, ks, err) < 0 || li_weight_check(l, x[1], 2, rs, err) < 0 ||
	    li_weight_check(l, x[2], 1, &b2, err) < 0)
		return LI_EDATA;
	if (rnn_alloc(l, r, err) < 0)
		return LI_ENOMEM;
	r->bias = malloc((size_t)gu * sizeof(float));
	r->rbias = r->kind == RNN_GRU ? malloc((size_t)gu * sizeof(float)) : NULL;
	if (!r->bias || (r->kind == RNN_GRU && !r->rbias))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	const float *W = x[0]->a.data, *R = x[1]->a.data, *b = x[2]->a.data;
	int64_t in = r->n_in;
	for (int64_t g = 0; g < G; g++) {
		for (int64_t i = 0; i < in; i++)
			for (int64_t j = 0; j < u; j++) {
				int64_t f = j * in + i; /* flat index into gate g's [in, u] block */
				r->kernel[i * gu + g * u + j] = W[(f / u) * gu + g * u + f % u];
			}
		for (int64_t i = 0; i < u; i++)
			for (int64_t j = 0; j < u; j++)
				r->rkernel[i * gu + g * u + j] = R[j * gu + g * u + i];
	}
	for (int64_t j = 0; j < gu; j++) {
		if (r->kind == RNN_GRU) {
			r->bias[j] = b[j];
			r->rbias[j] = b[gu + j];
		} else {
			r->bias[j] = b[j] + b[gu + j];
		}
	}
	if (r->rbias) /* z and r add both biases to one sum, as in fused_weights */
		for (int64_t j = 0; j < 2 * u; j++)
			r->bias[j] += r->rbias[j];
	return 0;
}

/* An activation option: absent gives def; present (JSON null included) is parsed. */
static int act_option(li_layer *l, const json_t *c, const char *keys, const char *def,
		      const li_origin *o, li_act *a, li_err *err)
{
	const json_t *v = NULL;
	char k[64];
	snprintf(k, sizeof k, "%s", keys);
	for (char *s = k; s && !v;) {
		char *bar = strchr(s, '|');
		if (bar)
			*bar = '\0';
		v = json_object_get(c, s);
		s = bar ? bar + 1 : NULL;
	}
	int rc = v ? li_act_parse(v, o, a, err) : li_act_from_name(def, o, a, err);
	if (rc < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	if (!li_act_elementwise(a))
		return li_layer_fail(l, err, "activation '%s' is not supported in a recurrent cell",
				     li_act_name(a));
	return 0;
}

static const li_layer_hooks rnn_hooks;

static int rnn_parse(li_layer *l, const json_t *c, const li_weight *w0, int n_w,
		     const li_origin *o, li_err *err)
{
	int64_t units;
	int use_bias, ret_state, time_major;
	li_weight w[64];
	if (n_w > 64)
		return li_layer_fail(l, err, "too many weights (%d)", n_w);
	short_names(w0, n_w, w);
	rnn *r = calloc(1, sizeof *r);
	if (!r)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = r;
	l->hooks = &rnn_hooks;
	/* the generic RNN layer holds one cell; its options are the cell's (cc) */
	const json_t *cc = c;
	const char *kind = l->class_name;
	if (!strcmp(l->class_name, "RNN")) {
		const json_t *cell = json_object_get(c, "cell");
		const char *cls = json_string_value(json_object_get(cell, "class_name"));
		cc = json_object_get(cell, "config");
		if (!cls || !json_is_object(cc))
			return li_layer_fail(l, err, "option 'cell' does not describe one cell "
						     "(stacked cells are not supported)");
		if (strcmp(cls, "SimpleRNNCell") && strcmp(cls, "LSTMCell") && strcmp(cls, "GRUCell"))
			return li_layer_fail(l, err, "cell class '%s' is not supported", cls);
		kind = cls;
	}
	int cudnn = !strncmp(kind, "CuDNN", 5);
	if (cudnn)
		kind += 5;
	r->kind = !strncmp(kind, "LSTM", 4) ? RNN_LSTM : !strncmp(kind, "GRU", 3) ? RNN_GRU
										  : RNN_SIMPLE;
	r->gates = r->kind == RNN_LSTM ? 4 : r->kind == RNN_GRU ? 3 : 1;
	if (li_cfg_int(l, cc, "units|output_dim", -1, &units, err) < 0 ||
	    li_cfg_bool(l, cc, "use_bias|bias", 1, &use_bias, err) < 0 ||
	    li_cfg_bool(l, c, "return_sequences", 0, &r->return_sequences, err) < 0 ||
	    li_cfg_bool(l, c, "go_backwards", 0, &r->go_backwards, err) < 0 ||
	    li_cfg_bool(l, c, "return_state", 0, &ret_state, err) < 0 ||
	    li_cfg_bool(l, c, "time_major", 0, &time_major, err) < 0 ||
	    li_cfg_bool(l, cc, "reset_after", default_reset_after(o), &r->reset_after, err) < 0)
		return LI_EDATA;
	if (units <= 0 || units > INT_MAX / 4)
		return li_layer_fail(l, err, "option 'units' must be a positive integer");
	if (ret_state)
		return li_layer_fail(l, err,
				     "option 'return_state' = true is not supported (the layer "
				     "interface gives one output; cut the model before this layer)");
	if (time_major)
		return li_layer_fail(l, err, "option 'time_major' = true is not supported");
	r->units = units;
	if (cudnn) { /* cuDNN's cells: tanh and sigmoid, the GRU reset-after */
		li_act_init(&r->act, LI_ACT_TANH);
		li_act_init(&r->ract, LI_ACT_SIGMOID);
		r->reset_after = 1;
		return cudnn_weights(l, r, w, n_w, err);
	}
	if (act_option(l, cc, "activation", "tanh", o, &r->act, err) < 0)
		return LI_EDATA;
	if (r->kind != RNN_SIMPLE &&
	    act_option(l, cc, "recurrent_activation|inner_activation", default_ract(o), o,
		       &r->ract, err) < 0)
		return LI_EDATA;
	if (r->kind == RNN_LSTM && (has_name(w, n_w, "W_i") || n_w == 12)) {
		static const int order[4] = { 0, 2, 1, 3 }; /* fused i, f, c, o from file i, c, f, o */
		return keras1_weights(l, r, w, n_w, "icfo", order, err);
	}
	if (r->kind == RNN_GRU && (has_name(w, n_w, "W_z") || n_w == 9)) {
		static const int order[3] = { 0, 1, 2 };
		r->reset_after = 0;
		return keras1_weights(l, r, w, n_w, "zrh", order, err);
	}
	return fused_weights(l, r, w, n_w, use_bias, err);
}

static int rnn_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			 li_err *err)
{
	const rnn *r = l->p;
	char t[200];
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	li_shape_text(&in[0], t, sizeof t);
	if (in[0].rank != 2)
		return li_layer_fail(l, err, "input shape %s is not (batch, steps, features)", t);
	if (in[0].dim[1] != r->n_in)
		return li_layer_fail(l, err, "input shape %s does not fit the kernel's %lld inputs",
				     t, (long long)r->n_in);
	if (r->return_sequences) {
		out->rank = 2;
		out->dim[0] = in[0].dim[0];
		out->dim[1] = r->units;
	} else {
		out->rank = 1;
		out->dim[0] = r->units;
	}
	return 0;
}

/*
 * One step of one row. g: the step's gate pre-activations, input projection plus bias
 * plus h U already summed (G*u) -- except for the GRU's candidate, where g[2u..3u) holds
 * only x W_h + b_h and hu the recurrent part h U_h (+ its bias for reset_after; for
 * reset_after false hu is (r h) U_h, computed after the gates). Updates h (and c).
 */
static void cell_step(const rnn *r, float *g, const float *hu, float *h, float *c)
{
	int64_t u = r->units;
	switch (r->kind) {
	case RNN_SIMPLE:
		memcpy(h, g, (size_t)u * sizeof *h);
		li_act_apply_elems(&r->act, h, u);
		break;
	case RNN_LSTM:
		li_act_apply_elems(&r->ract, g, 2 * u);          /* i, f */
		li_act_apply_elems(&r->act, g + 2 * u, u);       /* c~ */
		li_act_apply_elems(&r->ract, g + 3 * u, u);      /* o */
		for (int64_t j = 0; j < u; j++)
			c[j] = g[u + j] * c[j] + g[j] * g[2 * u + j];
		memcpy(h, c, (size_t)u * sizeof *h);
		li_act_apply_elems(&r->act, h, u);
		for (int64_t j = 0; j < u; j++)
			h[j] *= g[3 * u + j];
		break;
	case RNN_GRU: /* z, r activated by the caller */
		if (r->reset_after)
			for (int64_t j = 0; j < u; j++)
				g[2 * u + j] += g[u + j] * hu[j];
		else
			for (int64_t j = 0; j < u; j++)
				g[2 * u + j] += hu[j];
		li_act_apply_elems(&r->act, g + 2 * u, u);
		for (int64_t j = 0; j < u; j++)
			h[j] = g[j] * h[j] + (1.0f - g[j]) * g[2 * u + j];
		break;
	}
}

static void sgemm(int m, int nn, int k, const float *a, int lda, const float *b, int ldb,
		  float beta, float *c, int ldc)
{
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, nn, k, 1.0f, a, lda, b, ldb,
		    beta, c, ldc);
}

/*
 * The whole recurrence over n rows of (T, F). out: (n, T, u) or (n, u). mask: n*T or
 * NULL. h0, c0: initial states [n, u] (NULL: zero); on return hold the final states when
 * given. The input projections are laid out time-major ([T][n][G*u], from a time-major
 * copy of x), so each step's block is contiguous and the recurrent GEMM adds into it.
 */
static int rnn_run(const li_layer *l, int64_t n, int64_t T, const float *x,
		   const unsigned char *mask, float *out, float *h0, float *c0, li_err *err)
{
	const rnn *r = l->p;
	int64_t u = r->units, gu = r->gates * u, F = r->n_in, rows, cells, xin;
	if (li_mul_i64(n, T, &rows) < 0 || li_mul_i64(rows, gu, &cells) < 0 ||
	    li_mul_i64(rows, F, &xin) < 0 || rows > INT_MAX || n > INT_MAX)
		return li_layer_fail(l, err, "batch of %lld rows of %lld steps is too large",
				     (long long)n, (long long)T);
	if (n == 0)
		return 0;
	int gru = r->kind == RNN_GRU;
	float *xp = malloc((size_t)(cells > 0 ? cells : 1) * sizeof *xp);
	float *xt = malloc((size_t)(xin > 0 ? xin : 1) * sizeof *xt);
	float *h = calloc((size_t)(n * u), sizeof *h);
	float *c = calloc((size_t)(n * u), sizeof *c);
	float *y = mask ? calloc((size_t)(n * u), sizeof *y) : NULL; /* last unmasked output */
	float *hu = gru ? malloc((size_t)(n * u) * sizeof *hu) : NULL;
	float *rh = gru ? malloc((size_t)(n * u) * sizeof *rh) : NULL;
	float *hold = malloc((size_t)(2 * u) * sizeof *hold);
	if (!xp || !xt || !h || !c || (mask && !y) || (gru && (!hu || !rh)) || !hold) {
		free(xp), free(xt), free(h), free(c), free(y), free(hu), free(rh), free(hold);
		return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (h0)
		memcpy(h, h0, (size_t)(n * u) * sizeof *h);
	if (c0)
		memcpy(c, c0, (size_t)(n * u) * sizeof *c);
	/* the input projection of every step at once, time-major */
	for (int64_t b = 0; b < n; b++)
		for (int64_t t = 0; t < T; t++)
			memcpy(xt + (t * n + b) * F, x + (b * T + t) * F, (size_t)F * sizeof *xt);
	if (rows > 0)
		sgemm((int)rows, (int)gu, (int)F, xt, (int)F, r->kernel, (int)gu, 0.0f, xp, (int)gu);
	if (r->bias)
		for (int64_t i = 0; i < rows; i++)
			for (int64_t j = 0; j < gu; j++)
				xp[i * gu + j] += r->bias[j];
	for (int64_t s = 0; s < T; s++) {
		int64_t t = r->go_backwards ? T - 1 - s : s;
		float *g0 = xp + t * n * gu;
		/* the recurrent product of the whole batch, added to the step's projections
		 * (the GRU's candidate part apart: reset acts on it first) */
		sgemm((int)n, (int)(gru ? 2 * u : gu), (int)u, h, (int)u, r->rkernel, (int)gu, 1.0f,
		      g0, (int)gu);
		if (gru) {
			for (int64_t b = 0; b < n; b++)
				li_act_apply_elems(&r->ract, g0 + b * gu, 2 * u);
			if (r->reset_after) {
				sgemm((int)n, (int)u, (int)u, h, (int)u, r->rkernel + 2 * u, (int)gu, 0.0f,
				      hu, (int)u);
				if (r->rbias)
					for (int64_t b = 0; b < n; b++)
						for (int64_t j = 0; j < u; j++)
							hu[b * u + j] += r->rbias[2 * u + j];
			} else {
				for (int64_t b = 0; b < n; b++)
					for (int64_t j = 0; j < u; j++)
						rh[b * u + j] = g0[b * gu + u + j] * h[b * u + j];
				sgemm((int)n, (int)u, (int)u, rh, (int)u, r->rkernel + 2 * u, (int)gu, 0.0f,
				      hu, (int)u);
			}
		}
		for (int64_t b = 0; b < n; b++) {
			float *g = g0 + b * gu, *hb = h + b * u, *cb = c + b * u;
			int keep = mask && !mask[b * T + t];
			if (keep) {
				memcpy(hold, hb, (size_t)u * sizeof *hold);
				memcpy(hold + u, cb, (size_t)u * sizeof *hold);
			}
			cell_step(r, g, gru ? hu + b * u : NULL, hb, cb);
			const float *ob = hb;
			if (keep) {
				memcpy(hb, hold, (size_t)u * sizeof *hold);
				memcpy(cb, hold + u, (size_t)u * sizeof *hold);
				ob = y + b * u;
			} else if (y) {
				memcpy(y + b * u, hb, (size_t)u * sizeof *y);
			}
			if (r->return_sequences)
				memcpy(out + (b * T + s) * u, ob, (size_t)u * sizeof *out);
		}
	}
	if (!r->return_sequences)
		memcpy(out, y ? y : h, (size_t)(n * u) * sizeof *out);
	if (h0)
		memcpy(h0, h, (size_t)(n * u) * sizeof *h);
	if (c0)
		memcpy(c0, c, (size_t)(n * u) * sizeof *c);
	free(xp), free(xt), free(h), free(c), free(y), free(hu), free(rh), free(hold);
	return 0;
}

static int rnn_forward_masked(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			      const float *const *in, const unsigned char *mask,
			      const li_shape *out_shape, float *out, li_err *err)
{
	rnn *r = l->p;
	li_shape o;
	(void)out_shape;
	if (li_shape_known(l, &in_shape[0], err) < 0 || rnn_out_shape(l, n_in, in_shape, &o, err) < 0)
		return LI_EDATA;
	int64_t T = in_shape[0].dim[0], u = r->units;
	if (r->carry && n > r->state_rows) {
		/* carried state: grow the kept state to n rows (new rows start from zero) */
		float *h = realloc(r->h, (size_t)(n * u) * sizeof *h);
		if (h)
			r->h = h;
		float *c = h ? realloc(r->c, (size_t)(n * u) * sizeof *c) : NULL;
		if (c)
			r->c = c;
		if (!h || !c)
			return li_err_set(err, LI_ENOMEM, "out of memory");
		memset(r->h + r->state_rows * u, 0, (size_t)((n - r->state_rows) * u) * sizeof(float));
		memset(r->c + r->state_rows * u, 0, (size_t)((n - r->state_rows) * u) * sizeof(float));
		r->state_rows = n;
	}
	/* rows are independent: run them in chunks so that the input projection buffer
	 * (rows * T * G*u floats) stays under RNN_CHUNK_FLOATS */
	int64_t per_row = T * r->gates * u > 0 ? T * r->gates * u : 1;
	int64_t chunk = RNN_CHUNK_FLOATS / per_row > 0 ? RNN_CHUNK_FLOATS / per_row : 1;
	int64_t out_row = r->return_sequences ? T * u : u;
	for (int64_t b0 = 0; b0 < n; b0 += chunk) {
		int64_t m = n - b0 < chunk ? n - b0 : chunk;
		int rc = rnn_run(l, m, T, in[0] + b0 * T * r->n_in, mask ? mask + b0 * T : NULL,
				 out + b0 * out_row, r->carry ? r->h + b0 * u : NULL,
				 r->carry ? r->c + b0 * u : NULL, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int rnn_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
		       const float *const *in, const li_shape *out_shape, float *out, li_err *err)
{
	return rnn_forward_masked(l, n, n_in, in_shape, in, NULL, out_shape, out, err);
}

static int rnn_carry_state(li_layer *l, int carry, li_err *err)
{
	rnn *r = l->p;
	(void)err;
	free(r->h);
	free(r->c);
	r->h = r->c = NULL;
	r->state_rows = 0;
	r->carry = carry != 0;
	return 0;
}

static void rnn_free(li_layer *l)
{
	rnn *r = l->p;
	if (!r)
		return;
	free(r->kernel);
	free(r->rkernel);
	free(r->bias);
	free(r->rbias);
	free(r->h);
	free(r->c);
	free(r);
	l->p = NULL;
}

static const li_layer_hooks rnn_hooks = {
	.carry_state = rnn_carry_state,
	.forward_masked = rnn_forward_masked,
};

static const char *const rnn_classes[] = { "SimpleRNN", "LSTM", "GRU", "RNN", "CuDNNLSTM",
					    "CuDNNGRU", NULL };
const li_layer_ops li_rnn_ops = {
	rnn_classes, rnn_parse, rnn_out_shape, rnn_forward, rnn_free,
};
