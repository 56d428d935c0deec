/*
 * What the Keras 3 .keras reader (keras3.c) and writer (keras3_save.c) share inside lib/:
 * the weights file's key rule (snake-cased class names with per-class counters, as
 * keras/src/saving/saving_lib.py's _save_container_state names them) and the table of
 * sub-layers by attribute name. cmd/ never includes this; it uses model.h / modelsave.h.
 */
#ifndef LI_KERAS3_H
#define LI_KERAS3_H

#include <jansson.h>
#include <stddef.h>

/*
 * The sub-layers a layer class keeps its variables in, by attribute name, in the order
 * the engine lists the layer's weights (Keras 2's weight_names order in .h5): LSTM ->
 * cell; Bidirectional -> forward_layer, backward_layer; MultiHeadAttention -> query_dense,
 * key_dense, value_dense, output_dense; ... A sub-layer whose own class matters (a
 * wrapper's inner layer, itself maybe an LSTM with a cell) names the config key(s) that
 * hold its entry ("backward_layer|layer": the first present). A new layer class with
 * sub-layers adds one line to the table in keras3.c; the reader, the writer and the
 * layer's parse (for the Keras 2 names, k2) all follow it: the one place that defines
 * these orders.
 */
typedef struct k3_sub {
	const char *attr;     /* attribute path element: "cell", "query_dense" */
	const char *cfg_key;  /* config key(s) of the sub-layer's entry, or NULL */
	const char *k2;       /* tf.keras 2's name of the sub-layer, which prefixes its
			       * weight names in .h5 ("query": "query/kernel"), or NULL */
} k3_sub;

typedef struct k3_sub_table {
	const char *cls;
	int n;
	k3_sub sub[4];
} k3_sub_table;

/* The table line of a class, or NULL when the class keeps its variables itself. */
const k3_sub_table *k3_subs(const char *cls);
/* The sub-layer entry {"class_name", "config"} under the first of keys present in cfg. */
const json_t *k3_sub_entry(const json_t *cfg, const char *keys);

/* naming.to_snake_case: "MaxPooling2D" -> "max_pooling2d", "L2NormLayer" ->
 * "l2_norm_layer". 0, or -1 when out (n bytes) is too small. */
int k3_snake(const char *name, char *out, size_t n);

/* Per-class counters: the first "dense", then "dense_1", "dense_2", ... */
typedef struct k3_keys {
	char **name;
	int *count;
	int n;
} k3_keys;
int k3_keys_init(k3_keys *k);
/* The next key for class cls into out (n bytes). 0, or -1 (out of memory, too long). */
int k3_keys_next(k3_keys *k, const char *cls, char *out, size_t n);
void k3_keys_release(k3_keys *k);

#endif
