#!/usr/bin/env bash
# Corrupted HDF5 files: a model, a probe and two maps, damaged one byte at a time, never
# crash a program (a damaged global heap made libhdf5 itself segfault in H5HG_read,
# reached from read_attr; the programs died of SIGSEGV). Each run exits 0 or 1, and a
# failing one prints exactly one line "li-X: error: FILE: ..." and leaves no output file.
# What libhdf5 can still do on such files is in doc/robustness.md.
. "$(dirname "$0")/../lib.sh"

# A damaged length of a variable-length string makes libhdf5 allocate and clear what it
# claims (up to 4 GB) before our check refuses the string: the flipped files run with
# 1 GB of address space, as on a small machine, where that allocation fails at once (with
# 2 GB, a claim just under it took 9 s of CPU time to allocate and clear).
# Under ASan (which needs terabytes of address space) its allocator limit does the same.
# libhdf5 is not instrumented, and its overlong copies out of a damaged heap go through
# the memcpy interceptor; with replace_intrin=0 they are libhdf5's own faults (SIGSEGV,
# answered by the programs' handler), as in a normal build; handle_segv=0 lets that
# handler run.
if [ -n "${LI_SANITIZED:-}" ]; then
	export ASAN_OPTIONS="$ASAN_OPTIONS:handle_segv=0:replace_intrin=0:allocator_may_return_null=1:max_allocation_size_mb=1024"
fi

test_expect_success 'a model and a probe (variable-length strings, as tf.keras 2.5+ writes), two maps' '
	$PY - "$LI_TOP/tests/tools" <<-\PY &&
	import sys
	sys.path.insert(0, sys.argv[1])
	import kerash5
	import numpy as np
	r = np.random.default_rng(20)
	x = r.normal(size=(60, 3)).astype("f4")
	np.save("x.npy", x)
	np.save("y.npy", (x[:, 0] > 0).astype("i8"))
	open("c.txt", "w").write("0 0\n1 -1\n")
	kerash5.save("m.h5", [3], [("dense", "Dense", {"units": 2, "activation": "tanh",
	                                                "use_bias": True})],
	             {"dense": {"kernel": r.normal(size=(3, 2)), "bias": r.normal(size=2)}},
	             vlen=True)
	PY
	li-embed -q m.h5 x.npy -o e.npy &&
	li-reduce -q --save pca.h5 x.npy -o /dev/null &&
	li-reduce -q --method umap --seed 1 --save umap.h5 x.npy -o /dev/null &&
	li-train-lr -q x.npy y.npy -o p.h5 2>/dev/null &&
	li-invert pca.h5 c.txt -o i.npy
'

# heap FILE OUT TEXT: FILE with the size of the global heap object holding TEXT made
# 8 MB larger than the heap (libhdf5 copies that much out of a 4 KB buffer)
heap() {
	$PY - "$@" <<-\PY
	import sys
	d = bytearray(open(sys.argv[1], "rb").read())
	want = sys.argv[3].encode()
	i = d.find(b"GCOL")
	end, p = i + int.from_bytes(d[i + 8:i + 16], "little"), i + 16
	while p + 16 <= end:
	    idx, size = int.from_bytes(d[p:p + 2], "little"), int.from_bytes(d[p + 8:p + 16], "little")
	    if idx == 0:
	        break
	    if d[p + 16:p + 16 + size] == want:
	        d[p + 10] ^= 0x7e
	        open(sys.argv[2], "wb").write(d)
	        sys.exit(0)
	    p += 16 + (size + 7) // 8 * 8
	sys.exit("no heap object holds %r" % want)
	PY
}

# one_line PROG FILE: the run failed with status 1 and one error line naming FILE
one_line() {
	test $(wc -l <err) -eq 1 && grep -q "^$1: error: $2: " err || { cat err; return 1; }
}

test_expect_success 'a damaged heap in a model: one line, exit 1 (was SIGSEGV in H5HG_read)' '
	heap m.h5 heap.h5 dense &&
	must_fail 1 li-embed -q heap.h5 x.npy -o out.npy 2>err && one_line li-embed heap.h5 &&
	test ! -e out.npy &&
	must_fail 1 li-layers heap.h5 2>err && one_line li-layers heap.h5 &&
	cat err
'

test_expect_success 'a damaged heap in a map: one line, exit 1' '
	heap pca.h5 heapmap.h5 pca &&
	must_fail 1 li-invert heapmap.h5 c.txt -o out.npy 2>err && one_line li-invert heapmap.h5 &&
	test ! -e out.npy &&
	cat err
'

# The fuzzer's inputs that crash libhdf5 itself, or send it round a loop for ever
# (tests/fuzz/hdf5-crashes/, not replayed through the fuzz target): as files, each
# program answers with one line, exit 1 (the loop after 10 s of CPU time).
for f in "$LI_TOP"/tests/fuzz/hdf5-crashes/h5img-*; do
	name=${f##*/}
	test_expect_success "kept libhdf5 failure $name: one line, exit 1" '
		cp "$LI_TOP/tests/fuzz/hdf5-crashes/$name" "$name.h5" &&
		must_fail 1 li-embed -q "$name.h5" x.npy -o out.npy 2>err && one_line li-embed "$name.h5" &&
		test ! -e out.npy && cat err
	'
done

# Bytes flipped at seeded positions: every run exits 0 or 1 (a signal, a sanitizer
# report or a timeout is a failure), a failing run prints one error line naming the file
# and leaves no output. The time limit is one of CPU time (30 s; the programs' own watchdog
# stops libhdf5's endless loops after 10 s), so that a loaded machine cannot fail a run
# that merely waited; the 10-minute wall-clock limit only catches a run that sleeps.
# 75 seeded positions per file; `make check` runs every third (100 runs),
# `make check-long` all 300.
if is_long; then every=1; else every=3; fi
test_expect_success "one byte flipped at $((300 / every)) places of a model, a probe and two maps" '
	$PY - $every <<-\PY
	import os, random, resource, subprocess, sys
	def small_machine():
	    if not os.environ.get("LI_SANITIZED"):
	        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
	    resource.setrlimit(resource.RLIMIT_CPU, (30, 30))
	rng = random.Random(121)
	runs = [("m.h5", ["li-embed", "-q", "F", "x.npy", "-o", "out.npy"]),
	        ("p.h5", ["li-embed", "-q", "F", "x.npy", "-o", "out.npy"]),
	        ("pca.h5", ["li-invert", "F", "c.txt", "-o", "out.npy"]),
	        ("umap.h5", ["li-invert", "F", "c.txt", "-o", "out.npy"])]
	bad, counts = [], {0: 0, 1: 0}
	for src, cmd in runs:
	    data = open(src, "rb").read()
	    for k in range(75):
	        pos, flip = rng.randrange(len(data)), rng.randrange(1, 256)
	        if k % int(sys.argv[1]):
	            continue
	        d = bytearray(data)
	        d[pos] ^= flip
	        name = "flip-%s" % src
	        open(name, "wb").write(d)
	        argv = [name if a == "F" else a for a in cmd]
	        try:
	            p = subprocess.run(argv, capture_output=True, timeout=600,
	                               preexec_fn=small_machine)
	            rc, err = p.returncode, p.stderr.decode(errors="replace")
	        except subprocess.TimeoutExpired:
	            rc, err = "timeout", ""
	        lines = err.splitlines()
	        what = "%s byte %d ^ %d: %s exit %s: %r" % (src, pos, flip, argv[0], rc, err[-300:])
	        if rc == 0:
	            counts[0] += 1
	        elif rc == 1 and len(lines) == 1 and lines[0].startswith(
	                "%s: error: %s: " % (argv[0], name)) and not os.path.exists("out.npy"):
	            counts[1] += 1
	        else:
	            bad.append(what)
	            open("bad-%s-%d-%d" % (src, pos, flip), "wb").write(d)
	        if os.path.exists("out.npy"):
	            os.remove("out.npy")
	print("exit 0: %d, exit 1 with one line: %d, wrong: %d" % (counts[0], counts[1], len(bad)))
	for b in bad:
	    print(b)
	sys.exit(1 if bad else 0)
	PY
'

test_done
