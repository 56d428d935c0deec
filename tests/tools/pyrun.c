/* The tests' $PY (tests/lib.sh): runs `python3 ARGS...` in the fork server that tests/run
 * starts (tests/tools/pyserver.py, its socket in LI_PYSERVER), which has numpy, h5py and
 * scipy imported already: a call costs a fork instead of 0.2-0.3 s of imports. It passes
 * the server its standard streams, directory, arguments and environment, and exits with
 * the script's status. Without a server it is /usr/bin/python3 itself. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

extern char **environ;

static _Noreturn void exec_python(char **argv)
{
	argv[0] = PYTHON;
	execv(PYTHON, argv);
	fprintf(stderr, "pyrun: %s: %s\n", PYTHON, strerror(errno));
	exit(127);
}

/* appends s and its NUL to *buf (grown as needed) */
static int put(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s) + 1;
	if (*len + n > *cap) {
		size_t want = 2 * (*len + n);
		char *grown = realloc(*buf, want);
		if (!grown)
			return -1;
		*buf = grown, *cap = want;
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = getenv("LI_PYSERVER");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (!path || !*path || strlen(path) >= sizeof addr.sun_path)
		exec_python(argv);
	strcpy(addr.sun_path, path);
	int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr) < 0)
		exec_python(argv);

	/* the request: u32 size, then NUL-ended cwd, argc, argv..., environ... */
	char *body = NULL, cwd[4096], count[16];
	size_t len = 4, cap = 0;
	if (!getcwd(cwd, sizeof cwd))
		exec_python(argv);
	snprintf(count, sizeof count, "%d", argc);
	int bad = put(&body, &len, &cap, "") < 0; /* makes room for the size */
	len = 4;
	bad |= put(&body, &len, &cap, cwd) < 0 || put(&body, &len, &cap, count) < 0;
	for (int i = 0; i < argc && !bad; i++)
		bad |= put(&body, &len, &cap, argv[i]) < 0;
	for (char **e = environ; *e && !bad; e++)
		bad |= put(&body, &len, &cap, *e) < 0;
	if (bad || len < 4 || len - 4 > UINT32_MAX)
		exec_python(argv);
	uint32_t size = (uint32_t)(len - 4);
	memcpy(body, &size, 4); /* the server reads it little-endian, as x86-64 and arm64 are */

	/* the first bytes carry our standard streams */
	int fds[3] = { 0, 1, 2 };
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof fds)];
	} ctl;
	memset(&ctl, 0, sizeof ctl);
	size_t first = len < 4096 ? len : 4096;
	struct iovec iov = { .iov_base = body, .iov_len = first };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			      .msg_controllen = sizeof ctl.space };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(c), fds, sizeof fds);
	ssize_t sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
	if (sent <= 0)
		exec_python(argv); /* nothing ran yet: a closed stream, say */
	for (size_t done = (size_t)sent; done < len;) {
		ssize_t n = send(sock, body + done, len - done, MSG_NOSIGNAL);
		if (n <= 0) {
			fprintf(stderr, "pyrun: the Python server went away\n");
			return 1;
		}
		done += (size_t)n;
	}
	free(body);

	int32_t status;
	size_t got = 0;
	while (got < sizeof status) {
		ssize_t n = read(sock, (char *)&status + got, sizeof status - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "pyrun: the Python server went away\n");
			return 1;
		}
		got += (size_t)n;
	}
	/* python3 killed by a signal: the shell's 128 + signal */
	return status < 0 ? 128 - status : status;
}
