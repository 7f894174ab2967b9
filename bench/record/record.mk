# bench/record/record.mk - included by the Makefile: the recording
# subsystem (docs/recording.md).
#
#   $(BUILD)/libgbrecord-preload.so   the BLAS interposer `gbench record` preloads
#   $(BUILD)/libgbrecord.so(.1)       the recording API, workloads/record/gbrecord.h
#   $(BUILD)/record/                  programs the tests record (tests) and the
#                                     overhead benchmark (make bench)
#   make install, make uninstall      also the API (lib, include, pkg-config)
#                                     and the preload library (lib/gbench/)
#
# Sanitizers: both libraries are built without them, in every build, from
# their own objects ($(BUILD)/obj/record-pic/). The preload library is
# loaded into programs that are not instrumented (python3, a user's binary):
# an ASan runtime cannot be preloaded after the program's libc has started,
# and ASan refuses to start when a library precedes it in the load order.
# The API library is linked by users' programs, instrumented or not. The
# same sources are compiled a second time with the sanitizers of the build
# ($(BUILD)/obj/bench/record/, the generic rule) into the unit test
# test-record, which is where ASan and UBSan check them. The programs the
# end-to-end tests record stand for users' programs: no sanitizers either.

REC_SRC      := rec-writer.c rec-map.c rec-api.c rec-preload.c
REC_INC       = -Ibench/record -Iworkloads/record
REC_PIC      := $(BUILD)/obj/record-pic
REC_PRELOAD  := $(BUILD)/libgbrecord-preload.so
REC_API_SO   := $(BUILD)/libgbrecord.so
REC_SONAME   := libgbrecord.so.1
REC_SAN_OBJ  := $(addprefix $(BUILD)/obj/bench/record/,rec-writer.o rec-map.o rec-api.o)
REC_PROGS    := $(BUILD)/record/t1000-record-blas $(BUILD)/record/example
REC_BLAS_LIBS = -lopenblas

.PHONY: install-record uninstall-record bench-record
all: $(REC_PRELOAD) $(REC_API_SO)
tests: $(REC_PROGS)
install: install-record
uninstall: uninstall-record
bench: bench-record

# No sanitizers, position-independent, only the public symbols exported.
$(REC_PIC)/%.o: SANFLAGS :=
$(REC_PIC)/%.o: bench/record/%.c $(CONFIG_STAMP) | $(BUILD)/gen/buildinfo.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(REC_INC) -fPIC -fvisibility=hidden -c -o $@ $<

$(REC_PRELOAD): SANFLAGS :=
$(REC_PRELOAD): $(REC_PIC)/rec-preload.o $(REC_PIC)/rec-map.o $(REC_PIC)/rec-writer.o
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-z,defs -o $@ $^ -ldl -pthread

$(BUILD)/$(REC_SONAME): SANFLAGS :=
$(BUILD)/$(REC_SONAME): $(REC_PIC)/rec-api.o $(REC_PIC)/rec-writer.o
	$(CC) -shared $(ALL_LDFLAGS) -Wl,-z,defs -Wl,-soname,$(REC_SONAME) -o $@ $^ -pthread

$(REC_API_SO): $(BUILD)/$(REC_SONAME)
	ln -sf $(REC_SONAME) $@

# The sanitized copies, for the unit test only.
$(BUILD)/obj/bench/record/%.o $(BUILD)/obj/tests/unit/test-record.o: ALL_CFLAGS += $(REC_INC)

$(BUILD)/tests/test-record: $(BUILD)/obj/tests/unit/test-record.o $(REC_SAN_OBJ) $(BUILD)/libgb.a
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(REC_SAN_OBJ) $(BUILD)/libgb.a $(LDLIBS)

# Programs to record: built like a user's, against the system's OpenBLAS
# or the API library of this build.
REC_PROG_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g
$(BUILD)/record/t1000-record-blas: tests/e2e/t1000-record-blas.c
	@mkdir -p $(@D)
	$(CC) $(REC_PROG_CFLAGS) -o $@ $< $(REC_BLAS_LIBS)

$(BUILD)/record/example: workloads/record/example.c $(REC_API_SO)
	@mkdir -p $(@D)
	$(CC) $(REC_PROG_CFLAGS) -Iworkloads/record -o $@ $< -L$(BUILD) -lgbrecord \
		-Wl,-rpath,'$$ORIGIN/..' -pthread

$(BUILD)/record/overhead: bench/record/overhead.c
	@mkdir -p $(@D)
	$(CC) $(REC_PROG_CFLAGS) -o $@ $< $(REC_BLAS_LIBS)

# The recorder's cost per call: the same loop of small cblas_sgemv calls
# run plain and under gbench record (docs/recording.md has the figures).
bench-record: $(BUILD)/gbench $(REC_PRELOAD) $(BUILD)/record/overhead
	@plain=$$($(BUILD)/record/overhead) && \
	 rec=$$($(BUILD)/gbench record -q -o $(BUILD)/record/overhead.csv -- $(BUILD)/record/overhead) && \
	 echo "record overhead: $$plain ns/call plain, $$rec ns/call recorded, +$$((rec - plain)) ns/call"

install-record: $(REC_PRELOAD) $(REC_API_SO)
	install -d $(DESTDIR)$(PREFIX)/lib/gbench $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		   $(DESTDIR)$(PREFIX)/include
	install -m 755 $(REC_PRELOAD) $(DESTDIR)$(PREFIX)/lib/gbench/
	install -m 755 $(BUILD)/$(REC_SONAME) $(DESTDIR)$(PREFIX)/lib/
	ln -sf $(REC_SONAME) $(DESTDIR)$(PREFIX)/lib/libgbrecord.so
	install -m 644 workloads/record/gbrecord.h $(DESTDIR)$(PREFIX)/include/
	sed 's|@PREFIX@|$(PREFIX)|' workloads/record/gbrecord.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/gbrecord.pc

uninstall-record:
	rm -f $(DESTDIR)$(PREFIX)/lib/gbench/libgbrecord-preload.so \
	      $(DESTDIR)$(PREFIX)/lib/$(REC_SONAME) $(DESTDIR)$(PREFIX)/lib/libgbrecord.so \
	      $(DESTDIR)$(PREFIX)/include/gbrecord.h $(DESTDIR)$(PREFIX)/lib/pkgconfig/gbrecord.pc
	-rmdir $(DESTDIR)$(PREFIX)/lib/gbench 2>/dev/null

-include $(REC_SRC:%.c=$(REC_PIC)/%.d) $(REC_SAN_OBJ:.o=.d)
