/*
 * EinsumDense (tf.keras 2.9+ keras.layers.EinsumDense, earlier
 * keras.layers.experimental.EinsumDense; Keras 3 keras.layers.EinsumDense):
 * y = act(einsum(equation, x, kernel) + bias).
 *
 * The equation "INPUT,KERNEL->OUTPUT" names the input's axes with its batch axis first,
 * or starts INPUT and OUTPUT with "..." for the leading axes (Keras' left elision). Every
 * letter is one of: free (input and output: the batch and the axes carried through),
 * contracted (input and kernel, summed over), or a kernel output (kernel and output).
 * Then the product is one GEMM: the input permuted to [free, contracted], the kernel to
 * [contracted, kernel outputs], the result permuted to the output's order. Equations
 * outside that set (a letter in all three operands, a letter summed inside one operand,
 * right elision "ab...") are refused with the reason. bias_axes: the bias spans the
 * output's axes from the first bias letter to the end, 1 on the others (Keras'
 * _analyze_split_string).
 */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "activations.h"
#include "layers_internal.h"

#define MAX_AXES (LI_MAX_RANK + 2)

typedef struct einsum {
	char in[MAX_AXES + 1], ker[MAX_AXES + 1], out[MAX_AXES + 1]; /* without "..." */
	int elided;              /* 1: input and output start with "..." */
	int64_t want[MAX_AXES];  /* configured output_shape (no batch), -1 unknown */
	int n_want;
	char bias_axes[MAX_AXES + 1];
	int64_t kshape[MAX_AXES];
	int krank;
	float *kernel, *bias;    /* bias laid out over the output's trailing axes */
	int64_t bias_n;          /* elements of the bias */
	li_act act;
} einsum;

/* One operand's letters: [a-zA-Z] only, each at most once, at most MAX_AXES. */
static int letters(const li_layer *l, const char *s, size_t n, char *dst, li_err *err)
{
	if (n > MAX_AXES)
		return li_layer_fail(l, err, "equation has too many axes");
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) || memchr(s, c, i))
			return li_layer_fail(l, err, "equation: '%.*s' is not a list of distinct "
					     "letters", (int)n, s);
		dst[i] = c;
	}
	dst[n] = '\0';
	return 0;
}

static int parse_equation(const li_layer *l, const char *eq, einsum *p, li_err *err)
{
	char buf[128];
	size_t k = 0;
	for (const char *c = eq; *c && k + 1 < sizeof buf; c++)
		if (*c != ' ')
			buf[k++] = *c;
	buf[k] = '\0';
	char *comma = strchr(buf, ','), *arrow = strstr(buf, "->");
	if (!comma || !arrow || arrow < comma || strchr(comma + 1, ',') || strstr(arrow + 2, "->"))
		return li_layer_fail(l, err, "equation \"%s\" is not of the form \"ab,bc->ac\"", eq);
	char *in = buf, *ker = comma + 1, *out = arrow + 2;
	size_t n_in = (size_t)(comma - in), n_ker = (size_t)(arrow - ker), n_out = strlen(out);
	int ein = n_in >= 3 && !strncmp(in, "...", 3), eout = n_out >= 3 && !strncmp(out, "...", 3);
	if (ein != eout || memmem(in + ein * 3, n_in - 3 * (size_t)ein, "...", 3) ||
	    strstr(out + eout * 3, "...") || memmem(ker, n_ker, "...", 3))
		return li_layer_fail(l, err, "equation \"%s\": only a leading \"...\" on both the "
				     "input and the output is supported", eq);
	p->elided = ein;
	if (letters(l, in + 3 * ein, n_in - 3 * (size_t)ein, p->in, err) < 0 ||
	    letters(l, ker, n_ker, p->ker, err) < 0 ||
	    letters(l, out + 3 * eout, n_out - 3 * (size_t)eout, p->out, err) < 0)
		return LI_EDATA;
	for (const char *c = p->in; *c; c++) {
		int in_k = strchr(p->ker, *c) != NULL, in_o = strchr(p->out, *c) != NULL;
		if (in_k && in_o)
			return li_layer_fail(l, err, "equation \"%s\": axis '%c' in the input, the "
					     "kernel and the output is not supported", eq, *c);
		if (!in_k && !in_o)
			return li_layer_fail(l, err, "equation \"%s\": axis '%c' summed within the "
					     "input is not supported", eq, *c);
	}
	for (const char *c = p->ker; *c; c++)
		if (!strchr(p->in, *c) && !strchr(p->out, *c))
			return li_layer_fail(l, err, "equation \"%s\": axis '%c' summed within the "
					     "kernel is not supported", eq, *c);
	for (const char *c = p->out; *c; c++)
		if (!strchr(p->in, *c) && !strchr(p->ker, *c))
			return li_layer_fail(l, err, "equation \"%s\": output axis '%c' is in no "
					     "operand", eq, *c);
	/* the batch axis: the first input axis, first in the output too */
	if (!p->elided && (!p->in[0] || p->out[0] != p->in[0]))
		return li_layer_fail(l, err, "equation \"%s\": the input's first (batch) axis must "
				     "be the output's first", eq);
	return 0;
}

static void einsum_free(li_layer *l)
{
	einsum *p = l->p;
	if (!p)
		return;
	free(p->kernel);
	free(p->bias);
	free(p);
	l->p = NULL;
}

static int einsum_parse(li_layer *l, const json_t *c, const li_weight *w, int n_w,
			const li_origin *o, li_err *err)
{
	const char *eq, *bias_axes;
	const json_t *os = li_cfg_get(c, "output_shape");
	if (li_cfg_str(l, c, "equation", NULL, &eq, err) < 0 ||
	    li_cfg_str(l, c, "bias_axes", NULL, &bias_axes, err) < 0 ||
	    li_cfg_refuse(l, c, "lora_rank", NULL, err) < 0 ||
	    li_cfg_refuse(l, c, "quantization_config", NULL, err) < 0)
		return LI_EDATA;
	if (!eq)
		return li_layer_fail(l, err, "option 'equation' is missing");
	einsum *p = calloc(1, sizeof *p);
	if (!p)
		return li_err_set(err, LI_ENOMEM, "out of memory");
	l->p = p;
	if (parse_equation(l, eq, p, err) < 0)
		return LI_EDATA;
	if (json_is_integer(os)) {
		p->want[p->n_want++] = json_integer_value(os);
	} else if (json_is_array(os) && json_array_size(os) <= MAX_AXES) {
		for (size_t i = 0; i < json_array_size(os); i++) {
			const json_t *d = json_array_get(os, i);
			if (!json_is_integer(d) && !json_is_null(d))
				return li_layer_fail(l, err, "option 'output_shape' must hold sizes");
			p->want[p->n_want++] = json_is_integer(d) ? json_integer_value(d) : -1;
		}
	} else if (os) {
		return li_layer_fail(l, err, "option 'output_shape' must hold sizes");
	}
	if (li_act_parse(li_cfg_get(c, "activation"), o, &p->act, err) < 0) {
		li_err_prefix(err, "layer '%s' (%s)", l->name, l->class_name);
		return LI_EDATA;
	}
	if (!li_act_elementwise(&p->act))
		return li_layer_fail(l, err, "a softmax activation is not supported here");
	/* bias: the output's axes from the first bias letter on (1 on the others) */
	int first = -1;
	if (bias_axes) {
		if (strlen(bias_axes) > MAX_AXES)
			return li_layer_fail(l, err, "option 'bias_axes' is too long");
		for (const char *b = bias_axes; *b; b++) {
			const char *at = strchr(p->out, *b);
			if (!at)
				return li_layer_fail(l, err, "bias axis '%c' is not an output axis", *b);
			if (first < 0 || at - p->out < first)
				first = (int)(at - p->out);
		}
		strcpy(p->bias_axes, bias_axes);
	}
	static const char *const want[] = { "kernel", "bias" };
	const li_weight *x[2];
	if (li_weights_pick(l, w, n_w, want, bias_axes ? 2 : 1, x, err) < 0)
		return LI_EDATA;
	if (x[0]->a.rank != (int)strlen(p->ker) || x[0]->a.dtype != LI_DTYPE_F32)
		return li_layer_fail(l, err, "weight 'kernel' has rank %d, the equation needs %d",
				     x[0]->a.rank, (int)strlen(p->ker));
	p->krank = x[0]->a.rank;
	memcpy(p->kshape, x[0]->a.shape, sizeof(int64_t) * (size_t)p->krank);
	if (bias_axes) {
		/* bias dims: kernel sizes of bias letters, 1 elsewhere; input-sized bias axes
		 * are checked against the input in out_shape */
		int64_t bd[MAX_AXES];
		int nb = 0;
		for (const char *c = p->out + first; *c; c++) {
			const char *kp = strchr(p->ker, *c);
			bd[nb] = !strchr(bias_axes, *c) ? 1 : kp ? p->kshape[kp - p->ker] :
				(x[1]->a.rank > nb ? x[1]->a.shape[nb] : -1);
			nb++;
		}
		if (li_weight_check(l, x[1], nb, bd, err) < 0)
			return LI_EDATA;
		p->bias_n = li_array_count(&x[1]->a);
		if (!(p->bias = li_floats_dup(&x[1]->a)))
			return li_err_set(err, LI_ENOMEM, "out of memory");
	}
	if (!(p->kernel = li_floats_dup(&x[0]->a)))
		return li_err_set(err, LI_ENOMEM, "out of memory");
	return 0;
}

/* The equation resolved against an input: full letters of input and output (with the
 * batch, elision expanded to digits) and each letter's size (batch: 0). */
typedef struct plan {
	char in[MAX_AXES + 1], out[MAX_AXES + 1];
	int64_t size[128];
} plan;

static int resolve(const li_layer *l, const einsum *p, const li_shape *s, plan *q, li_err *err)
{
	int r = s->rank + 1;          /* with the batch axis */
	int n_el = p->elided ? r - (int)strlen(p->in) : 0;
	if (n_el < 0 || (!p->elided && r != (int)strlen(p->in)) || n_el > 9)
		return li_layer_fail(l, err, "an input of rank %d does not fit equation input "
				     "\"%s%s\"", r, p->elided ? "..." : "", p->in);
	memset(q, 0, sizeof *q);
	for (int i = 0; i < n_el; i++)
		q->in[i] = q->out[i] = (char)('0' + i);
	strcpy(q->in + n_el, p->in);
	strcpy(q->out + n_el, p->out);
	for (int i = 0; i < 128; i++)
		q->size[i] = -2;
	for (int i = 1; i < r; i++)
		q->size[(unsigned char)q->in[i]] = s->dim[i - 1];
	q->size[(unsigned char)q->in[0]] = 0;
	if (q->in[0] != q->out[0])
		return li_layer_fail(l, err, "equation: the input's first (batch) axis must be the "
				     "output's first");
	for (int i = 0; i < p->krank; i++) {
		int64_t *z = &q->size[(unsigned char)p->ker[i]];
		if (*z != -2 && *z != p->kshape[i] && *z >= 0) {
			char t[200];
			li_shape_text(s, t, sizeof t);
			return li_layer_fail(l, err, "input shape %s does not fit the kernel on axis "
					     "'%c'", t, p->ker[i]);
		}
		*z = p->kshape[i];
	}
	return 0;
}

/* The output letters from the first bias axis on (the bias spans them). */
static const char *bias_start(const einsum *p, const plan *q)
{
	const char *first = q->out + strlen(q->out);
	for (const char *b = p->bias_axes; *b; b++) {
		const char *at = strchr(q->out, *b);
		if (at && at < first)
			first = at;
	}
	return first;
}

static int einsum_out_shape(const li_layer *l, int n_in, const li_shape *in, li_shape *out,
			    li_err *err)
{
	const einsum *p = l->p;
	plan q;
	if (n_in != 1)
		return li_layer_fail(l, err, "expected 1 input, got %d", n_in);
	if (resolve(l, p, &in[0], &q, err) < 0)
		return LI_EDATA;
	int ro = (int)strlen(q.out) - 1;
	if (ro > LI_MAX_RANK)
		return li_layer_fail(l, err, "output rank is too large");
	out->rank = ro;
	for (int i = 0; i < ro; i++)
		out->dim[i] = q.size[(unsigned char)q.out[i + 1]];
	/* the configured output_shape (Keras: the output without the batch; with left
	 * elision, its trailing axes) */
	for (int i = 0; i < p->n_want && i < ro; i++) {
		int64_t got = out->dim[ro - p->n_want + i], want = p->want[i];
		if (p->n_want > ro || (want >= 0 && got >= 0 && want != got)) {
			char t[200];
			li_shape_text(out, t, sizeof t);
			return li_layer_fail(l, err, "output shape %s differs from option "
					     "'output_shape'", t);
		}
	}
	if (p->bias) {
		int64_t c = 1;
		const char *first = bias_start(p, &q);
		for (const char *o = first; *o; o++)
			if (strchr(p->bias_axes, *o))
				c *= q.size[(unsigned char)*o];
		if (c != p->bias_n)
			return li_layer_fail(l, err, "the bias does not fit the output");
	}
	return 0;
}

static int einsum_forward(const li_layer *l, int64_t n, int n_in, const li_shape *in_shape,
			  const float *const *in, const li_shape *out_shape, float *out,
			  li_err *err)
{
	const einsum *p = l->p;
	plan q;
	(void)n_in;
	if (li_shape_known(l, &in_shape[0], err) < 0 || resolve(l, p, &in_shape[0], &q, err) < 0)
		return LI_EDATA;
	/* per-row orders: free letters (output order, no batch), contracted (kernel order),
	 * kernel outputs (output order) */
	char fr[MAX_AXES + 8], co[MAX_AXES + 1], ko[MAX_AXES + 1];
	int nf = 0, nc = 0, nk = 0;
	int64_t F = 1, C = 1, K = 1;
	for (const char *o = q.out + 1; *o; o++) {
		if (strchr(q.in, *o)) {
			fr[nf++] = *o;
			F *= q.size[(unsigned char)*o];
		} else {
			ko[nk++] = *o;
			K *= q.size[(unsigned char)*o];
		}
	}
	for (const char *k = p->ker; *k; k++)
		if (strchr(q.in, *k)) {
			co[nc++] = *k;
			C *= q.size[(unsigned char)*k];
		}
	int64_t rows;
	if (li_mul_i64(n, F, &rows) < 0 || rows > INT_MAX || C > INT_MAX || K > INT_MAX)
		return li_layer_fail(l, err, "batch is too large");
	/* input row -> [free..., contracted...] */
	int perm[LI_MAX_RANK], kperm[MAX_AXES], operm[LI_MAX_RANK];
	for (int i = 0; i < nf; i++)
		perm[i] = (int)(strchr(q.in + 1, fr[i]) - (q.in + 1));
	for (int i = 0; i < nc; i++)
		perm[nf + i] = (int)(strchr(q.in + 1, co[i]) - (q.in + 1));
	for (int i = 0; i < nc; i++)
		kperm[i] = (int)(strchr(p->ker, co[i]) - p->ker);
	for (int i = 0; i < nk; i++)
		kperm[nc + i] = (int)(strchr(p->ker, ko[i]) - p->ker);
	int64_t ein = li_shape_elems(&in_shape[0]), eout = li_shape_elems(out_shape);
	float *xp = malloc(sizeof(float) * (size_t)(n * ein > 0 ? n * ein : 1));
	float *kp = malloc(sizeof(float) * (size_t)(C * K > 0 ? C * K : 1));
	float *yp = malloc(sizeof(float) * (size_t)(n * eout > 0 ? n * eout : 1));
	int rc = 0;
	if (!xp || !kp || !yp) {
		rc = li_err_set(err, LI_ENOMEM, "out of memory");
		goto out;
	}
	li_permute_rows(in[0], xp, n, &in_shape[0], perm);
	li_shape ks = { .rank = p->krank };
	memcpy(ks.dim, p->kshape, sizeof(int64_t) * (size_t)p->krank);
	li_permute_rows(p->kernel, kp, 1, &ks, kperm);
	if (rows > 0 && K > 0)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)rows, (int)K, (int)C,
			    1.0f, xp, (int)C, kp, (int)K, 0.0f, yp, (int)K);
	/* [free..., kernel outputs...] -> output order */
	li_shape ys = { .rank = nf + nk };
	for (int i = 0; i < nf; i++)
		ys.dim[i] = q.size[(unsigned char)fr[i]];
	for (int i = 0; i < nk; i++)
		ys.dim[nf + i] = q.size[(unsigned char)ko[i]];
	char yo[MAX_AXES * 2 + 2];
	memcpy(yo, fr, (size_t)nf);
	memcpy(yo + nf, ko, (size_t)nk);
	for (int i = 0; i < nf + nk; i++)
		operm[i] = (int)((char *)memchr(yo, q.out[i + 1], (size_t)(nf + nk)) - yo);
	li_permute_rows(yp, out, n, &ys, operm);
	if (p->bias) {
		/* the bias repeats over the output's axes before the first bias axis */
		int64_t period = 1;
		const char *first = bias_start(p, &q);
		for (const char *o = first; *o; o++)
			period *= q.size[(unsigned char)*o];
		/* element j of a period maps to the bias by skipping non-bias axes */
		int64_t total = n * eout;
		for (int64_t i = 0; i < total; i++) {
			int64_t j = i % period, bi = 0, mul = 1;
			for (const char *o = q.out + strlen(q.out) - 1; o >= first; o--) {
				int64_t z = q.size[(unsigned char)*o], d = j % z;
				j /= z;
				if (strchr(p->bias_axes, *o)) {
					bi += d * mul;
					mul *= z;
				}
			}
			out[i] += p->bias[bi];
		}
	}
	if (p->act.kind != LI_ACT_LINEAR)
		for (int64_t r = 0; r < n; r++)
			li_act_apply_elems(&p->act, out + r * eout, eout);
out:
	free(xp);
	free(kp);
	free(yp);
	return rc;
}

static const char *const einsum_classes[] = { "EinsumDense", NULL };
const li_layer_ops li_einsum_dense_ops = {
	einsum_classes, einsum_parse, einsum_out_shape, einsum_forward, einsum_free,
};
