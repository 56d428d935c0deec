/*
 * What the model writers share inside lib/: the part of a model being written (modelsave.c
 * builds it from the layer graph) as a list of entries, one per layer of the written
 * model, with their configs in the tf.keras 2.4 dialect. modelsave.c writes it as a Keras
 * .h5 (h5save.c); keras3_save.c as a Keras 3 .keras zip.
 */
#ifndef LI_MODELSAVE_INTERNAL_H
#define LI_MODELSAVE_INTERNAL_H

#include "model_internal.h"

typedef struct ms_entry {
	char *name;
	const char *cls;
	json_t *config;    /* owned: the config as written (tf.keras 2.4 dialect) */
	json_t *nodes;     /* owned: inbound_nodes, list form [[["name", call, 0, {}], ...]] */
	int n_calls;
	int wrow;          /* the row holding the layer's weights, or -1 */
	int first_in;      /* entry read by call 0 (chain test), -1 for none / several */
} ms_entry;

typedef struct ms_part {
	const li_model *m;
	int kind, row;
	char *in;          /* rows in the part */
	int *ent, *call;   /* per row: entry and call index (-1) */
	int *lent;         /* per li_layer: its entry (-1) */
	ms_entry *e;
	int n_e;
	int n_in, n_out;
	int *ins, *outs;   /* part input and output rows (owners) */
} ms_part;

/* The row whose tensor row r stands for (nested models' identity rows borrow). */
int ms_owner(const ms_part *p, int r);
/* 1 when the part is a chain (written as a Sequential): one input, each layer called
 * once on the one before. */
int ms_is_chain(const ms_part *p);
/* The model's class names as a JSON array (malloc'd), or NULL when it has none. */
char *ms_class_names_text(const li_model *m);

/* Writes the part as a Keras 3 .keras zip at path (atomically), the model named name. */
int li_keras3_save(const ms_part *p, const char *name, const char *path, li_err *err)
	LI_RESULT_USED;

#endif
