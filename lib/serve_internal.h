/*
 * What lib/serve.c (HTTP, security, the page's files) and lib/serve_api.c (the JSON API
 * over the inspector) share. Not for cmd/.
 */
#ifndef LI_SERVE_INTERNAL_H
#define LI_SERVE_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

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

/* A project the server can show: one, or each of a folder's. */
typedef struct li_serve_project {
	char *name;                 /* the folder's name (what the page shows and sends) */
	char *dir;                  /* its path (never sent) */
	char *problem;              /* why it cannot be used (no path), or NULL */
} li_serve_project;

/* A view asked for: a project, a cut and a method. */
typedef struct li_serve_choice {
	int project;
	char dir[1024];
	char cut[256];              /* "" for the project's default */
	char method[16];            /* "" for the project's default */
	int auto_tune;
} li_serve_choice;

/*
 * The view being prepared in the background, and how the last one ended; under jlock.
 * The newest choice wins: a choice made while one prepares waits in next (replacing any
 * choice waiting before it) and the running one is superseded: when it ends, it is not
 * shown (its cache stays) and next starts. A choice of the view shown supersedes the
 * running one with nothing next; a choice of the running one clears both.
 */
typedef struct li_serve_job {
	int active;
	li_serve_choice run;        /* what is being prepared */
	int superseded;             /* run will not be shown */
	int has_next;
	li_serve_choice next;       /* what starts when run ends */
	char stage[200];            /* the preparation's progress */
	int64_t done, total;
	char error[600];            /* the last failed preparation (no path), or "" */
} li_serve_job;

struct li_serve {
	struct MHD_Daemon *d;
	pthread_mutex_t lock;       /* held around every use of ins and of the lists below */
	li_inspect *ins;            /* the view shown; NULL before a project is chosen */
	const li_project *p;        /* its project */
	li_inspect *given_ins;      /* li_serve_start's: never freed here */
	li_project *own_p;          /* the shown view's project when the server loaded it */
	int view;                   /* numbers the views shown, from 1 */
	int project;                /* index of the shown project; -1 none */
	li_serve_project *projects;
	int n_projects;
	int folder;                 /* serving a folder of projects */
	pthread_mutex_t jlock;      /* guards job and abandoned */
	li_serve_job job;
	int abandoned;              /* stopped while a job ran: the job frees its own */
	pthread_mutex_t render_lock; /* one render command at a time */
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

/* Sets the projects to the one given (borrowed, with its prepared ins) or to dir's
 * subfolders; 0 or negative. li_serve_views_free releases them and the views. */
int li_serve_views_single(li_serve *s, li_inspect *ins, const li_project *p, li_err *err);
int li_serve_views_folder(li_serve *s, const char *dir, li_err *err);
/* Frees the views and projects; 1 when a job still runs (then s must not be freed). */
int li_serve_views_free(li_serve *s);
/* Starts preparing a view in the background, or queues it while another prepares
 * (li_serve_job; jlock taken here; s->lock must be held to read the shown view). Fills
 * r with the answer (202 "preparing" or "queued", or an error). */
void li_serve_prepare(li_serve *s, int project, const char *cut, const char *method,
		      int auto_tune, li_serve_reply *r);
/* The view shown was chosen again: a view being prepared will not replace it. */
void li_serve_keep_view(li_serve *s);
/* Writes the job's state as JSON members (no braces) into f. */
void li_serve_job_json(li_serve *s, FILE *f);

/* Writes s as a JSON string (escaped) into f. */
void li_serve_json_str(FILE *f, const char *s);

/* A query argument of the request (NULL when absent). */
typedef const char *(*li_serve_arg_fn)(void *conn, const char *name);

/*
 * Answers one API request (path below "/api/"; method "GET" or "POST"; body the POST's
 * bytes, NUL-terminated). Fills r (status and body). Takes s->lock itself.
 */
void li_serve_api(li_serve *s, const char *method, const char *path, li_serve_arg_fn arg,
		  void *conn, const char *body, size_t n_body, li_serve_reply *r);

#endif
