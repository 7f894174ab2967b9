/*
 * rec-shared.h - what `gbench record` (bench/cmd-record.c) and the preload
 * library (rec-preload.c) share: the environment variables that pass the
 * recording's files from one to the other, the BLAS entry points the
 * library interposes, and the layout of the log they share.
 *
 * The log: a file both sides map MAP_SHARED - a header of counters, then
 * one fixed-size entry per recorded call. The library claims an entry with
 * an atomic increment, fills it and marks it complete last; no system call
 * on the way (a write(2) per call measured 6 us on the development VM, the
 * rest of a call's recording about 0.1 us). What a process stored is in
 * the file the moment it is stored: a program killed with SIGKILL, or
 * crashing inside the BLAS, loses no entry it completed, and an entry it
 * did not complete is left out. gbench record turns the log into the trace
 * once the program has exited, with the counts as metadata lines in the
 * preamble (DESIGN.md section 5 allows no comment after the header row).
 */
#ifndef GB_REC_SHARED_H
#define GB_REC_SHARED_H

#include <stdint.h>

#define GB_REC_ENV_LOG "GBENCH_RECORD_LOG"         /* the log file */
#define GB_REC_ENV_T0 "GBENCH_RECORD_T0"           /* CLOCK_MONOTONIC ns at the program's start */
#define GB_REC_PRELOAD_NAME "libgbrecord-preload.so"

/*
 * The interposed entry points. X(name, mapped): mapped ones become matmul
 * rows; the others are counted and forwarded (the f32/f64/complex BLAS that
 * numpy and most C programs call; python3-numpy 1.24 calls exactly these
 * cblas_* functions).
 */
#define GB_REC_FUNCS(X)             \
	X(cblas_sgemm, 1)           \
	X(cblas_sgemv, 1)           \
	X(sgemm_, 1)                \
	X(sgemv_, 1)                \
	X(cblas_dgemm, 0)           \
	X(cblas_cgemm, 0)           \
	X(cblas_zgemm, 0)           \
	X(cblas_dgemv, 0)           \
	X(cblas_cgemv, 0)           \
	X(cblas_zgemv, 0)           \
	X(dgemm_, 0)                \
	X(dgemv_, 0)                \
	X(cblas_ssyrk, 0)           \
	X(cblas_dsyrk, 0)           \
	X(cblas_csyrk, 0)           \
	X(cblas_zsyrk, 0)           \
	X(cblas_sdot, 0)            \
	X(cblas_ddot, 0)            \
	X(cblas_cdotc_sub, 0)       \
	X(cblas_cdotu_sub, 0)       \
	X(cblas_zdotc_sub, 0)       \
	X(cblas_zdotu_sub, 0)       \
	X(cblas_saxpy, 0)           \
	X(cblas_daxpy, 0)           \
	X(cblas_caxpy, 0)           \
	X(cblas_zaxpy, 0)

enum gb_rec_func {
#define GB_REC_ENUM(name, mapped) GB_REC_FN_##name,
	GB_REC_FUNCS(GB_REC_ENUM)
#undef GB_REC_ENUM
	GB_REC_NFUNCS
};

#define GB_REC_COUNTS_MAGIC 0x31766365526267ull /* "gbRecv1" */

/* Why a call of a mapped function gave no row. */
enum gb_rec_skip {
	GB_REC_SKIP_EMPTY,     /* m, n or k is 0: nothing to compute */
	GB_REC_SKIP_LIMIT,     /* over the trace limits of bench/op.h */
	GB_REC_SKIP_INVALID,   /* arguments the BLAS rejects */
	GB_REC_SKIP_WRITE,     /* the log is full, or its file could not grow */
	GB_REC_NSKIPS
};

/* The log's header: every field is updated with __atomic builtins. */
struct gb_rec_counts {
	uint64_t magic;
	uint64_t capacity;                 /* entries the log may hold */
	uint64_t next_entry;               /* entries claimed (may exceed capacity) */
	uint64_t allocated;                /* entries the file has blocks for */
	uint32_t next_stream;              /* stream ids, over every process */
	uint32_t next_tensor;              /* weight names w0, w1, ... */
	uint32_t processes;                /* processes that loaded the library */
	uint32_t pad;
	uint64_t calls[GB_REC_NFUNCS];     /* every call seen, mapped or not */
	uint64_t rows[GB_REC_NFUNCS];      /* calls logged as an entry */
	uint64_t skips[GB_REC_NFUNCS][GB_REC_NSKIPS];
};

/* One recorded call: matmul (m x k) (k x n), weight w<tensor>. */
struct gb_rec_entry {
	uint64_t arrival;                  /* ns since GBENCH_RECORD_T0 */
	uint32_t stream;
	uint32_t m, n, k;
	uint32_t tensor;
	uint32_t func;                     /* enum gb_rec_func + 1, stored last; 0: incomplete */
};

#define GB_REC_LOG_HEADER 4096             /* the entries start here */
#define GB_REC_LOG_CAPACITY (1ull << 25)   /* 32M calls, 1 GiB of address space */
#define GB_REC_LOG_CHUNK 65536u            /* entries allocated at a time (2 MiB) */

_Static_assert(sizeof(struct gb_rec_counts) <= GB_REC_LOG_HEADER, "log header too large");
_Static_assert(sizeof(struct gb_rec_entry) == 32, "log entry of 32 bytes");

#endif
