# Latent Inspector toolkit.
# `make` builds lib/*.c (with the network engine in lib/nn/ and the maps in lib/map/) into
# build/libli.a and every cmd/li-*.c into bin/.
# `make check` installs what is missing, builds, and runs every test.
# `make demo` installs what is missing, builds, and runs the MNIST use case (scripts/demo).
# `make asan` builds and tests with AddressSanitizer + UndefinedBehaviorSanitizer.
# By hand, never in CI: `make check-kernels` (the numeric tests under each OpenBLAS kernel
# the CPU has), `make check-long` (the long cases `make check` skips), `make cross-arm64`.

BUILD    ?= build
BIN      ?= bin
PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
# -Werror for developers and CI; packagers on a newer compiler can build with WERROR=0.
WERROR   ?= 1
WARN     := -Wall -Wextra -Wno-psabi $(if $(filter 1,$(WERROR)),-Werror)
PKGS     := hdf5-serial jansson matio zlib fftw3 libzip libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# HDF5 and matio (which reads .mat v7.3 through HDF5) are linked statically: Debian's
# shared libhdf5 brings libcurl and with it about 30 libraries (TLS, Kerberos, LDAP), loaded
# and initialised at every program start for a remote-file driver we never call. That
# doubled the start of every program (about 20 ms of CPU), and pipelines, Makefiles and the
# tests start programs by the thousand. --as-needed leaves out what a program never calls
# (the web server's TLS libraries in all but li-inspect).
H5_LIBS    := $(shell pkg-config --libs-only-L hdf5-serial 2>/dev/null) \
	-Wl,-Bstatic -lmatio -lhdf5_hl -lhdf5 -Wl,-Bdynamic -lsz -lz -ldl
PKG_LIBS   := -Wl,--as-needed $(H5_LIBS) \
	$(shell pkg-config --libs $(filter-out hdf5-serial matio,$(PKGS)) 2>/dev/null)
# lib/ and its two engine folders are all on the include path: #include "model.h" works anywhere
LI_INC   := -Ilib -Ilib/nn -Ilib/map
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(LI_INC) $(CPPFLAGS) $(WARN) $(CFLAGS) -I/usr/include/openblas $(PKG_CFLAGS)
# each compile writes TARGET.d: the headers it read, so a header change rebuilds only those
DEPFLAGS  = -MMD -MP -MT $@ -MF $@.d
LIBS     := $(PKG_LIBS) -llbfgs -lcsv -llapacke -lopenblas -lqhull_r -lpthread -lm

LIB_DIRS := lib lib/nn lib/map
LIB_SRC  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
# li-inspect --serve's page (lib/web/), compiled into the library by scripts/embed-assets
WEB      := $(sort $(wildcard lib/web/*.html lib/web/*.js lib/web/*.css))
GEN_OBJ  := $(BUILD)/gen/serve_assets.o
# what the programs share (cmd/common/: option parsing, errors, output, data and model glue)
CLI_SRC  := $(wildcard cmd/common/*.c)
CLI_OBJ  := $(CLI_SRC:cmd/common/%.c=$(BUILD)/cmd/common/%.o)
PROGS    := $(patsubst cmd/%.c,$(BIN)/%,$(sort $(wildcard cmd/li-*.c)))
PROG_OBJ := $(PROGS:$(BIN)/%=$(BUILD)/cmd/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# test helper programs (drive library code from shell tests); not installed
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS    := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
LIBA     := $(BUILD)/libli.a

.PHONY: all deps check check-alloc test asan install clean fuzz bench demo check-kernels cross-arm64 check-long
all: $(LIBA) $(PROGS) $(UNITS) $(TOOLS)

deps:
	scripts/deps

# Static pattern rules: every object is a named target, none an intermediate to delete, so
# touching one program rebuilds and relinks that program only. Every output depends on its
# .d file too: one missing (an output built before the .d files existed) counts as remade,
# which rebuilds the output and writes it.
$(LIB_OBJ): $(BUILD)/lib/%.o: lib/%.c $(BUILD)/lib/%.o.d
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(PROG_OBJ) $(CLI_OBJ): $(BUILD)/cmd/%.o: cmd/%.c $(BUILD)/cmd/%.o.d
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Icmd/common -c $< -o $@
$(BUILD)/gen/serve_assets.c: $(WEB) scripts/embed-assets
	@mkdir -p $(@D)
	scripts/embed-assets $@ $(WEB)
$(GEN_OBJ): $(BUILD)/gen/serve_assets.c lib/serve_internal.h lib/serve.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(LIBA): $(LIB_OBJ) $(GEN_OBJ)
	rm -f $@ && ar rcs $@ $^
$(PROGS): $(BIN)/%: $(BUILD)/cmd/%.o $(CLI_OBJ) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $< $(CLI_OBJ) $(LIBA) $(LIBS) -o $@
$(UNITS): $(BUILD)/tests/%: tests/unit/%.c $(BUILD)/tests/%.d $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Itests/unit $< $(LDFLAGS) $(LIBA) $(LIBS) -o $@
$(TOOLS): $(BUILD)/tools/%: tests/tools/%.c $(BUILD)/tools/%.d $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) $< $(LDFLAGS) $(LIBA) $(LIBS) -o $@
DEPFILES := $(addsuffix .d,$(LIB_OBJ) $(CLI_OBJ) $(PROG_OBJ) $(UNITS) $(TOOLS))
$(DEPFILES):
-include $(wildcard $(DEPFILES))

# The README's test command. Installs missing packages first (quick when present).
check:
	scripts/deps
	$(MAKE) -j$(shell nproc) all
	LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests LI_TOOLS=$(CURDIR)/$(BUILD)/tools tests/run

# The long cases `make check` skips, with a line saying so: the test files that call
# require_long (tests/lib.sh) run them only under LI_LONG=1. Each is a long comparison
# with a peer that a shorter test in `make check` also makes (t0502's umap-learn fits:
# t0520; t0570's 5k t-SNE against scikit-learn: t0551, t0561). The files that call
# is_long run a representative subset of many like cases in `make check` and all of them
# here (t0001's .npy cases, t0121's byte flips, t0201's mutated configs, t0250's cuts).
# By hand, not in CI.
LONG_TESTS = $(shell grep -l '^require_long\|\<is_long\>' tests/*/t[0-9]*.sh | sed 's|.*/||; s|\.sh$$||')
check-long: all
	LI_LONG=1 TESTS="$(LONG_TESTS)" LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests \
	LI_TOOLS=$(CURDIR)/$(BUILD)/tools tests/run

# Other machines' rounding, on this one (run by hand, not by CI; scripts/check-kernels):
# the numeric tests under OPENBLAS_CORETYPE=Prescott (every x86-64), Haswell (where the
# CPU has AVX2) and SkylakeX (where it has AVX-512), skipping those the CPU lacks; on
# other processors it does nothing. The numeric tests: every unit test, tests/conform
# (layers against Keras, TF.js, numpy, PyTorch), tests/projects, and the tests/cli files
# that compute: models (t020x-t027x: graph, docs, split, data through models), maps
# (t040x, t05xx: PCA, UMAP, t-SNE, invert, auto), the grid (t0610), probes (t071x,
# t072x), the MNIST and Fashion projects (t080x, t082x), li-inspect (t0900) and shards
# (t098x). Left out: data formats, error messages, plots, labels, the window and docs.
# The long cases stay skipped as in `make check` (LI_LONG=1 make check-kernels adds them).
KERNEL_TESTS := test_ conform/ projects/ t0200 t0202 t0250 t0251 t0253 t0270 t0271 t0272 \
	t0400 t0402 t0403 t0405 t05 t0610 t071 t072 t080 t082 t0900 t098
check-kernels: all
	LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests LI_TOOLS=$(CURDIR)/$(BUILD)/tools \
	TESTS="$(KERNEL_TESTS)" scripts/check-kernels

# arm64: every .c of lib/, cmd/ and the tests compiled (-c, -Werror) by the distribution's
# aarch64-linux-gnu-gcc against this machine's library headers (scripts/cross-arm64; by
# hand, not by CI; needs gcc-aarch64-linux-gnu).
cross-arm64:
	scripts/cross-arm64 $(BUILD)/arm64

# The paper's MNIST use case end to end (projects/mnist), printing each command.
demo:
	scripts/demo

test: all
	LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests LI_TOOLS=$(CURDIR)/$(BUILD)/tools tests/run

# Allocation-failure injection (lib/alloc_fail.h): every allocation of lib/ and cmd/ in turn
# fails once, in a build with AddressSanitizer's leak checker; each run must end with one
# error line (or succeed as before), no crash, no leak, no output file (tests/alloc/run).
check-alloc:
	$(MAKE) all BUILD=build/allocfail BIN=build/allocfail/bin OPT=-O1 \
		CFLAGS="-O1 -g -fsanitize=address -fno-omit-frame-pointer" \
		CPPFLAGS="-include lib/alloc_fail.h"
	LI_BIN=$(CURDIR)/build/allocfail/bin tests/alloc/run

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan:
	scripts/deps
	$(MAKE) all BUILD=build/asan BIN=build/asan/bin OPT=-O1 CFLAGS="-O1 -g $(SAN)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	LI_SANITIZED=1 LI_BIN=$(CURDIR)/build/asan/bin LI_UNIT=$(CURDIR)/build/asan/tests \
	LI_TOOLS=$(CURDIR)/build/asan/tools tests/run

# Benchmarks side by side with the peers (never part of the tests): every scripts/bench/*.sh,
# then one summary table of the issue's rows with their goals (scripts/bench/summary).
bench: all
	scripts/deps --bench
	@sum=$$(mktemp); trap 'rm -f "$$sum"' EXIT; \
	for b in scripts/bench/*.sh; do echo "== $$b"; \
		LI_BENCH_SUMMARY=$$sum LI_BIN=$(CURDIR)/$(BIN) PATH=$(CURDIR)/$(BIN):$$PATH bash $$b || exit 1; \
	done; scripts/bench/summary print "$$sum"

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 755 scripts/shard-run $(DESTDIR)$(PREFIX)/bin/li-shard-run
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5

clean:
	rm -rf build bin

# Fuzzing the parsers (.npy, CSV, JSON, IDX) and the model readers (Keras config, TF.js
# model.json, .h5 model images, .keras zips) with libFuzzer: `make fuzz` builds
# tests/fuzz/fuzz_*.c with clang and runs each for FUZZ_TIME seconds from the seeds in
# tests/fuzz/seeds/NAME/ (corpus kept in build/fuzz/corpus/). A crashing input is left as
# build/fuzz/NAME-crash-*: copy it to tests/fuzz/regress/NAME-WHAT, which t0105 runs
# through the normal build on every `make check`. The .h5 image target (h5img) runs in
# libFuzzer's fork mode (whose exit status then only says that something failed): an input
# that fails inside libhdf5 itself is listed and kept, not a failure (doc/robustness.md;
# tests/fuzz/triage tells them from ours, which fail).
FUZZ_CC   ?= clang
FUZZ_TIME ?= 20
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# the library, linked from an archive so each target takes only what it uses; umap_sgd.c
# passes AVX vectors, which clang refuses to compile without -mavx (and no kernel is forced)
FUZZ_SRC  := $(filter-out lib/map/umap_sgd.c,$(LIB_SRC))
FUZZ_OBJ  := $(FUZZ_SRC:lib/%.c=$(BUILD)/fuzz/obj/%.o)
FUZZERS   := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
$(FUZZ_OBJ:=.d):
-include $(wildcard $(FUZZ_OBJ:=.d))
fuzz: $(FUZZERS)
	@for t in $(FUZZERS); do n=$${t##*/fuzz_}; mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  case $$n in h5img) len=16384; fork="-fork=1 -ignore_crashes=1";; \
	    kerascfg|tfjs) len=8192; fork=;; *) len=4096; fork=;; esac; \
	  echo "fuzz $$n for $(FUZZ_TIME)s"; \
	  $$t -max_total_time=$(FUZZ_TIME) -max_len=$$len -timeout=10 -print_final_stats=0 $$fork \
	    -artifact_prefix=$(BUILD)/fuzz/$$n- $(BUILD)/fuzz/corpus/$$n tests/fuzz/seeds/$$n \
	    2>$(BUILD)/fuzz/$$n.log || [ -n "$$fork" ] || { tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; \
	  [ -z "$$fork" ] || { grep -q '^INFO: exiting' $(BUILD)/fuzz/$$n.log || \
	    { tail -40 $(BUILD)/fuzz/$$n.log; exit 1; }; tests/fuzz/triage $$t \
	    $(BUILD)/fuzz/$$n-crash-* $(BUILD)/fuzz/$$n-leak-* $(BUILD)/fuzz/$$n-oom-* \
	    $(BUILD)/fuzz/$$n-timeout-* || exit 1; }; done
$(FUZZ_OBJ): $(BUILD)/fuzz/obj/%.o: lib/%.c $(BUILD)/fuzz/obj/%.o.d
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(LI_INC) $(CPPFLAGS) -I/usr/include/openblas $(PKG_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/fuzz/libfuzz.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(BUILD)/fuzz/libfuzz.a
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) $(LI_INC) $(CPPFLAGS) -I/usr/include/openblas $(PKG_CFLAGS) \
	  $< $(BUILD)/fuzz/libfuzz.a $(LDFLAGS) $(LIBS) -o $@
