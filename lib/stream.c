/*
 * A gzip-transparent input stream with its first bytes peeked, so that a format can be
 * recognised by content on a pipe (which cannot seek back) and every stream reader in
 * lib/ reads a plain FILE. The FILE is a glibc cookie stream: its read function first
 * hands back the peeked bytes, then reads the underlying FILE, inflating when the input
 * began with the gzip magic (1f 8b). Concatenated gzip members are read one after the
 * other, as gzip -d does. A corrupt or truncated gzip stream makes the read fail; the
 * reason is kept for li_stream_error().
 */
#include "data_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PEEK 16
#define INBUF (1 << 16)

struct li_stream {
	FILE *under;                  /* borrowed */
	FILE *fp;                     /* the cookie stream */
	int gz, z_open, z_end, eof;
	int direct;                   /* fp is the caller's f itself */
	z_stream z;
	unsigned char raw[PEEK];      /* raw bytes read for the gzip test, not yet used */
	size_t n_raw, raw_pos;
	unsigned char magic[PEEK];    /* the first content bytes, served first */
	size_t n_magic, magic_pos;
	unsigned char *in;
	char error[160];
};

/* Raw bytes: the peeked ones first, then the underlying FILE. */
static size_t raw_read(li_stream *s, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n && s->raw_pos < s->n_raw)
		buf[got++] = s->raw[s->raw_pos++];
	if (got < n)
		got += fread(buf + got, 1, n - got, s->under);
	return got;
}

static ssize_t fail(li_stream *s, const char *what)
{
	if (!s->error[0])
		snprintf(s->error, sizeof s->error, "%s", what);
	return -1;
}

/* Content bytes (inflated when gzip). Returns the count, 0 at the end, -1 on error. */
static ssize_t content_read(li_stream *s, unsigned char *buf, size_t n)
{
	if (s->error[0])
		return -1;
	if (!s->gz) {
		size_t got = raw_read(s, buf, n);
		if (got == 0 && ferror(s->under))
			return fail(s, "read error");
		return (ssize_t)got;
	}
	if (s->z_end)
		return 0;
	s->z.next_out = buf;
	s->z.avail_out = (uInt)(n > (1u << 30) ? 1u << 30 : n);
	while (s->z.avail_out > 0) {
		if (s->z.avail_in == 0 && !s->eof) {
			size_t got = raw_read(s, s->in, INBUF);
			if (got == 0) {
				if (ferror(s->under))
					return fail(s, "read error");
				s->eof = 1;
			}
			s->z.next_in = s->in;
			s->z.avail_in = (uInt)got;
		}
		int rc = inflate(&s->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			/* another member may follow */
			if (s->z.avail_in == 0 && !s->eof) {
				size_t got = raw_read(s, s->in, INBUF);
				s->z.next_in = s->in;
				s->z.avail_in = (uInt)got;
				if (got == 0)
					s->eof = 1;
			}
			if (s->z.avail_in == 0) {
				s->z_end = 1;
				break;
			}
			if (s->z.next_in[0] != 0x1f || (s->z.avail_in > 1 && s->z.next_in[1] != 0x8b))
				return fail(s, "bytes follow the gzip data");
			if (inflateReset(&s->z) != Z_OK)
				return fail(s, "corrupt gzip data");
			continue;
		}
		if (rc == Z_BUF_ERROR && s->eof && s->z.avail_in == 0)
			return fail(s, "truncated gzip data");
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			char msg[160];
			snprintf(msg, sizeof msg, "corrupt gzip data (%s)",
				 s->z.msg ? s->z.msg : "inflate failed");
			return fail(s, msg);
		}
	}
	return (ssize_t)(n - s->z.avail_out);
}

static ssize_t cookie_read(void *cookie, char *buf, size_t n)
{
	li_stream *s = cookie;
	size_t got = 0;
	while (got < n && s->magic_pos < s->n_magic)
		buf[got++] = (char)s->magic[s->magic_pos++];
	if (got)
		return (ssize_t)got;
	return content_read(s, (unsigned char *)buf, n);
}

static int cookie_close(void *cookie)
{
	(void)cookie;
	return 0;
}

li_stream *li_stream_open(FILE *f, li_err *err)
{
	li_stream *s = calloc(1, sizeof *s);
	if (!s) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		return NULL;
	}
	s->under = f;
	long start = ftell(f);
	s->n_raw = fread(s->raw, 1, PEEK, f);
	if (s->n_raw < PEEK && ferror(f)) {
		li_err_set(err, LI_EIO, "read error");
		goto fail;
	}
	if (s->n_raw >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
		s->gz = 1;
		s->in = malloc(INBUF);
		if (!s->in) {
			li_err_set(err, LI_ENOMEM, "out of memory");
			goto fail;
		}
		if (inflateInit2(&s->z, 16 + MAX_WBITS) != Z_OK) {
			li_err_set(err, LI_ENOMEM, "cannot start gzip decompression");
			goto fail;
		}
		s->z_open = 1;
	}
	/* a seekable plain file is read directly (readers may check its size) */
	if (!s->gz && start >= 0 && fseek(f, start, SEEK_SET) == 0) {
		memcpy(s->magic, s->raw, s->n_raw);
		s->n_magic = s->n_raw;
		s->fp = f;
		s->direct = 1;
		return s;
	}
	/* the content's first bytes */
	while (s->n_magic < PEEK) {
		ssize_t got = content_read(s, s->magic + s->n_magic, PEEK - s->n_magic);
		if (got < 0) {
			li_err_set(err, LI_EDATA, "%s", s->error);
			goto fail;
		}
		if (got == 0)
			break;
		s->n_magic += (size_t)got;
	}
	cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
	s->fp = fopencookie(s, "rb", io);
	if (!s->fp) {
		li_err_set(err, LI_ENOMEM, "out of memory");
		goto fail;
	}
	return s;
fail:
	li_stream_close(s);
	return NULL;
}

FILE *li_stream_file(li_stream *s)
{
	return s->fp;
}

const unsigned char *li_stream_magic(const li_stream *s, size_t *n)
{
	*n = s->n_magic;
	return s->magic;
}

int li_stream_gzipped(const li_stream *s)
{
	return s->gz;
}

const char *li_stream_error(const li_stream *s)
{
	return s && s->error[0] ? s->error : NULL;
}

void li_stream_close(li_stream *s)
{
	if (!s)
		return;
	if (s->fp && !s->direct)
		fclose(s->fp);
	if (s->z_open)
		inflateEnd(&s->z);
	free(s->in);
	free(s);
}
