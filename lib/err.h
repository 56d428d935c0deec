/*
 * Error reporting for the library. A failing call fills a caller-provided li_err with
 * a code and a one-line message; the first error wins, so a low-level message is not
 * overwritten by the callers that pass it up. Messages are lower case, without a final
 * full stop, and never name the program or the file: cmd/ adds those.
 */
#ifndef LI_ERR_H
#define LI_ERR_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define LI_RESULT_USED __attribute__((warn_unused_result))
#define LI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LI_RESULT_USED
#define LI_PRINTF(f, a)
#endif

enum {
	LI_OK = 0,
	LI_EDATA = -1,  /* bad data, model or file contents */
	LI_EIO = -2,    /* the system refused a read or write */
	LI_ENOMEM = -3, /* out of memory */
	LI_EUSAGE = -4, /* the caller asked for something impossible */
	LI_EEND = -5,   /* clean end of a stream: no byte of a new item was read */
};

typedef struct li_err {
	int code;       /* LI_OK, or one of the negative codes above */
	char msg[512];
} li_err;

/* Clears e (NULL allowed). */
void li_err_clear(li_err *e);

/* Records an error in e unless one is recorded already. Returns code, so that
 * `return li_err_set(e, LI_EDATA, "...")` reads naturally. e may be NULL. */
int li_err_set(li_err *e, int code, const char *fmt, ...) LI_PRINTF(3, 4);

/* Where a file must hold an item (an array, a label list), its clean end before any
 * byte (LI_EEND) is bad data: turns it into LI_EDATA "empty file". Any other error, or
 * none, is left as it is. Returns e->code. */
int li_err_empty_file(li_err *e);

/* Prefixes the recorded message with "what: " (for adding context on the way up). */
void li_err_prefix(li_err *e, const char *fmt, ...) LI_PRINTF(2, 3);

/* a * b into *out; returns -1 (and leaves *out untouched) when it would overflow. */
int li_mul_size(size_t a, size_t b, size_t *out) LI_RESULT_USED;
int li_mul_i64(int64_t a, int64_t b, int64_t *out) LI_RESULT_USED;

#endif
