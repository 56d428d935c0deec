/*
 * Shared by the spatial layer families (layers_conv.c, layers_conv_transpose.c,
 * layers_sepconv.c, layers_pool.c, layers_resize.c): config readers for the options that
 * every spatial layer spells the same way (Keras 1/2/3 and TF.js names), the window
 * geometry of TensorFlow (valid / same with the odd pixel after / causal), the layout
 * change between channels_first and channels_last, and the convolution core (im2col +
 * cblas_sgemm over a chunk of batch rows, bias and activation fused).
 *
 * Inside, every spatial tensor is a "grid": three spatial dims (1D and 2D layers put 1s in
 * front: Conv1D is D = H = 1) and the channel count, channels last. Not for cmd/.
 */
#ifndef LI_LAYERS_SPATIAL_H
#define LI_LAYERS_SPATIAL_H

#include "activations.h"
#include "layers_internal.h"

enum { LI_PAD_VALID, LI_PAD_SAME, LI_PAD_CAUSAL };

/* Bounds that keep every window and shape product inside int64: per-axis options
 * (kernel size, strides, dilation, pool size, padding, upsampling factors) and input
 * dimensions. */
#define LI_SP_MAX ((int64_t)1 << 20)
#define LI_SP_MAX_DIM ((int64_t)1 << 31)

/* A batch row's spatial layout, channels last: dim[0..2] (D, H, W), c channels. */
typedef struct li_grid {
	int64_t dim[3], c;
} li_grid;

/* data_format (Keras 2/3, TF.js "channelsFirst") or dim_ordering (Keras 1 "th"/"tf"). */
int li_sp_format(const li_layer *l, const json_t *c, int *cfirst, li_err *err);
/* An int or a list of rank ints, each in [lo, LI_SP_MAX]; absent: def for every axis. */
int li_sp_ints(const li_layer *l, const json_t *c, const char *keys, int rank, int64_t def,
	       int64_t lo, int64_t *out, li_err *err);
/* padding / border_mode: "valid", "same", "causal" (only when causal_ok). */
int li_sp_padding(const li_layer *l, const json_t *c, int causal_ok, int *mode, li_err *err);

/* Output length and padding before for a window of k, stride s, dilation d on in cells;
 * -1 when no window fits ('valid' on too short an input). */
int li_sp_window(int mode, int64_t in, int64_t k, int64_t s, int64_t d, int64_t *out,
		 int64_t *before);

/* The grid of a per-row shape of a layer with rank spatial dims; -1 when the rank is
 * wrong or a dim unknown or non-positive. */
int li_sp_grid(const li_shape *row, int rank, int cfirst, li_grid *g);
/* The per-row shape of grid g as the layer shows it. */
void li_sp_shape(const li_grid *g, int rank, int cfirst, li_shape *row);
/* Fails naming the layer with the input shape unless in is a rank-spatial-dims input. */
int li_sp_in_grid(const li_layer *l, const li_shape *in, int rank, int cfirst, li_grid *g,
		  li_err *err);

/* A layer's computation on channels-last grids (n rows). */
typedef int (*li_sp_core)(const li_layer *l, int64_t n, const li_grid *gi, const float *x,
			  const li_grid *go, float *y, li_err *err);
/*
 * Runs core on n rows, changing channels_first data to channels-last and back around it
 * (scratch taken per call), then applies act when it is not elementwise (softmax along
 * an axis of the layer's own output layout). act may be NULL.
 */
int li_sp_run(const li_layer *l, int64_t n, int rank, int cfirst, const li_shape *in_shape,
	      const float *in, const li_shape *out_shape, float *out, const li_act *act,
	      li_sp_core core, li_err *err);

/* A convolution: kernel [k0*k1*k2][cin/groups][cout] (Keras' layout, 3-D normalised). */
typedef struct li_conv {
	int64_t k[3], s[3], d[3];
	int pad;
	int64_t cin, cout, groups;
	float *kernel, *bias;  /* owned; bias may be NULL */
	li_act act;            /* applied here when elementwise */
	float *wino;           /* owned: the Winograd-transformed kernel, or NULL */
} li_conv;

/* The taps k < kn of a window starting at cell first with dilation d whose cell first +
 * k * d lies in [0, dim): [*lo, *hi), empty when *hi <= *lo. */
void li_sp_taps(int64_t first, int64_t d, int64_t kn, int64_t dim, int64_t *lo, int64_t *hi);
/* Output grid of c on input gi; -1 when the window does not fit. */
int li_conv_out(const li_conv *c, const li_grid *gi, li_grid *go);
/* The output grid of c on the one input in (rank spatial dims); fails naming the layer
 * and the input shape unless there is one input, with c->cin channels, that the window
 * fits. */
int li_conv_shape(const li_layer *l, int n_in, const li_shape *in, int rank, int cfirst,
		  const li_conv *c, li_grid *go, li_err *err);
/* y = act(conv(x) + bias) on n rows (channels last). */
int li_conv_forward(const li_conv *c, int64_t n, const li_grid *gi, const float *x,
		    const li_grid *go, float *y, li_err *err);
/* Bias plus elementwise activation on rows of c values (bias may be NULL). */
void li_bias_act(float *y, int64_t rows, int64_t c, const float *bias, const li_act *act);

/*
 * Winograd F(2x2, 3x3) (conv_winograd.c), for 3x3 stride-1 undilated convolutions
 * without groups, 'same' or 'valid', with at least LI_WINO_MIN_CH input and output
 * channels (below that the sgemms are too small to gain from fewer multiplications).
 */
#define LI_WINO_MIN_CH 16
/* Whether c is such a convolution. */
int li_wino_fits_kernel(const li_conv *c);
/* Sets c->wino from c->kernel (freeing an old one) when c fits, else leaves it NULL;
 * call again whenever the kernel changes. 0 or LI_ENOMEM. */
int li_wino_prepare(li_conv *c);
/* The 2x2 output tiles of one batch row of output grid go. */
int64_t li_wino_tiles(const li_grid *go);
/* Scratch floats li_wino_block needs for blocks of up to chunk tiles. */
int64_t li_wino_scratch(const li_conv *c, int64_t chunk);
/* y = act(conv(x) + bias) on the output cells of tiles [t0, t0 + nt) of the batch (tile
 * q: row q / tiles, then row-major over the tile grid); pad: the padding before. */
void li_wino_block(const li_conv *c, const li_grid *gi, const li_grid *go, const int64_t *pad,
		   const float *x, int64_t t0, int64_t nt, float *scratch, float *y);

/*
 * Reads the kernel weight into Keras' (k..., cin/groups, cout) layout: accepts that layout,
 * Keras 1 Theano layout (cout, cin, k...) when th (flipped spatially: Theano convolved),
 * and Keras 1 Conv1D's (k, 1, cin, cout). kdims[rank]; *cin_g gets the kernel's input
 * channels. A malloc'd copy or NULL (err set).
 */
float *li_sp_kernel(const li_layer *l, const li_weight *w, int rank, const int64_t *kdims,
		    int64_t cout, int th, int64_t *cin_g, li_err *err);

/* Helpers in layers_conv.c. 1, 2 or 3 from a class name holding "1D".."3D" (else 0). */
int li_sp_rank(const char *cls);
/* kernel_size, or Keras 1's filter_length / nb_row, nb_col / kernel_dim1..3. */
int li_sp_kernel_size(const li_layer *l, const json_t *c, int rank, int64_t *k, li_err *err);
/* strides and dilation_rate (Keras 1 subsample, atrous_rate); both > 1 is refused. */
int li_sp_strides_dilation(const li_layer *l, const json_t *c, int rank, int64_t *s,
			   int64_t *d, li_err *err);
/* rank per-axis values into 3-D normalised form (leading 1s). */
void li_sp_three(int rank, const int64_t *v, int64_t *out3);

#endif
