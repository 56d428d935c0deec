/*
 * Saving a model, or the part of it before or after a cut, as a Keras whole-model .h5
 * file in the tf.keras 2.4 layout (lib/h5save.h) or as a Keras 3 .keras zip. Used by
 * li-split and li-convert.
 *
 * The part's config is written in the tf.keras 2.4 dialect: "Sequential" (InputLayer
 * first) where the part is a chain of single-input layers, else "Functional" with
 * inbound_nodes in list form. Nested models are flattened: an inner layer "outer/inner"
 * becomes a top-level layer "outer_inner" ('/' and '@' become '_'; a clash gets a
 * number). A layer called several times stays one layer with several calls. The tail of
 * a cut starts from a new InputLayer of the cut row's shape (batch dimension null),
 * named "<cut>_input" (the model input's own config when the cut is a model input).
 *
 * Meaning is kept: keras_version and backend are the source's (so the engine and Keras'
 * own loader apply the same version rules and weight conversions), weights are written
 * as the source file holds them, Keras 1 option names are written in their Keras 2
 * spelling, Keras 3 dtype policies become plain dtype strings and InputLayer shapes
 * batch_input_shape, and the settings whose defaults differ between versions are stated
 * explicitly (LSTM/GRU recurrent_activation, GRU reset_after, Softmax axis,
 * UpSampling interpolation, BatchNormalization / LayerNormalization epsilon). What a
 * config cannot state (hard_sigmoid's formula, the bilinear sampling rule) follows from
 * the kept keras_version. Class names (li_class_names) go with the whole model and the
 * tail. Same model, same cut: byte-identical files.
 */
#ifndef LI_MODELSAVE_H
#define LI_MODELSAVE_H

#include "model.h"

enum {
	LI_PART_WHOLE,  /* the whole model (conversion) */
	LI_PART_HEAD,   /* row and every row it depends on; output: row */
	LI_PART_TAIL    /* everything after row; input: row's output */
};

/* Output formats: a Keras whole-model .h5 (tf.keras 2.4 layout) or a Keras 3 .keras zip
 * (keras3_save.c; see doc/keras3.md). */
enum { LI_SAVE_H5, LI_SAVE_KERAS };

/* The format an output name asks for: ".keras" -> LI_SAVE_KERAS, ".h5"/".hdf5" ->
 * LI_SAVE_H5, anything else -> fallback. */
int li_model_save_format(const char *path, int fallback);

/*
 * Writes the part of m to path (atomically) in the given LI_SAVE_* format. For .keras, a
 * part whose meaning a Keras 3 config cannot state (Keras 2's hard_sigmoid, TF.js's
 * bilinear rule, a class Keras 3 lacks, a layer this build cannot run) is refused with
 * LI_EDATA saying why; nothing is written then.
 */
int li_model_save_part_as(const li_model *m, int part, int row, const char *path, int format,
			  li_err *err) LI_RESULT_USED;

/*
 * Writes the part of m to path (atomically), in the format path's extension names (.h5
 * when it names none). For HEAD and TAIL, row must be a split
 * point (li_model_is_split); otherwise LI_EDATA naming the tensors that cross the cut.
 * A part holding a layer this build cannot run is written all the same (its config and
 * weights are kept). 0 or negative with err set.
 */
int li_model_save_part(const li_model *m, int part, int row, const char *path, li_err *err)
	LI_RESULT_USED;

/* The error text for a cut at row that is not a split point: "'a', 'b' cross the cut".
 * Writes into buf (n bytes). */
void li_model_crossing_str(const li_model *m, int row, char *buf, size_t n);

#endif
