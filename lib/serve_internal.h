/*
 * What lib/serve.c (HTTP, security, the page's files) and lib/serve_api.c (the JSON API
 * over the inspector) share. Not for cmd/.
 */
#ifndef LI_SERVE_INTERNAL_H
#define LI_SERVE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>

#include "serve.h"

/* A file of the page, compiled in from lib/web/ by scripts/embed-assets. */
typedef struct li_serve_asset {
	const char *path;          /* "/index.html" */
	const char *type;          /* its Content-Type */
	const unsigned char *data;
	size_t size;
} li_serve_asset;
extern const li_serve_asset li_serve_assets[];  /* ends with a NULL path */

#define LI_SERVE_MAX_BODY 65536   /* bytes of a POST body */
#define LI_SERVE_MAX_QUERY 2048   /* bytes of all query arguments together */

struct li_serve {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;       /* held around every use of ins and of the lists below */
	li_inspect *ins;
	const li_project *p;
	li_serve_opts o;
	char token[33];
	char cookie[48];            /* the cookie's name (carries the port) */
	char host[256];             /* the bound name as given */
	int loopback;
	int port;
	char url[400];
	int64_t clicks;             /* points evaluated so far (numbers the marks) */
};

/* An answer: status, a Content-Type and a body the reply owns (malloc). */
typedef struct li_serve_reply {
	int status;
	const char *type;
	char *body;
	size_t size;
} li_serve_reply;

/* Sets r to the JSON error {"error": msg, "status": status}; returns status. */
int li_serve_error(li_serve_reply *r, int status, const char *fmt, ...) LI_PRINTF(3, 4);

/* A query argument of the request (NULL when absent). */
typedef const char *(*li_serve_arg_fn)(void *conn, const char *name);

/*
 * Answers one API request (path below "/api/"; method "GET" or "POST"; body the POST's
 * bytes, NUL-terminated). Fills r (status and body). Takes s->lock itself.
 */
void li_serve_api(li_serve *s, const char *method, const char *path, li_serve_arg_fn arg,
		  void *conn, const char *body, size_t n_body, li_serve_reply *r);

#endif
