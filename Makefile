# gbench - one non-recursive Makefile.
#
#   make                 build/gbench (release: -O2, baseline x86-64, SIMD chosen at run time)
#   make test            install missing packages, build with ASan+UBSan in build/san, run the suite
#   make run             install missing packages, build, run the default config
#   make bench           run the ci config on the release build (speed lives here, not in tests)
#   make install PREFIX=/usr/local DESTDIR=
#
# BUILD=dir puts every output under dir; SAN=1 adds the sanitizers.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Recursively expanded, so pkg-config runs only when something is compiled
# (a fresh machine gets it from scripts/install-deps.sh first).
PKGS         = inih jansson papi
PKG_CFLAGS   = $(shell $(PKG_CONFIG) --cflags $(PKGS) vulkan 2>/dev/null)
PKG_LIBS     = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

OPT      ?= -O2
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= $(OPT) -g
comma    := ,
SANFLAGS  = $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -pthread \
             -Ibench -Iprofilers -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS   = $(PKG_LIBS) -lcsv -lpfm -ldl -lm -pthread
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread

LIB_SRC  := $(filter-out bench/gbench.c,$(sort $(wildcard bench/*.c) $(wildcard profilers/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/bench/gbench.o
TEST_SRC := $(sort $(wildcard tests/unit/test-*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Shaders: shaders/shaders.mk compiles shaders/*.comp with glslc and adds
# the objects embedding the SPIR-V to SHADER_OBJ.
SHADER_OBJ :=
-include shaders/shaders.mk
# Fuzzing: tests/fuzz/fuzz.mk builds libFuzzer harnesses with clang (make fuzz).
-include tests/fuzz/fuzz.mk
# Recording: bench/record/record.mk builds the BLAS preload library and the
# recording API (workloads/record/).
-include bench/record/record.mk

.PHONY: all test run bench install uninstall clean deps
.DEFAULT_GOAL := all
all: $(BUILD)/gbench

$(BUILD)/gbench: $(MAIN_OBJ) $(BUILD)/libgb.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/libgb.a $(LDLIBS)

$(BUILD)/libgb.a: $(LIB_OBJ) $(SHADER_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/buildinfo.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# The peak kernels measure the hardware: optimized in every build, so the
# sanitizer build's `gbench peak` measures what a release build measures.
$(BUILD)/obj/bench/peak.o: override OPT = -O2

$(BUILD)/obj/tests/unit/%.o: ALL_CFLAGS += -Itests/unit -DGB_TEST_TOP='"$(CURDIR)"' -DGB_TEST_DATA='"$(CURDIR)/tests/data"'

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libgb.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgb.a $(LDLIBS)

# Build facts for meta.json and `gbench info`; rewritten only when they change.
GIT_COMMIT = $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
$(BUILD)/gen/buildinfo.h: FORCE
	@mkdir -p $(@D)
	@{ echo '#define GB_BUILD_CC "$(shell $(CC) --version | head -n1)"'; \
	   echo '#define GB_BUILD_CFLAGS "$(strip $(CFLAGS) $(SANFLAGS))"'; \
	   echo '#define GB_BUILD_SANITIZERS "$(if $(SAN),address+undefined,none)"'; \
	   echo '#define GB_BUILD_COMMIT "$(GIT_COMMIT)"'; \
	   echo '#define GB_SRCDIR "$(CURDIR)"'; \
	   echo '#define GB_PREFIX "$(PREFIX)"'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

tests: $(TEST_BIN)

deps:
	@scripts/install-deps.sh

# The suite runs on the sanitizer build (DESIGN.md section 12).
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) SAN=1 BUILD=build/san OPT=-O1 all tests
	@tests/run.sh build/san

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	$(BUILD)/gbench run --out results/default

bench: all
	$(BUILD)/gbench run --config ci --out results/bench

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gbench/configs \
	           $(DESTDIR)$(PREFIX)/share/gbench/workloads $(DESTDIR)$(PREFIX)/share/gbench/reports
	install -m 755 $(BUILD)/gbench $(DESTDIR)$(PREFIX)/bin/gbench
	install -m 644 bench/configs/*.ini $(DESTDIR)$(PREFIX)/share/gbench/configs/
	cp -R workloads/. $(DESTDIR)$(PREFIX)/share/gbench/workloads/
	install -m 644 reports/*.gp reports/rules.tsv $(DESTDIR)$(PREFIX)/share/gbench/reports/

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/gbench $(DESTDIR)$(PREFIX)/share/gbench

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d)

# docs-tables: the tuning tables committed under docs/, regenerated from a
# fresh run of each tier's config (gbench report --tables; issue 6).
DOCS_TIERS ?= ci
.PHONY: docs-tables
docs-tables: all
	@for t in $(DOCS_TIERS); do \
	  $(BUILD)/gbench run --config $$t --out $(BUILD)/docs-results/$$t --quiet; rc=$$?; \
	  [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; \
	  $(BUILD)/gbench report $(BUILD)/docs-results/$$t --tables || exit 1; \
	  cp $(BUILD)/docs-results/$$t/report/tables.md docs/tables-$$t.md && echo "docs/tables-$$t.md"; \
	done

# The gate's own figures on this machine: false alarms over 28 A/A pairs of
# 8 ci runs, and the smallest slowdown caught (scripts/gate-figure.sh).
.PHONY: bench-gate
bench-gate: all
	GBENCH=$(BUILD)/gbench scripts/gate-figure.sh 8
