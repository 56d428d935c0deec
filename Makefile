# Latent Inspector toolkit.
# `make` builds lib/*.c into build/libli.a and every cmd/li-*.c into bin/.
# `make check` installs what is missing, builds, and runs every test.
# `make asan` builds and tests with AddressSanitizer + UndefinedBehaviorSanitizer.

BUILD    ?= build
BIN      ?= bin
PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN     := -Wall -Wextra -Werror
PKGS     := hdf5-serial jansson matio zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -Ilib -I/usr/include/openblas $(PKG_CFLAGS)
LIBS     := $(PKG_LIBS) -lcsv -llapacke -lopenblas -lqhull_r -lpthread -lm

LIB_SRC  := $(sort $(wildcard lib/*.c))
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CLI_SRC  := $(filter-out cmd/li-%.c,$(wildcard cmd/*.c))
CLI_OBJ  := $(CLI_SRC:cmd/%.c=$(BUILD)/cmd/%.o)
PROGS    := $(patsubst cmd/%.c,$(BIN)/%,$(sort $(wildcard cmd/li-*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
LIBA     := $(BUILD)/libli.a

.PHONY: all deps check test asan install clean fuzz bench
all: $(LIBA) $(PROGS) $(UNITS)

deps:
	scripts/deps

$(BUILD)/lib/%.o: lib/%.c $(wildcard lib/*.h) | $(BUILD)/lib
	$(CC) $(ALL_CFLAGS) -c $< -o $@
$(BUILD)/cmd/%.o: cmd/%.c $(wildcard lib/*.h cmd/*.h) | $(BUILD)/cmd
	$(CC) $(ALL_CFLAGS) -Icmd -c $< -o $@
$(LIBA): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BIN)/li-%: $(BUILD)/cmd/li-%.o $(CLI_OBJ) $(LIBA) | $(BIN)
	$(CC) $(CFLAGS) $< $(CLI_OBJ) $(LIBA) $(LIBS) -o $@
$(BUILD)/tests/%: tests/unit/%.c tests/unit/check.h $(LIBA) | $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit $< $(LIBA) $(LIBS) -o $@
$(BUILD)/lib $(BUILD)/cmd $(BUILD)/tests $(BIN):
	mkdir -p $@

# The README's test command. Installs missing packages first (quick when present).
check:
	scripts/deps
	$(MAKE) all
	LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests tests/run

test: all
	LI_BIN=$(CURDIR)/$(BIN) LI_UNIT=$(CURDIR)/$(BUILD)/tests tests/run

SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
asan:
	scripts/deps
	$(MAKE) all BUILD=build/asan BIN=build/asan/bin OPT=-O1 CFLAGS="-O1 -g $(SAN)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
	LI_SANITIZED=1 LI_BIN=$(CURDIR)/build/asan/bin LI_UNIT=$(CURDIR)/build/asan/tests tests/run

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin
	install -m 644 man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1

clean:
	rm -rf build bin

# ---- test tools (tests/tools/*.c -> $(BUILD)/tests/tools/*), added for the UMAP tests ----
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOLS    := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/tools/%)
all: $(TOOLS)
$(BUILD)/tests/tools/%: tests/tools/%.c $(LIBA) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIBA) $(LIBS) -o $@
