# bench/gemm/gemm.mk - included by the Makefile: the benchmark of the CPU
# executor's matrix product against OpenBLAS (bench/gemm/bench/gemm-bench.c;
# docs/cpu-kernels.md records its table).
#
#   $(BUILD)/gemm-bench      the program (gbench's library plus -lopenblas)
#   make bench-gemm          runs it on the release build; part of `make bench`

GEMM_BENCH := $(BUILD)/gemm-bench

.PHONY: bench-gemm
bench: bench-gemm

$(GEMM_BENCH): $(BUILD)/obj/bench/gemm/bench/gemm-bench.o $(BUILD)/libgb.a
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libgb.a $(LDLIBS) -lopenblas

bench-gemm: $(GEMM_BENCH)
	$(GEMM_BENCH)
