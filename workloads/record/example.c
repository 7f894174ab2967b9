/*
 * example.c - a program that records its own requests with the recording
 * API (gbrecord.h): the decode steps of a small transformer, 2 layers, 4
 * sequences each served by a thread of its own (so 4 streams), every op of
 * a trace used at least once. Build and run it, then replay what it wrote:
 *
 *   cc example.c $(pkg-config --cflags --libs gbrecord) -pthread -o example
 *   ./example example.csv && gbench run --workload example.csv --executor cpu
 *
 * A real program calls gb_recorder_record where it calls its kernels; here
 * the kernels are left out, the requests are what matters.
 */
#include <gbrecord.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define LAYERS 2
#define SEQS 4
#define STEPS 3
#define DIM 256
#define FF 512
#define HEADS 4

static struct gb_recorder *rec;

/* Record one request; on a refusal say why (a bug of the caller's). */
static int req(enum gb_rec_op op, uint32_t m, uint32_t n, uint32_t k, uint32_t p,
	       const char *tensor, const char *key)
{
	struct gb_rec_shape s = { .m = m, .n = n, .k = k, .p = p };

	if (gb_recorder_record(rec, op, s, tensor, key) == 0)
		return 0;
	fprintf(stderr, "example: cannot record: %s\n", gb_recorder_error(rec));
	return -1;
}

static void *sequence(void *arg)
{
	int bad = 0;
	char name[32], key[32];

	(void)arg;

	for (int step = 0; step < STEPS; step++) {
		for (int l = 0; l < LAYERS; l++) {
			bad |= req(GB_REC_RMSNORM, 1, DIM, 0, 0, NULL, NULL);
			snprintf(name, sizeof(name), "blk%d.wqkv", l);
			bad |= req(GB_REC_MATMUL, 1, 3 * DIM, DIM, 0, name, NULL);
			/* Attention scores over the context so far, one row per head. */
			bad |= req(GB_REC_SOFTMAX, HEADS, 16 + (uint32_t)step, 0, 0, NULL, NULL);
			snprintf(name, sizeof(name), "blk%d.wo", l);
			bad |= req(GB_REC_MATMUL, 1, DIM, DIM, 0, name, NULL);
			snprintf(name, sizeof(name), "blk%d.w1", l);
			bad |= req(GB_REC_MATMUL, 1, FF, DIM, 0, name, NULL);
			bad |= req(GB_REC_SILU, 1, FF, 0, 0, NULL, NULL);
			snprintf(name, sizeof(name), "blk%d.w2", l);
			bad |= req(GB_REC_MATMUL, 1, DIM, FF, 0, name, NULL);
		}
		bad |= req(GB_REC_REDUCE, 1, DIM, 0, 0, NULL, NULL);
		/* Retrieval for the next token; the same query on every sequence: cacheable. */
		snprintf(key, sizeof(key), "q%d", step);
		bad |= req(GB_REC_TOPK, 1, 4096, 64, 8, "docs", key);
		bad |= req(GB_REC_FFT, 1, 256, 0, 0, NULL, NULL);
	}
	return bad ? (void *)1 : NULL;
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "example.csv";
	pthread_t t[SEQS];
	int bad = 0;
	void *r;

	rec = gb_recorder_open(out, "workloads/record/example.c: 2-layer decode, 4 sequences");
	if (!rec) {
		fprintf(stderr, "example: cannot create '%s': %s\n", out, strerror(errno));
		return 1;
	}
	/* The threads start one after the other: streams 0..3 in order. */
	for (int i = 0; i < SEQS; i++) {
		if (pthread_create(&t[i], NULL, sequence, NULL) || pthread_join(t[i], &r))
			return 1;
		bad |= r != NULL;
	}
	if (gb_recorder_close(rec) < 0) {
		fprintf(stderr, "example: '%s' lacks rows: a write failed\n", out);
		return 1;
	}
	return bad;
}
