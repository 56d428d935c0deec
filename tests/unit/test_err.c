/*
 * li_err: the first error wins, and li_err_prefix keeps the reason whole however long the
 * context put before it (a long path is shortened from its front instead).
 */
#include <string.h>

#include "check.h"
#include "err.h"

int main(void)
{
	li_err e = {0};
	li_err_set(&e, LI_EDATA, "first");
	li_err_set(&e, LI_EIO, "second");
	CHECK(e.code == LI_EDATA && !strcmp(e.msg, "first"), "first error wins: %d '%s'", e.code,
	      e.msg);

	li_err_prefix(&e, "layer '%s'", "d1");
	CHECK(!strcmp(e.msg, "layer 'd1': first"), "prefix: '%s'", e.msg);

	/* a 2000-character path before a short reason: the reason survives, the path's end too */
	char path[2001];
	memset(path, 'p', 2000);
	path[2000] = '\0';
	path[1999] = 'Z';
	li_err_clear(&e);
	li_err_set(&e, LI_EDATA, "row 3: not a finite number");
	li_err_prefix(&e, "%s", path);
	size_t n = strlen(e.msg);
	const char *tail = ": row 3: not a finite number";
	CHECK(n == sizeof e.msg - 1, "long prefix fills the message: %zu chars", n);
	CHECK(n >= strlen(tail) && !strcmp(e.msg + n - strlen(tail), tail),
	      "the reason is kept whole: '...%s'", e.msg + (n > 60 ? n - 60 : 0));
	CHECK(!strncmp(e.msg, "...p", 4) && strstr(e.msg, "Z: row 3"),
	      "the path is shortened from its front");

	/* a reason that fills the whole message: no prefix at all */
	char big[600];
	memset(big, 'r', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	li_err_clear(&e);
	li_err_set(&e, LI_EDATA, "%s", big);
	char before[sizeof e.msg];
	memcpy(before, e.msg, sizeof before);
	li_err_prefix(&e, "ctx");
	CHECK(!strcmp(e.msg, before), "a full message is left as it is");

	/* the clean end of a file that must hold an item is "empty file"; other errors stay */
	li_err_clear(&e);
	li_err_set(&e, LI_EEND, "end of stream");
	int rc = li_err_empty_file(&e);
	CHECK(rc == LI_EDATA && e.code == LI_EDATA && !strcmp(e.msg, "empty file"),
	      "LI_EEND becomes LI_EDATA 'empty file': %d %d '%s'", rc, e.code, e.msg);
	li_err_clear(&e);
	li_err_set(&e, LI_EIO, "read error");
	rc = li_err_empty_file(&e);
	CHECK(rc == LI_EIO && !strcmp(e.msg, "read error"), "another error is kept: %d '%s'", rc,
	      e.msg);
	li_err_clear(&e);
	CHECK(li_err_empty_file(&e) == LI_OK && e.code == LI_OK, "no error stays none");
	return check_done();
}
