# tests/fuzz/fuzz.mk - included by the Makefile: libFuzzer harnesses for
# every reader of untrusted input (tests/fuzz/README.md says what each one
# feeds and how to read a finding).
#
#   make fuzz-build      build $(FUZZ_DIR)/fuzz-<name> for every harness
#   make fuzz            build, then run each for FUZZ_SECONDS (default 60) and
#                        print its executions, coverage and findings
#   make fuzz FUZZ=trace,config FUZZ_SECONDS=600
#
# The harnesses need clang with libFuzzer (clang and libclang-rt-14-dev,
# scripts/install-deps.sh). The library is compiled again here, with clang,
# -fsanitize=fuzzer-no-link,address,undefined, into its own folder
# $(FUZZ_DIR) (default $(BUILD)/fuzz), so a fuzz build never mixes with
# the gcc objects of $(BUILD). No SPIR-V is embedded (fuzz-spirv.c): no
# harness opens a Vulkan device, and the build needs no glslc.

FUZZ_CC      ?= clang
FUZZ_DIR     ?= $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := trace config rules hgrm results import report merge history export peak
FUZZ         ?= $(subst $(space),$(comma),$(FUZZ_NAMES))
space        := $(subst ,, )

FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O1 -g $(FUZZ_SAN) -pthread \
              -Ibench -Iprofilers -I$(FUZZ_DIR)/gen $(PKG_CFLAGS) -MMD -MP
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o) $(FUZZ_DIR)/obj/tests/fuzz/fuzz-spirv.o
FUZZ_BIN     := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz-%)
FUZZ_MAIN_OBJ := $(FUZZ_NAMES:%=$(FUZZ_DIR)/obj/tests/fuzz/fuzz-%.o) \
		 $(FUZZ_DIR)/obj/tests/fuzz/fuzz-common.o
# kept between builds (make would delete them as intermediates of fuzz-%)
.SECONDARY: $(FUZZ_MAIN_OBJ)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@rc=0; for n in $(subst $(comma), ,$(FUZZ)); do \
	  tests/fuzz/run.sh $(FUZZ_DIR) $$n $(FUZZ_SECONDS) || rc=1; \
	done; exit $$rc

$(FUZZ_DIR)/libgb.a: $(FUZZ_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The library: instrumented for coverage, without libFuzzer's main.
$(FUZZ_DIR)/obj/%.o: %.c | $(FUZZ_DIR)/gen/buildinfo.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_CFLAGS += -Itests/fuzz -DGB_FUZZ_TOP='"$(CURDIR)"'

$(FUZZ_DIR)/fuzz-%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz-%.o $(FUZZ_DIR)/obj/tests/fuzz/fuzz-common.o \
		    $(FUZZ_DIR)/libgb.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -pthread -o $@ $^ $(LDLIBS)

$(FUZZ_DIR)/gen/buildinfo.h: FORCE
	@mkdir -p $(@D)
	@{ echo '#define GB_BUILD_CC "$(shell $(FUZZ_CC) --version | head -n1)"'; \
	   echo '#define GB_BUILD_CFLAGS "-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link"'; \
	   echo '#define GB_BUILD_SANITIZERS "address+undefined+fuzzer"'; \
	   echo '#define GB_BUILD_COMMIT "$(GIT_COMMIT)"'; \
	   echo '#define GB_SRCDIR "$(CURDIR)"'; \
	   echo '#define GB_PREFIX "$(PREFIX)"'; } > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_MAIN_OBJ:.o=.d)
