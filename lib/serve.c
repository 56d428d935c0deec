/*
 * The inspector's web server (serve.h): binding, the token and its cookie, the Host
 * check, bounded requests, the page's built-in files, and the JSON errors. What the API
 * answers is in serve_api.c.
 *
 * libmicrohttpd calls answer() several times per request: first with the headers (where
 * everything that can be refused early is refused), then once per piece of the body
 * (collected up to LI_SERVE_MAX_BODY), then once with nothing left, where the answer is
 * made. Its threads answer requests side by side; the inspector itself is used under
 * one lock (serve_api.c).
 */
#include "serve_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

/* One request's state between the calls of answer(). */
typedef struct request {
	char *body;
	size_t n, m;
	int too_big;
	int refused;                /* answered already at the headers */
} request;

int li_serve_error(li_serve_reply *r, int status, const char *fmt, ...)
{
	char msg[512], *out = NULL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	/* msg is ours (no user bytes beyond a few checked characters), but escape anyway */
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f) {
		fputs("{\"error\": \"", f);
		for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
			if (*p == '"' || *p == '\\')
				fprintf(f, "\\%c", *p);
			else if (*p < 0x20)
				fputc(' ', f);
			else
				fputc(*p, f);
		fprintf(f, "\", \"status\": %d}\n", status);
		fclose(f);
	}
	free(r->body);
	r->status = status;
	r->type = "application/json";
	r->body = out;
	r->size = out ? len : 0;
	return status;
}

/* Constant-time comparison of a presented token with ours. */
static int token_ok(const li_serve *s, const char *t)
{
	if (!t)
		return 0;
	size_t n = strlen(t);
	if (n != 32)
		return 0;
	unsigned char diff = 0;
	for (size_t i = 0; i < 32; i++)
		diff |= (unsigned char)(t[i] ^ s->token[i]);
	return diff == 0;
}

/* The value of cookie name in a Cookie header, copied into buf; NULL when absent. */
static const char *cookie_value(const char *header, const char *name, char *buf, size_t n)
{
	size_t ln = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ' || *p == ';')
			p++;
		if (!strncmp(p, name, ln) && p[ln] == '=') {
			const char *v = p + ln + 1;
			size_t k = strcspn(v, ";");
			if (k >= n)
				return NULL;
			memcpy(buf, v, k);
			buf[k] = 0;
			return buf;
		}
		p = strchr(p, ';');
	}
	return NULL;
}

/*
 * The Host header against DNS rebinding: a loopback name on any port (so a tunnel's
 * local port works) and, bound elsewhere, the bound name. Case-insensitive names.
 */
static int host_ok(const li_serve *s, const char *h)
{
	if (!h || !*h || strlen(h) > 300)
		return 0;
	char name[320];
	snprintf(name, sizeof name, "%s", h);
	char *colon;
	if (name[0] == '[') {
		char *end = strchr(name, ']');
		if (!end)
			return 0;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return 0;
		end[1] = 0;
	} else {
		colon = strchr(name, ':');
		if (colon)
			*colon = 0;
	}
	if (colon) {
		const char *q = colon + 1;
		if (name[0] == '[')
			q = strchr(h, ']') + 2;
		if (!*q || strlen(q) > 5 || strspn(q, "0123456789") != strlen(q))
			return 0;
	}
	if (!strcasecmp(name, "localhost") || !strcmp(name, "127.0.0.1") ||
	    !strcmp(name, "[::1]"))
		return 1;
	if (!s->loopback && s->host[0]) {
		char bound[270];
		if (strchr(s->host, ':'))
			snprintf(bound, sizeof bound, "[%s]", s->host);
		else
			snprintf(bound, sizeof bound, "%s", s->host);
		return !strcasecmp(name, bound);
	}
	return 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, li_serve_reply *r,
				  const char *set_cookie, double ms)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->size, r->body ? r->body : (void *)"", r->body ? MHD_RESPMEM_MUST_FREE
							   : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(r->body);
		return MHD_NO;
	}
	r->body = NULL;
	MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data: blob:; "
				"style-src 'self'; script-src 'self'; frame-ancestors 'none'");
	if (set_cookie)
		MHD_add_response_header(resp, "Set-Cookie", set_cookie);
	if (ms >= 0) {
		/* the time the answer took here, for scripts/bench/inspect.sh and the browser */
		char st[64];
		snprintf(st, sizeof st, "app;dur=%.3f", ms);
		MHD_add_response_header(resp, "Server-Timing", st);
	}
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ok;
}

static enum MHD_Result refuse(struct MHD_Connection *c, int status, const char *msg)
{
	li_serve_reply r = {0};
	li_serve_error(&r, status, "%s", msg);
	return send_reply(c, &r, NULL, -1);
}

/* Sums the query arguments' sizes (they are bounded). */
static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	(void)kind;
	size_t *n = cls;
	*n += strlen(key) + (value ? strlen(value) : 0) + 2;
	return MHD_YES;
}

static const char *arg_of(void *conn, const char *name)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
}

static const li_serve_asset *find_asset(const char *url)
{
	if (!strcmp(url, "/"))
		url = "/index.html";
	for (const li_serve_asset *a = li_serve_assets; a->path; a++)
		if (!strcmp(a->path, url))
			return a;
	return NULL;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)version;
	li_serve *s = cls;
	request *q = *con_cls;
	if (!q) {
		/* the headers: refuse early what will never be answered */
		if (!(q = calloc(1, sizeof *q)))
			return MHD_NO;
		*con_cls = q;
		int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
		int post = !strcmp(method, "POST");
		size_t qn = 0;
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_arg, &qn);
		const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
		const char *err = NULL;
		int st = 0;
		if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")))
			st = 403, err = "the Host header does not name this server";
		else if (!get && !post)
			st = 405, err = "only GET and POST";
		else if (qn > LI_SERVE_MAX_QUERY || strlen(url) > 256)
			st = 414, err = "the request's address is too long";
		else if (len && strtoull(len, NULL, 10) > LI_SERVE_MAX_BODY)
			st = 413, err = "the request's body is too large";
		else if (get && len && strtoull(len, NULL, 10) > 0)
			st = 400, err = "a GET request has no body";
		if (st) {
			q->refused = 1;
			return refuse(c, st, err);
		}
		return MHD_YES;
	}
	if (q->refused) {
		*upload_size = 0; /* answered already: drop what still comes */
		return MHD_YES;
	}
	if (*upload_size) {
		if (!q->too_big) {
			if (q->n + *upload_size > LI_SERVE_MAX_BODY) {
				q->too_big = 1;
			} else {
				if (q->n + *upload_size + 1 > q->m) {
					size_t m = q->m ? q->m : 1024;
					while (m < q->n + *upload_size + 1)
						m *= 2;
					char *b = realloc(q->body, m);
					if (!b)
						return MHD_NO;
					q->body = b;
					q->m = m;
				}
				memcpy(q->body + q->n, upload, *upload_size);
				q->n += *upload_size;
				q->body[q->n] = 0;
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (q->too_big)
		return refuse(c, 413, "the request's body is too large");

	/* the token: the query's (first page load) or the cookie's */
	char buf[64];
	const char *qt = arg_of(c, "token");
	const char *ck = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
	const char *ct = ck ? cookie_value(ck, s->cookie, buf, sizeof buf) : NULL;
	int by_query = token_ok(s, qt);
	if (!by_query && !token_ok(s, ct))
		return refuse(c, 401, qt || ct ? "wrong token" : "a token is needed: open the address "
					     "li-inspect printed");
	int post = !strcmp(method, "POST");
	if (post) {
		/* a state change needs the token in a header, which no other site can set */
		const char *ht = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-LI-Token");
		if (!token_ok(s, ht))
			return refuse(c, 403, "a POST needs the token in the X-LI-Token header");
	}
	li_serve_reply r = {0};
	char cookie[160] = "";
	double ms = -1;
	if (!strncmp(url, "/api/", 5)) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		li_serve_api(s, method, url + 5, arg_of, c, q->body ? q->body : "", q->n, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	} else {
		const li_serve_asset *a = find_asset(url);
		if (!a)
			li_serve_error(&r, 404, "no such page");
		else if (post)
			li_serve_error(&r, 405, "only GET");
		else if ((r.body = malloc(a->size ? a->size : 1))) {
			memcpy(r.body, a->data, a->size);
			r.size = a->size;
			r.status = 200;
			r.type = a->type;
		} else {
			li_serve_error(&r, 500, "out of memory");
		}
		if (by_query && r.status == 200)
			snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict",
				 s->cookie, s->token);
	}
	if (r.status >= 500 && s->o.note && r.body) {
		char line[600];
		snprintf(line, sizeof line, "%s %s: %.500s", method, url, r.body);
		line[strcspn(line, "\n")] = 0;
		s->o.note(s->o.ctx, line);
	}
	return send_reply(c, &r, cookie[0] ? cookie : NULL, ms);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	request *q = *con_cls;
	if (q) {
		free(q->body);
		free(q);
	}
	*con_cls = NULL;
}

/* Resolves host (NULL: 127.0.0.1) into addr. 0 or negative. */
static int resolve(const char *host, int port, struct sockaddr_storage *addr, socklen_t *len,
		   li_err *err)
{
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	char ps[16];
	snprintf(ps, sizeof ps, "%d", port);
	int rc = getaddrinfo(host ? host : "127.0.0.1", ps, &hints, &res);
	if (rc || !res)
		return li_err_set(err, LI_EUSAGE, "host '%s' does not resolve: %s", host,
				  rc ? gai_strerror(rc) : "no address");
	/* prefer IPv4, as "localhost" usually means 127.0.0.1 */
	struct addrinfo *pick = res;
	for (struct addrinfo *a = res; a; a = a->ai_next)
		if (a->ai_family == AF_INET) {
			pick = a;
			break;
		}
	memcpy(addr, pick->ai_addr, pick->ai_addrlen);
	*len = pick->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
	return 0;
}

/* The parts of a server both kinds share: options, locks, the token. */
static li_serve *server_new(const li_serve_opts *o, li_err *err)
{
	li_serve *s = calloc(1, sizeof *s);
	if (!s) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	if (o)
		s->o = *o;
	if (s->o.neighbors <= 0)
		s->o.neighbors = 5;
	if (s->o.neighbors > 50)
		s->o.neighbors = 50;
	if (s->o.render_timeout_ms <= 0)
		s->o.render_timeout_ms = 10000;
	s->project = -1;
	if (pthread_mutex_init(&s->lock, NULL)) {
		free(s);
		li_err_set(err, LI_ENOMEM, "cannot make a lock");
		return NULL;
	}
	if (pthread_mutex_init(&s->jlock, NULL)) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		li_err_set(err, LI_ENOMEM, "cannot make a lock");
		return NULL;
	}
	if (pthread_mutex_init(&s->render_lock, NULL)) {
		pthread_mutex_destroy(&s->jlock);
		pthread_mutex_destroy(&s->lock);
		free(s);
		li_err_set(err, LI_ENOMEM, "cannot make a lock");
		return NULL;
	}
	unsigned char rnd[16];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		li_err_set(err, LI_EIO, "no random token: %s", strerror(errno));
		li_serve_stop(s);
		return NULL;
	}
	for (int i = 0; i < 16; i++)
		snprintf(s->token + 2 * i, 3, "%02x", rnd[i]);
	return s;
}

/* Binds and starts the daemon. 0 or negative. */
static int listen_on(li_serve *s, li_err *err)
{
	snprintf(s->host, sizeof s->host, "%s", s->o.host ? s->o.host : "127.0.0.1");
	struct sockaddr_storage addr;
	socklen_t alen;
	if (s->o.port < 0 || s->o.port > 65535)
		return li_err_set(err, LI_EUSAGE, "port %d is not 0..65535", s->o.port);
	if (resolve(s->o.host, s->o.port, &addr, &alen, err))
		return -1;
	s->loopback = is_loopback(&addr);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, (uint16_t)s->o.port, NULL, NULL, answer, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)4,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
				MHD_OPTION_END);
	if (!s->d)
		return li_err_set(err, LI_EIO, "cannot listen on %s port %d (in use?)", s->host,
				  s->o.port);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : s->o.port;
	snprintf(s->cookie, sizeof s->cookie, "li_token_%d", s->port);
	int v6 = strchr(s->host, ':') != NULL;
	snprintf(s->url, sizeof s->url, "http://%s%s%s:%d/?token=%s", v6 ? "[" : "", s->host,
		 v6 ? "]" : "", s->port, s->token);
	return 0;
}

li_serve *li_serve_start(li_inspect *ins, const li_project *p, const li_serve_opts *o,
			 li_err *err)
{
	li_serve *s = server_new(o, err);
	if (!s)
		return NULL;
	if (li_serve_views_single(s, ins, p, err) || li_inspect_load_data(ins, err) ||
	    listen_on(s, err)) {
		li_serve_stop(s);
		return NULL;
	}
	return s;
}

li_serve *li_serve_start_folder(const char *dir, const li_serve_opts *o, li_err *err)
{
	li_serve *s = server_new(o, err);
	if (!s)
		return NULL;
	if (li_serve_views_folder(s, dir, err) || listen_on(s, err)) {
		li_serve_stop(s);
		return NULL;
	}
	return s;
}

void li_serve_stop(li_serve *s)
{
	if (!s)
		return;
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
	if (li_serve_views_free(s))
		return; /* a view is still being prepared: its thread has s */
	pthread_mutex_destroy(&s->render_lock);
	pthread_mutex_destroy(&s->jlock);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

const char *li_serve_url(const li_serve *s)
{
	return s->url;
}

int li_serve_loopback(const li_serve *s)
{
	return s->loopback;
}
