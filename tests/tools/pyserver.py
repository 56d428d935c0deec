"""The tests' Python, started once: a fork server for tests/tools/pyrun.

Most of the tests' Python calls are a few lines of numpy or h5py, and importing numpy, h5py
and scipy costs 0.2-0.3 s of CPU per call: about a fifth of `make check`. tests/run starts
this server once with those modules imported; pyrun (the tests' $PY) passes it its
standard streams, directory, environment and arguments over a Unix socket, and a forked
child runs the script as `python3` would and exits with its status.

Usage: pyserver.py SOCKET   (serves until killed)

For each call the server reads the request, forks the worker that runs the script on the
caller's streams, directory and environment, frees what the script made (closing its
files) and exits; the server then sends the caller the worker's exit status, or kills the
worker when the caller goes away first (killed by `timeout`, say). A call in another form
than `-c CODE`, `-` or `FILE`, or with another PYTHON*, OPENBLAS_*, OMP_* (...) variable
than the server's, runs in a python3 of its own, as does every call when no server runs.
"""
import array
import gc
import importlib
import os
import select
import signal
import socket
import struct
import sys
import types

import h5py

# the modules the tests import most, imported once here and shared by every fork (torch
# alone takes 2 s of CPU to import; in a forked child it runs on one thread)
for name in ("numpy", "scipy.optimize", "scipy.sparse", "scipy.spatial", "sklearn.manifold",
             "sklearn.neighbors", "torch"):
    try:
        importlib.import_module(name)
    except ImportError:  # a test that needs it says so
        pass


def receive(conn):
    """The request: the caller's three streams and its cwd, argv and environment."""
    fds = array.array("i")
    msg, anc, _, _ = conn.recvmsg(1 << 16, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
    if len(fds) != 3 or len(msg) < 4:
        raise ValueError("bad request")
    (size,) = struct.unpack("<I", msg[:4])
    body = msg[4:]
    while len(body) < size:
        more = conn.recv(size - len(body))
        if not more:
            raise ValueError("short request")
        body += more
    fields = body.split(b"\0")
    argc = int(fields[1])
    return list(fds), fields[0], fields[2 : 2 + argc], fields[2 + argc : -1]


# what python3 and the preloaded modules read when they start: a call that sets one of
# these otherwise runs in a python3 of its own, as does any form but the three below
STARTUP_VARS = ("PYTHON", "OPENBLAS_", "OMP_", "MKL_", "NUMBA_", "LC_", "LANG")
STARTUP_ENV = {k: v for k, v in os.environ.items() if k.startswith(STARTUP_VARS)}


def run_script(argv):
    """Runs argv (python3's own forms: -c CODE, - for stdin, or FILE) as __main__."""
    args = [a.decode("utf-8", "surrogateescape") for a in argv[1:]]
    env = {k: v for k, v in os.environ.items() if k.startswith(STARTUP_VARS)}
    simple = args and (args[0] == "-" or (args[0] == "-c" and len(args) > 1) or
                       not args[0].startswith("-"))
    if not simple or env != STARTUP_ENV:
        os.execv(sys.executable, [sys.executable] + args)
    if args[0] == "-c":
        code, name, sys.argv, sys.path[0] = args[1], "<string>", ["-c"] + args[2:], ""
    elif args[0] == "-":
        code, name, sys.argv, sys.path[0] = sys.stdin.read(), "<stdin>", args, ""
    else:
        with open(args[0], "rb") as f:
            code = f.read()
        name, sys.argv = args[0], args
        sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
    main = types.ModuleType("__main__")
    if name not in ("<string>", "<stdin>"):
        main.__file__ = name
    sys.modules["__main__"] = main
    try:
        exec(compile(code, name, "exec"), main.__dict__)
        status = 0
    except SystemExit as e:  # as python3 ends: None is 0, a number the status, else 1
        status = e.code if isinstance(e.code, int) else e.code is not None
        if not isinstance(e.code, int) and e.code is not None:
            print(e.code, file=sys.stderr)
    except BaseException:
        sys.excepthook(*sys.exc_info())
        status = 1
    # The interpreter's own end would take 0.2-1 s of CPU here: it touches every object of
    # the preloaded modules, and each touched page is copied from the server's. What it
    # does that a script relies on is done by hand: the script's objects are freed (files
    # closed and flushed, h5py files too) and the streams flushed.
    main.__dict__.clear()
    gc.collect()
    for fid in h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE):
        fid.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def start_worker(fds, cwd, argv, env):
    """Forks the worker that runs the call on the caller's streams, directory and
    environment; returns its pid."""
    worker = os.fork()
    if worker:
        return worker
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(cwd)
    os.environ.clear()
    for entry in env:
        key, _, value = entry.partition(b"=")
        os.environb[key] = value
    # fresh streams on the caller's descriptors (a tty is line-buffered, as in python3)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False, buffering=1 if os.isatty(1) else -1)
    sys.stderr = open(2, "w", closefd=False, buffering=1, errors="backslashreplace")
    run_script(argv)  # never returns


def main():
    path = sys.argv[1]
    # it waits on its workers through pidfds (Linux 5.3); without them, no server: tests/run
    # then leaves $PY to python3 itself
    os.close(os.pidfd_open(os.getpid()))
    gc.freeze()  # the preloaded modules' objects: never scanned again, never copied by it
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(64)
    os.rename(path + ".tmp", path)  # the socket appears only once it listens
    calls = 0
    running = {}  # a worker's pidfd: (its pid, the caller's connection)

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        while True:
            ready, _, _ = select.select([server] + list(running) +
                                        [conn for _, conn in running.values()], [], [])
            for what in ready:
                if what is server:
                    conn, _ = server.accept()
                    conn.settimeout(30)  # the caller sends its request at once
                    try:
                        request = receive(conn)
                    except (OSError, ValueError):
                        conn.close()
                        continue
                    calls += 1
                    sys.stdout.flush()
                    sys.stderr.flush()
                    worker = start_worker(*request)
                    for fd in request[0]:
                        os.close(fd)
                    running[os.pidfd_open(worker)] = (worker, conn)
                elif what in running:  # a worker ended: its status to its caller
                    worker, conn = running.pop(what)
                    os.close(what)
                    _, status = os.waitpid(worker, 0)
                    try:
                        conn.sendall(struct.pack("<i", os.waitstatus_to_exitcode(status)))
                    except OSError:
                        pass
                    conn.close()
                else:  # a caller went away (killed by `timeout`, say): so does its worker
                    for pidfd, (worker, conn) in running.items():
                        if conn is what and not conn.recv(1, socket.MSG_PEEK):
                            os.kill(worker, signal.SIGKILL)
    finally:
        # what the calls cost, for tests/run's summary (waited for, so that it is counted)
        for worker, _ in running.values():
            os.waitpid(worker, 0)
        t = os.times()
        print("%d calls, %.1f s CPU" % (calls, t.user + t.system + t.children_user +
                                        t.children_system), file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
