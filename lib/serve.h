/*
 * The inspector's web server (li-inspect --serve): one prepared project (inspect.h)
 * served to a browser page whose files are built into the library. The server runs in
 * its own threads (libmicrohttpd); every call into the inspector holds one lock, so
 * requests queue and are answered in order.
 *
 * Security, as CONVENTIONS "The inspector's web server" fixes it: it binds 127.0.0.1
 * unless told otherwise; every request needs the per-start random token (the query
 * parameter `token`, then the cookie the first page sets: HttpOnly, SameSite=Strict);
 * the Host header must name the server (bound to loopback: localhost, 127.0.0.1 or
 * [::1] on any port, so `ssh -L` works; bound elsewhere also the bound name), against
 * DNS rebinding; what changes state is a POST carrying the token in the X-LI-Token
 * header; no request names a file; bodies and queries are bounded; errors are JSON
 * objects {"error": "...", "status": N} that never hold a path.
 *
 * Views: the server shows one prepared view at a time (a project, a cut, a method). The
 * page may ask for another cut or method, or another project of a folder of projects:
 * that view is prepared in a thread of its own (cached as li-inspect caches, progress
 * readable meanwhile) while the server keeps answering, then replaces the shown one.
 * One view is prepared at a time and the newest choice wins: a choice made meanwhile
 * waits and the one being prepared is not shown (a preparation is not interrupted; what
 * it caches stays).
 *
 * Ownership: li_serve_start returns a server for li_serve_stop(); it borrows the
 * inspector and the project, which must outlive it. Views it prepares itself are its own.
 */
#ifndef LI_SERVE_H
#define LI_SERVE_H

#include <stdint.h>

#include "inspect.h"

typedef struct li_serve li_serve;

typedef struct li_serve_opts {
	const char *host;      /* a name or a numeric address; NULL: 127.0.0.1 */
	int port;              /* 0: any free port */
	int neighbors;         /* nearest training samples per click [5] */
	uint64_t seed;         /* of the map fits of the views it prepares */
	int threads;           /* their threads (0: the method's default) */
	int render_timeout_ms; /* a project's render command's time limit [10000] */
	/* Lines worth showing (a saved point, a failed request, a view's preparation); may
	 * be NULL. Called from the server's threads, possibly at once. */
	void (*note)(void *ctx, const char *line);
	void *ctx;
} li_serve_opts;

/*
 * Starts serving ins (prepared from p) and returns the server, or NULL with err set
 * (LI_EUSAGE: a host that does not resolve; LI_EIO: the port cannot be bound, the random
 * source failed). Loads the project's data rows (for hovering and nearest samples) first.
 */
li_serve *li_serve_start(li_inspect *ins, const li_project *p, const li_serve_opts *o,
			 li_err *err);
/*
 * Starts serving a folder of projects (each subfolder with a project.json; one that
 * cannot be read is listed with its problem): the page shows the list first and a project
 * is prepared when chosen. NULL with err set as li_serve_start; LI_EDATA when dir holds
 * no project.
 */
li_serve *li_serve_start_folder(const char *dir, const li_serve_opts *o, li_err *err);
/* 1 when dir has no project.json of its own but a subfolder with one. */
int li_serve_is_folder(const char *dir);

/* Stops the threads and frees the server. NULL allowed. A view still being prepared is
 * left to finish in its thread (the process is about to end). */
void li_serve_stop(li_serve *s);

/* The page's address with its token, e.g. "http://127.0.0.1:8080/?token=...".
 * Borrowed until li_serve_stop. */
const char *li_serve_url(const li_serve *s);
/* Whether the server listens on a loopback address only. */
int li_serve_loopback(const li_serve *s);

#endif
