/*
 * Declarations shared by the layer family files (layers_*.c, activations.c) and layers.c:
 * the family ops records, config readers that name the layer and option in their
 * messages, weight matching, and axis helpers. Not for cmd/.
 */
#ifndef LI_LAYERS_INTERNAL_H
#define LI_LAYERS_INTERNAL_H

#include "activations.h"
#include "layer.h"

/* The family records listed in layers.c. */
extern const li_layer_ops li_dense_ops;
extern const li_layer_ops li_activation_ops, li_prelu_ops;
extern const li_layer_ops li_input_ops, li_identity_ops, li_flatten_ops, li_reshape_ops,
	li_permute_ops, li_repeat_vector_ops;
extern const li_layer_ops li_rescaling_ops, li_normalization_ops, li_batch_norm_ops,
	li_layer_norm_ops;
extern const li_layer_ops li_merge_ops, li_concatenate_ops, li_dot_ops, li_merge1_ops;
extern const li_layer_ops li_rnn_ops, li_bidirectional_ops, li_time_distributed_ops,
	li_embedding_ops, li_masking_ops;
extern const li_layer_ops li_conv_ops, li_conv_transpose_ops, li_sepconv_ops,
	li_depthwise_ops, li_pool_ops, li_resize_ops;
extern const li_layer_ops li_mha_ops, li_attention_ops, li_einsum_dense_ops,
	li_group_norm_ops, li_unit_norm_ops;

/* Sets err to "layer 'NAME' (CLASS): MESSAGE"; returns LI_EDATA. */
int li_layer_fail(const li_layer *l, li_err *err, const char *fmt, ...) LI_PRINTF(3, 4);

/*
 * Config readers. An absent key or JSON null gives def. A value of the wrong type is an
 * error naming the layer and the option. keys may list alternatives "units|output_dim"
 * (Keras 2/3 name first, then the Keras 1 name): the first one present is used.
 */
int li_cfg_int(const li_layer *l, const json_t *c, const char *keys, int64_t def,
	       int64_t *out, li_err *err);
int li_cfg_num(const li_layer *l, const json_t *c, const char *keys, double def, double *out,
	       li_err *err);
int li_cfg_bool(const li_layer *l, const json_t *c, const char *keys, int def, int *out,
		li_err *err);
/* Borrowed from c (valid while the config lives); def when absent or null. */
int li_cfg_str(const li_layer *l, const json_t *c, const char *keys, const char *def,
	       const char **out, li_err *err);
/* The value (borrowed) of the first key present and not null, or NULL. */
const json_t *li_cfg_get(const json_t *c, const char *keys);
/* An int or a list of ints (at most max): *n gets the count; absent/null gives *n = 0. */
int li_cfg_ints(const li_layer *l, const json_t *c, const char *keys, int64_t *v, int max,
		int *n, li_err *err);
/* Fails naming the option when the key is present, not null and not equal to the
 * harmless value (a JSON value as text, e.g. "false", "0"). */
int li_cfg_refuse(const li_layer *l, const json_t *c, const char *key, const char *harmless,
		  li_err *err);

/*
 * Matches the weights a layer needs. want[i] names one weight, alternatives separated by
 * '|' ("kernel|W"). Weights are matched by short name; when none of the given names is
 * recognised (e.g. a format that numbers them), by position in saving order. Missing,
 * extra or repeated weights are errors naming the layer. out[i] borrows w.
 */
int li_weights_pick(const li_layer *l, const li_weight *w, int n_w, const char *const *want,
		    int n_want, const li_weight **out, li_err *err);
/* Checks that weight x has exactly the shape (rank dims); the message names the layer,
 * the weight and both shapes. */
int li_weight_check(const li_layer *l, const li_weight *x, int rank, const int64_t *dims,
		    li_err *err);
/* The 'activation' option and the kernel (x[0]) and, with use_bias, bias (x[1]) weights
 * ("kernel|W", "bias|b") of Dense and the convolutions; messages name the layer. */
int li_act_kernel_bias(li_layer *l, const json_t *c, const li_origin *o, const li_weight *w,
		       int n_w, int use_bias, li_act *act, const li_weight **x, li_err *err);
/* A malloc'd copy of bias weight b after checking that it holds n floats. */
int li_bias_copy(const li_layer *l, const li_weight *b, int64_t n, float **bias, li_err *err);
/* Fails unless the layer was given no weights. */
int li_weights_none(const li_layer *l, int n_w, li_err *err);

/* "(3, 4)"-style text of a per-row shape with the batch axis shown as None. */
void li_shape_text(const li_shape *s, char *buf, size_t n);
/* Keras axis (counting the batch axis as 0, negative from the end) to a per-row axis
 * index 0..rank-1; -1 when it is the batch axis or out of range. */
int li_axis_row(int64_t axis, int row_rank);
/* Fails naming the layer when in has unknown dims (forward needs them). */
int li_shape_known(const li_layer *l, const li_shape *in, li_err *err);
/* Permutes the axes of each of n rows of shape s: output axis i is input axis perm[i].
 * in and out must not overlap. */
void li_permute_rows(const float *in, float *out, int64_t n, const li_shape *s,
		     const int *perm);
/* A malloc'd copy of a float32 array's data (at least one float); NULL on failure. */
float *li_floats_dup(const li_array *a);
/* Duplicates a string; NULL on failure. */
char *li_strdup(const char *s);

#endif
