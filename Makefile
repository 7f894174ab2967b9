# gbench - one non-recursive Makefile.
#
#   make                 build/gbench (release: -O2, baseline x86-64, SIMD chosen at run time)
#   make test            install missing packages, build with ASan+UBSan in build/san, run the suite
#   make run             install missing packages, build, run the default config
#   make deps            install missing packages (scripts/install-deps.sh; root or sudo)
#   make bench           run the ci config on the release build (speed lives here, not in tests)
#   make check-build     build at -O0 -O1 -O2 -O3 -Os with gcc and clang, warnings as errors
#   make install PREFIX=/usr/local DESTDIR=
#
# BUILD=dir puts every output under dir; SAN=1 adds the sanitizers.
#
# Plain `make` installs nothing: when a package the build needs is missing it
# stops before compiling, in one line naming the packages and the command
# that installs them (scripts/check-deps.sh). `make run` and `make test`
# install them first. Without glslc the build goes on without shaders and
# says so once.
#
# The configuration (compiler, flags, library versions; glslc or none) is
# recorded in $(BUILD)/config.stamp and $(BUILD)/shaders/config.stamp, each
# rewritten only when its content changes; what depends on it is rebuilt
# then, so installing glslc and running `make` again gives a vulkan build.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PKG_CONFIG ?= pkg-config

# Evaluated on first use and then kept, so pkg-config runs only when
# something is compiled (a fresh machine gets it from scripts/install-deps.sh
# first), and once, not once per object.
PKGS         = inih jansson papi sqlite3 zlib
PKG_CFLAGS   = $(eval PKG_CFLAGS := $$(shell $(PKG_CONFIG) --cflags $(PKGS) vulkan 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS     = $(eval PKG_LIBS := $$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)

OPT      ?= -O2
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS   ?= $(OPT) -g
comma    := ,
SANFLAGS  = $(if $(SAN),-fsanitize=address$(comma)undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) -pthread \
             -Ibench -Iprofilers -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
LDLIBS   = $(PKG_LIBS) -lcsv -lpfm -ldl -lm -pthread
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS) -pthread
# The build's flags as the command line and environment set them, taken when
# the Makefile is read, for the stamp and buildinfo.h: a target's own values
# (peak.o's -O2, the sanitizer-free objects of bench/record/record.mk) are
# inherited by the prerequisites it builds and must not reach them.
GB_FLAGS    := $(strip $(CFLAGS) $(SANFLAGS))
GB_CONFIG   := $(strip $(WARN) $(CFLAGS) $(SANFLAGS))
GB_LDCONFIG := $(strip $(LDFLAGS) $(SANFLAGS))

LIB_SRC  := $(filter-out bench/gbench.c,$(sort $(wildcard bench/*.c) $(wildcard profilers/*.c)))
# Each subsystem with several files has a folder of its own under bench/,
# its headers included as "folder/name.h" (bench/record/ has record.mk).
LIB_DIRS := compare results report plan run vulkan gemm history import export
LIB_SRC  += $(sort $(foreach d,$(LIB_DIRS),$(wildcard bench/$(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/bench/gbench.o
TEST_SRC := $(sort $(wildcard tests/unit/test-*.c))
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/obj/%.o)
CONFIG_STAMP := $(BUILD)/config.stamp

# A missing package stops the build here, in one line, before any compiler
# error can name a header instead. Only goals that compile ask: `make test`
# and `make run` install the packages first, then their own make asks.
GB_BUILD_GOALS := $(filter-out deps test run clean uninstall,$(or $(MAKECMDGOALS),all))
ifneq ($(GB_BUILD_GOALS),)
GB_MISSING := $(shell CC='$(CC)' PKG_CONFIG='$(PKG_CONFIG)' scripts/check-deps.sh)
ifneq ($(GB_MISSING),)
$(error gbench: missing packages: $(GB_MISSING); install them with 'make deps' (or 'sudo scripts/install-deps.sh'))
endif
endif

# Shaders: shaders/shaders.mk compiles shaders/*.comp with glslc and adds
# the objects embedding the SPIR-V to SHADER_OBJ.
SHADER_OBJ :=
-include shaders/shaders.mk
# Fuzzing: tests/fuzz/fuzz.mk builds libFuzzer harnesses with clang (make fuzz).
-include tests/fuzz/fuzz.mk
# Recording: bench/record/record.mk builds the BLAS preload library and the
# recording API (workloads/record/).
-include bench/record/record.mk
# The matrix product's benchmark against OpenBLAS (bench/gemm/gemm.mk).
-include bench/gemm/gemm.mk

.PHONY: all test run bench install uninstall clean deps objects check-build
.DEFAULT_GOAL := all
all: $(BUILD)/gbench

$(BUILD)/gbench: $(MAIN_OBJ) $(BUILD)/libgb.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(BUILD)/libgb.a $(LDLIBS)

$(BUILD)/libgb.a: $(LIB_OBJ) $(SHADER_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c $(CONFIG_STAMP) | $(BUILD)/gen/buildinfo.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Every object, nothing linked: what `make check-build` compiles at each level.
objects: $(LIB_OBJ) $(MAIN_OBJ) $(TEST_OBJ) $(SHADER_OBJ)

# The peak kernels measure the hardware: optimized in every build, whatever
# CFLAGS says (the last -O wins), so the sanitizer build's `gbench peak`
# measures what a release build measures. `private`: the stamps and
# buildinfo.h, built as its prerequisites, must not see these flags.
$(BUILD)/obj/bench/peak.o: private ALL_CFLAGS += -O2

$(BUILD)/obj/tests/unit/%.o: private ALL_CFLAGS += -Itests/unit -DGB_TEST_TOP='"$(CURDIR)"' -DGB_TEST_DATA='"$(CURDIR)/tests/data"'

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libgb.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgb.a $(LDLIBS)

# Build facts for meta.json and `gbench info`; rewritten only when they change.
GIT_COMMIT = $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
$(BUILD)/gen/buildinfo.h: FORCE
	@mkdir -p $(@D)
	@{ echo '#define GB_BUILD_CC "$(shell $(CC) --version | head -n1)"'; \
	   echo '#define GB_BUILD_CFLAGS "$(GB_FLAGS)"'; \
	   echo '#define GB_BUILD_SANITIZERS "$(if $(SAN),address+undefined,none)"'; \
	   echo '#define GB_BUILD_COMMIT "$(GIT_COMMIT)"'; \
	   echo '#define GB_SRCDIR "$(CURDIR)"'; \
	   echo '#define GB_PREFIX "$(PREFIX)"'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: FORCE
FORCE:

# The compiler, its flags and the versions of the libraries compiled against;
# every object depends on it, so changing any rebuilds them (and nothing
# else does). Rewritten only when its content changes.
$(CONFIG_STAMP): FORCE
	@mkdir -p $(@D)
	@{ echo 'cc: $(CC) ($(shell $(CC) --version 2>/dev/null | head -n1))'; \
	   echo 'cflags: $(strip $(GB_CONFIG) $(PKG_CFLAGS))'; \
	   echo 'ldflags: $(GB_LDCONFIG)'; \
	   echo 'ldlibs: $(strip $(LDLIBS))'; \
	   echo 'libraries: $(foreach p,$(PKGS) vulkan,$(p) $(shell $(PKG_CONFIG) --modversion $(p) 2>/dev/null))'; \
	   echo 'headers: $(foreach p,libcsv-dev libpfm4-dev valgrind,$(p) $(shell dpkg-query -W -f='$${Version}' $(p) 2>/dev/null || echo unknown))'; \
	 } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

tests: $(TEST_BIN)

# Warnings stay errors at every optimisation level with both compilers.
check-build:
	@scripts/check-build.sh --out $(BUILD)/check-build

deps:
	@scripts/install-deps.sh

# The suite runs on the sanitizer build (DESIGN.md section 12).
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) SAN=1 BUILD=build/san OPT=-O1 all tests
	@tests/run.sh build/san

run: deps
	@$(MAKE) --no-print-directory -j$$(nproc) all
	$(BUILD)/gbench run --force --out results/default

bench: all
	$(BUILD)/gbench run --config ci --force --out results/bench

# The man page gbench(1), generated from the program's own -h texts
# (scripts/gen-man.sh), so the page and -h cannot drift.
.PHONY: man
man: $(BUILD)/man/gbench.1
$(BUILD)/man/gbench.1: $(BUILD)/gbench scripts/gen-man.sh
	@mkdir -p $(@D)
	scripts/gen-man.sh $(BUILD)/gbench $@

install: all $(BUILD)/man/gbench.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/gbench/configs \
	           $(DESTDIR)$(PREFIX)/share/gbench/workloads $(DESTDIR)$(PREFIX)/share/gbench/reports \
	           $(DESTDIR)$(PREFIX)/share/gbench/baselines $(DESTDIR)$(PREFIX)/share/man/man1 \
	           $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	           $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 755 $(BUILD)/gbench $(DESTDIR)$(PREFIX)/bin/gbench
	install -m 644 bench/configs/*.ini $(DESTDIR)$(PREFIX)/share/gbench/configs/
	cp -R workloads/. $(DESTDIR)$(PREFIX)/share/gbench/workloads/
	install -m 644 reports/*.gp reports/rules.tsv $(DESTDIR)$(PREFIX)/share/gbench/reports/
	if [ -d baselines ]; then cp -R baselines/. $(DESTDIR)$(PREFIX)/share/gbench/baselines/; fi
	install -m 755 scripts/perf-gate.sh $(DESTDIR)$(PREFIX)/share/gbench/perf-gate.sh
	install -m 644 $(BUILD)/man/gbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/gbench.1
	install -m 644 completions/gbench.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gbench
	install -m 644 completions/_gbench $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_gbench

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/gbench $(DESTDIR)$(PREFIX)/share/gbench
	rm -f $(DESTDIR)$(PREFIX)/share/man/man1/gbench.1 \
	      $(DESTDIR)$(PREFIX)/share/bash-completion/completions/gbench \
	      $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_gbench

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SRC:tests/unit/%.c=$(BUILD)/obj/tests/unit/%.d)

# docs-tables: the tuning tables committed under docs/, regenerated from a
# fresh run of each tier's config (gbench report --tables; issue 6), or with
# DOCS_FROM=DIR from results already taken (DIR/<tier>, or DIR itself, such
# as the config step's folder that scripts/gpu-check.sh brings back from a
# machine of the tier); results of another config are refused.
DOCS_TIERS ?= ci
DOCS_FROM ?=
.PHONY: docs-tables
docs-tables: all
	@for t in $(DOCS_TIERS); do \
	  r=$(BUILD)/docs-results/$$t; \
	  if [ -n "$(DOCS_FROM)" ]; then \
	    r=$(DOCS_FROM)/$$t; [ -f "$$r/meta.json" ] || r=$(DOCS_FROM); \
	  else \
	    $(BUILD)/gbench run --config $$t --force --no-report --out $$r --quiet; rc=$$?; \
	    [ $$rc -eq 0 ] || [ $$rc -eq 5 ] || exit $$rc; \
	  fi; \
	  $(BUILD)/gbench report "$$r" --tables --no-peak --out $(BUILD)/docs-tables/$$t || exit 1; \
	  grep -qx "# Tuning tables: $$t" $(BUILD)/docs-tables/$$t/tables.md || \
	    { echo "docs-tables: $$r holds results of another config than $$t" >&2; exit 2; }; \
	  cp $(BUILD)/docs-tables/$$t/tables.md docs/tables-$$t.md.tmp && \
	    mv docs/tables-$$t.md.tmp docs/tables-$$t.md && echo "docs/tables-$$t.md"; \
	done

# What Bonferroni over the gate's looks costs against their correlation: a
# seeded simulation (bench/compare/bench/looks.c; docs/gate.md), in `make bench`.
LOOKS_BENCH := $(BUILD)/looks-bench
.PHONY: bench-looks
bench: bench-looks
$(LOOKS_BENCH): $(BUILD)/obj/bench/compare/bench/looks.o $(BUILD)/libgb.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgb.a $(LDLIBS)
bench-looks: $(LOOKS_BENCH)
	$(LOOKS_BENCH)

# The gate's own figures on this machine (scripts/gate-figure.sh, issue 16's
# batch): 100 A/A gates, 40 per injected time slowdown, 10 per count change.
.PHONY: bench-gate
bench-gate: all
	GBENCH=$(BUILD)/gbench scripts/gate-figure.sh 100
