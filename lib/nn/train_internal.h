/*
 * What train.c and train_act.c share (lib/ only): activation backward passes and losses.
 */
#ifndef LI_TRAIN_INTERNAL_H
#define LI_TRAIN_INTERNAL_H

#include "activations.h"
#include "train.h"

/* Whether a's backward pass exists here (softmax: on the last axis only). */
int li_train_act_ok(const li_act *a);
/* g (rows x width, dL/dy on entry) becomes dL/dz, from z and y = act(z). */
void li_train_act_backward(const li_act *a, int64_t rows, int64_t width, const float *z,
			   const float *y, float *g);
/*
 * The mean loss of rows outputs (rows x width): for the cross-entropies out holds logits,
 * for MSE the outputs and target the targets. g (may be NULL) gets dL/dout. *correct:
 * rows classified right (cross-entropies). -1 when a label is out of range.
 */
int li_train_loss_eval(int loss, int64_t rows, int64_t width, const float *out,
		       const int64_t *y, const float *target, float *g, double *l,
		       int64_t *correct);

#endif
