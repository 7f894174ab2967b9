/*
 * trace.c - load, check and write gbench-trace v1 files (trace.h,
 * DESIGN.md section 5, workloads/README.md).
 *
 * The file is read whole (its bytes are hashed for meta.json). The preamble
 * - the "# gbench-trace v1" line, "# key: value" metadata, comments and
 * blank lines - is read by hand; from the header row on, the bytes go to
 * libcsv one line at a time, so that the line number of every record is
 * known without libcsv's help: a record's line is the line its first field
 * ended on (the same as its first line unless that field is a quoted one
 * spanning lines). Each problem is printed as "FILE:LINE: what" and loading
 * goes on, so `gbench validate` sees every error in one pass.
 *
 * Columns an op does not use must be 0 (p for everything but topk, k for
 * the row-wise ops and fft); tensor is required by matmul and topk and
 * ignored by the others. Strings are interned: the trace owns one copy of
 * each distinct tensor name and key.
 */
#include "trace.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fsio.h"
#include "gbench.h"

#define GB_TRACE_MAGIC "# gbench-trace v1"
#define GB_TRACE_HEADER "arrival_ns,stream,op,m,n,k,p,tensor,key"
#define NCOLS 9

enum col { C_ARRIVAL, C_STREAM, C_OP, C_M, C_N, C_K, C_P, C_TENSOR, C_KEY };

static const char *const col_names[NCOLS] = {
	"arrival_ns", "stream", "op", "m", "n", "k", "p", "tensor", "key"
};

/* Open-addressing set of the strings the trace owns, for interning. */
struct strset {
	const char **slot;
	size_t cap, n;
};

struct loader {
	const char *path;
	struct gb_trace *t;
	size_t reqcap, metacap, strcap;
	struct strset set;
	unsigned nerrors;
	unsigned cur_line;          /* the line being fed to libcsv */
	unsigned rec_line;          /* line of the current record */
	/* fields of the current record, NUL-separated in buf */
	char *buf;
	size_t buflen, bufcap;
	size_t off[NCOLS];
	unsigned nfields;
	int header_seen;
	unsigned header_line;
	size_t nrows;               /* data rows seen, valid or not */
	int have_prev;
	uint64_t prev_arrival;
	uint32_t max_stream;
};

static void GB_PRINTF(3, 4) lerr(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gb_verror_at(ld->path, line, fmt, ap);
	va_end(ap);
	ld->nerrors++;
}

static uint64_t str_hash(const char *s)
{
	return gb_fnv1a(GB_FNV_INIT, s, strlen(s));
}

static void strset_grow(struct strset *set)
{
	size_t cap = set->cap ? set->cap * 2 : 64;
	const char **slot = gb_xcalloc(cap, sizeof(*slot));

	for (size_t i = 0; i < set->cap; i++) {
		const char *s = set->slot[i];
		size_t j;

		if (!s)
			continue;
		for (j = str_hash(s) & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = s;
	}
	free(set->slot);
	set->slot = slot;
	set->cap = cap;
}

/* The trace's copy of s ("" is shared and never allocated). */
static const char *intern(struct loader *ld, const char *s)
{
	struct strset *set = &ld->set;
	struct gb_trace *t = ld->t;
	size_t j;

	if (!*s)
		return "";
	if (2 * (set->n + 1) > set->cap)
		strset_grow(set);
	for (j = str_hash(s) & (set->cap - 1); set->slot[j]; j = (j + 1) & (set->cap - 1))
		if (!strcmp(set->slot[j], s))
			return set->slot[j];
	if (t->nstrings == ld->strcap) {
		ld->strcap = ld->strcap ? 2 * ld->strcap : 64;
		t->strings = gb_xrealloc(t->strings, ld->strcap * sizeof(*t->strings));
	}
	t->strings[t->nstrings] = gb_xstrdup(s);
	set->slot[j] = t->strings[t->nstrings++];
	set->n++;
	return set->slot[j];
}

static void meta_add(struct loader *ld, const char *key, size_t klen,
		     const char *value, size_t vlen)
{
	struct gb_trace *t = ld->t;

	if (t->nmeta == ld->metacap) {
		ld->metacap = ld->metacap ? 2 * ld->metacap : 8;
		t->meta = gb_xrealloc(t->meta, ld->metacap * sizeof(*t->meta));
	}
	t->meta[t->nmeta].key = gb_xasprintf("%.*s", (int)klen, key);
	t->meta[t->nmeta].value = gb_xasprintf("%.*s", (int)vlen, value);
	t->nmeta++;
}

static int is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/* A "# key: value" line becomes metadata; any other '#' line is a comment. */
static void parse_comment(struct loader *ld, const char *s, size_t len)
{
	size_t i = 1, k0, k1, v0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	k0 = i;
	while (i < len && is_key_char(s[i]))
		i++;
	k1 = i;
	if (k1 == k0 || i >= len || s[i] != ':')
		return;
	i++;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	v0 = i;
	while (len > v0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	meta_add(ld, s + k0, k1 - k0, s + v0, len - v0);
}

/*
 * Parse an unsigned decimal column no larger than max. Returns 0, or -1
 * after saying what is wrong with it.
 */
static int parse_u64(struct loader *ld, enum col c, uint64_t max, uint64_t *out)
{
	const char *s = ld->buf + ld->off[c];
	const char *name = col_names[c];
	uint64_t v = 0;
	int digits = 1;

	if (!*s) {
		lerr(ld, ld->rec_line, "%s is empty", name);
		return -1;
	}
	for (const char *q = *s == '-' ? s + 1 : s; *q; q++)
		if (*q < '0' || *q > '9')
			digits = 0;
	if (!digits || (*s == '-' && !s[1])) {
		lerr(ld, ld->rec_line, "%s '%s' is not a number", name, s);
		return -1;
	}
	if (*s == '-') {
		lerr(ld, ld->rec_line, "%s '%s' is negative", name, s);
		return -1;
	}
	for (const char *q = s; *q; q++) {
		unsigned d = (unsigned)(*q - '0');

		if (v > (max - d) / 10) {
			lerr(ld, ld->rec_line, "%s '%s' is too large (at most %llu)",
			     name, s, (unsigned long long)max);
			return -1;
		}
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int is_pow2(uint32_t n)
{
	return n && !(n & (n - 1));
}

/* Which of m, n, k, p an op uses (the others must be 0). */
static unsigned op_uses(enum gb_op op)
{
	switch (op) {
	case GB_OP_MATMUL:
		return 1u << C_M | 1u << C_N | 1u << C_K;
	case GB_OP_TOPK:
		return 1u << C_M | 1u << C_N | 1u << C_K | 1u << C_P;
	default:
		return 1u << C_M | 1u << C_N;
	}
}

static int check_operand(struct loader *ld, const char *what, uint64_t elems)
{
	if (elems <= GB_MAX_ELEMS)
		return 0;
	lerr(ld, ld->rec_line, "operand %s has %llu elements, over the limit %llu",
	     what, (unsigned long long)elems, (unsigned long long)GB_MAX_ELEMS);
	return -1;
}

/* The checks of sizes that depend on the op; 0 or the number of errors. */
static int check_shape(struct loader *ld, const struct gb_shape *s, const char *tensor)
{
	const char *name = gb_op_name(s->op);
	const uint32_t v[NCOLS] = { [C_M] = s->m, [C_N] = s->n, [C_K] = s->k, [C_P] = s->p };
	unsigned uses = op_uses(s->op), before = ld->nerrors;
	uint64_t m = s->m, n = s->n, k = s->k, p = s->p;

	for (int c = C_M; c <= C_P; c++) {
		if ((uses >> c & 1) && !v[c])
			lerr(ld, ld->rec_line, "%s is 0; %s needs %s > 0",
			     col_names[c], name, col_names[c]);
		else if (!(uses >> c & 1) && v[c])
			lerr(ld, ld->rec_line, "%s is %u; %s does not use %s, which must be 0",
			     col_names[c], v[c], name, col_names[c]);
	}
	if (s->m > GB_MAX_M)
		lerr(ld, ld->rec_line, "m %u is over the limit %u", s->m, GB_MAX_M);
	if (s->n > GB_MAX_NK)
		lerr(ld, ld->rec_line, "n %u is over the limit %u", s->n, GB_MAX_NK);
	if (s->k > GB_MAX_NK)
		lerr(ld, ld->rec_line, "k %u is over the limit %u", s->k, GB_MAX_NK);
	if (s->op == GB_OP_TOPK) {
		if (s->p > GB_MAX_TOPK_P)
			lerr(ld, ld->rec_line, "topk p %u is over the limit %u", s->p, GB_MAX_TOPK_P);
		if (s->p > s->n)
			lerr(ld, ld->rec_line, "topk p %u is greater than n %u", s->p, s->n);
	}
	if (s->op == GB_OP_FFT) {
		if (s->n && !is_pow2(s->n))
			lerr(ld, ld->rec_line, "fft n %u is not a power of two", s->n);
		if (s->n > GB_MAX_FFT_N)
			lerr(ld, ld->rec_line, "fft n %u is over the limit %u", s->n, GB_MAX_FFT_N);
	}
	/* Operand sizes only once each size is sane, to avoid a cascade. */
	if (ld->nerrors == before) {
		switch (s->op) {
		case GB_OP_MATMUL:
			check_operand(ld, "x (m*k)", m * k);
			check_operand(ld, "weights (n*k)", n * k);
			check_operand(ld, "y (m*n)", m * n);
			break;
		case GB_OP_TOPK:
			check_operand(ld, "x (m*k)", m * k);
			check_operand(ld, "database (n*k)", n * k);
			check_operand(ld, "y (m*p)", m * p);
			break;
		case GB_OP_FFT:
			check_operand(ld, "x (m*2n floats)", 2 * m * n);
			break;
		default:
			check_operand(ld, "x (m*n)", m * n);
			break;
		}
	}
	if (gb_op_has_weights(s->op) && !*tensor)
		lerr(ld, ld->rec_line, "%s needs a tensor name", name);
	return (int)(ld->nerrors - before);
}

static void add_row(struct loader *ld)
{
	struct gb_trace *t = ld->t;
	const char *f[NCOLS];
	struct gb_request r = { .line = ld->rec_line };
	uint64_t arrival = 0, stream = 0, size[NCOLS] = { 0 };
	unsigned before = ld->nerrors;
	int op_ok, nums_ok = 1;

	ld->nrows++;
	if (ld->nfields != NCOLS) {
		lerr(ld, ld->rec_line, "expected %d columns, found %u", NCOLS, ld->nfields);
		return;
	}
	for (int c = 0; c < NCOLS; c++)
		f[c] = ld->buf + ld->off[c];

	if (!parse_u64(ld, C_ARRIVAL, UINT64_MAX, &arrival)) {
		if (ld->have_prev && arrival < ld->prev_arrival)
			lerr(ld, ld->rec_line,
			     "arrival_ns %llu is before the previous row's %llu (arrivals must not decrease)",
			     (unsigned long long)arrival, (unsigned long long)ld->prev_arrival);
		ld->have_prev = 1;
		ld->prev_arrival = arrival;
	}
	parse_u64(ld, C_STREAM, INT32_MAX, &stream);
	op_ok = !gb_op_parse(f[C_OP], &r.shape.op);
	if (!op_ok)
		lerr(ld, ld->rec_line, "unknown op '%s' (known: matmul, softmax, rmsnorm, "
		     "silu, reduce, topk, fft)", f[C_OP]);
	for (int c = C_M; c <= C_P; c++)
		if (parse_u64(ld, (enum col)c, UINT32_MAX, &size[c]) < 0)
			nums_ok = 0;
	if (op_ok && nums_ok) {
		r.shape.m = (uint32_t)size[C_M];
		r.shape.n = (uint32_t)size[C_N];
		r.shape.k = (uint32_t)size[C_K];
		r.shape.p = (uint32_t)size[C_P];
		check_shape(ld, &r.shape, f[C_TENSOR]);
	}
	if (ld->nerrors != before)
		return;

	r.arrival_ns = arrival;
	r.stream = (uint32_t)stream;
	r.tensor = intern(ld, f[C_TENSOR]);
	r.key = intern(ld, f[C_KEY]);
	if (t->n == ld->reqcap) {
		ld->reqcap = ld->reqcap ? 2 * ld->reqcap : 256;
		t->req = gb_xrealloc(t->req, ld->reqcap * sizeof(*t->req));
	}
	t->req[t->n++] = r;
	if (r.stream > ld->max_stream)
		ld->max_stream = r.stream;
}

static int is_header(struct loader *ld)
{
	if (ld->nfields != NCOLS)
		return 0;
	for (int c = 0; c < NCOLS; c++)
		if (strcmp(ld->buf + ld->off[c], col_names[c]))
			return 0;
	return 1;
}

static void record_reset(struct loader *ld)
{
	ld->nfields = 0;
	ld->buflen = 0;
}

/* libcsv: end of a field. Keeps the first NCOLS, counts the rest. */
static void on_field(void *s, size_t len, void *data)
{
	struct loader *ld = data;

	if (!ld->nfields)
		ld->rec_line = ld->cur_line;
	if (ld->nfields < NCOLS) {
		if (ld->buflen + len + 1 > ld->bufcap) {
			ld->bufcap = 2 * (ld->buflen + len + 1);
			ld->buf = gb_xrealloc(ld->buf, ld->bufcap);
		}
		ld->off[ld->nfields] = ld->buflen;
		if (len)
			memcpy(ld->buf + ld->buflen, s, len);
		ld->buflen += len;
		ld->buf[ld->buflen++] = '\0';
	}
	ld->nfields++;
}

/* libcsv: end of a record (c is the terminator, -1 at the end of input). */
static void on_record(int c, void *data)
{
	struct loader *ld = data;

	(void)c;
	if (!ld->nfields)
		return;
	if (!ld->header_seen) {
		ld->header_seen = 1;
		ld->header_line = ld->rec_line;
		if (is_header(ld)) {
			record_reset(ld);
			return;
		}
		lerr(ld, ld->rec_line, "no header: expected '%s'", GB_TRACE_HEADER);
		/* A header with wrong columns is skipped; anything else may be a row. */
		if (!strcmp(ld->buf, col_names[0])) {
			record_reset(ld);
			return;
		}
	}
	add_row(ld);
	record_reset(ld);
}

static char *trace_name(const char *path)
{
	const char *base = strrchr(path, '/');
	size_t len;

	base = base ? base + 1 : path;
	len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".csv"))
		len -= 4;
	return gb_xasprintf("%.*s", (int)len, base);
}

/* Length of the line at s (without its '\n'), and the offset of the next. */
static size_t line_end(const char *buf, size_t len, size_t pos, size_t *next)
{
	const char *nl = memchr(buf + pos, '\n', len - pos);
	size_t end = nl ? (size_t)(nl - buf) : len;

	*next = nl ? end + 1 : len;
	return end;
}

static int is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* The body from the header row on, through libcsv one line at a time. */
static void parse_body(struct loader *ld, const char *buf, size_t len, size_t pos, unsigned line)
{
	struct csv_parser p;
	const unsigned char opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;

	if (csv_init(&p, opts))
		abort();
	for (; pos < len; line++) {
		size_t next, chunk;

		line_end(buf, len, pos, &next);
		chunk = next - pos;
		ld->cur_line = line;
		if (csv_parse(&p, buf + pos, chunk, on_field, on_record, ld) != chunk) {
			if (csv_error(&p) == CSV_EPARSE)
				lerr(ld, line, "malformed csv: a quote inside an unquoted "
				     "field or after a closing quote");
			else
				lerr(ld, line, "malformed csv: %s", csv_strerror(csv_error(&p)));
			ld->nrows++;
			/* Start afresh on the next line. */
			csv_free(&p);
			if (csv_init(&p, opts))
				abort();
			record_reset(ld);
		}
		pos = next;
	}
	if (csv_fini(&p, on_field, on_record, ld)) {
		lerr(ld, ld->cur_line, "malformed csv: unterminated quoted field");
		ld->nrows++;
	}
	csv_free(&p);
	if (!ld->header_seen)
		lerr(ld, line, "no header: expected '%s'", GB_TRACE_HEADER);
	else if (!ld->nrows)
		lerr(ld, ld->header_line, "no requests (empty trace)");
}

int gb_trace_load(const char *path, struct gb_trace *t, unsigned *nerrors)
{
	struct loader ld = { .path = path, .t = t };
	size_t len, pos = 0, next, end;
	unsigned line = 1;
	char *buf;

	memset(t, 0, sizeof(*t));
	if (nerrors)
		*nerrors = 1;
	/* The file name becomes the workload's name in every output; refuse one no output can show. */
	t->name = trace_name(path);
	if (gb_name_check(t->name) < 0) {
		char *shown = gb_escape_msg(path);

		gb_error("trace '%s': the file name gives %s workload name", shown,
			 t->name[0] ? "a control character in the" : "an empty");
		free(shown);
		gb_trace_release(t);
		return -1;
	}
	buf = gb_read_file(path, &len);
	if (!buf) {
		gb_trace_release(t);
		return -1;
	}
	t->hash = gb_fnv1a(GB_FNV_INIT, buf, len);

	end = line_end(buf, len, 0, &next);
	if (end >= 1 && buf[end - 1] == '\r')
		end--;
	if (end == strlen(GB_TRACE_MAGIC) && !memcmp(buf, GB_TRACE_MAGIC, end)) {
		pos = next;
		line++;
	} else {
		lerr(&ld, 1, "missing '%s' header line", GB_TRACE_MAGIC);
	}
	/* Metadata, comments and blank lines up to the header row. */
	while (pos < len) {
		end = line_end(buf, len, pos, &next);
		if (buf[pos] == '#')
			parse_comment(&ld, buf + pos, end - pos);
		else if (!is_blank(buf + pos, end - pos))
			break;
		pos = next;
		line++;
	}
	parse_body(&ld, buf, len, pos, line);

	free(buf);
	free(ld.buf);
	free(ld.set.slot);
	if (nerrors)
		*nerrors = ld.nerrors;
	if (ld.nerrors) {
		gb_trace_release(t);
		return -1;
	}
	t->path = gb_xstrdup(path);
	t->nstreams = t->n ? ld.max_stream + 1 : 0;
	return 0;
}

void gb_trace_release(struct gb_trace *t)
{
	for (size_t i = 0; i < t->nstrings; i++)
		free(t->strings[i]);
	for (size_t i = 0; i < t->nmeta; i++) {
		free(t->meta[i].key);
		free(t->meta[i].value);
	}
	free(t->strings);
	free(t->meta);
	free(t->req);
	free(t->path);
	free(t->name);
	memset(t, 0, sizeof(*t));
}

const char *gb_trace_meta_get(const struct gb_trace *t, const char *key)
{
	for (size_t i = 0; i < t->nmeta; i++)
		if (!strcmp(t->meta[i].key, key))
			return t->meta[i].value;
	return NULL;
}

/* Quoted only when libcsv would otherwise read it back differently. */
static int write_field(FILE *f, const char *s)
{
	size_t len = strlen(s);

	if (strpbrk(s, ",\"\r\n") || (len && (s[0] == ' ' || s[0] == '\t' ||
					      s[len - 1] == ' ' || s[len - 1] == '\t')))
		return csv_fwrite(f, s, len) ? -1 : 0;
	return fputs(s, f) < 0 ? -1 : 0;
}

/* A metadata value stays on its line: line breaks become spaces. */
static void write_meta_value(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
}

int gb_trace_write(FILE *f, const struct gb_trace *t)
{
	fprintf(f, "%s\n", GB_TRACE_MAGIC);
	for (size_t i = 0; i < t->nmeta; i++) {
		fprintf(f, "# %s: ", t->meta[i].key);
		write_meta_value(f, t->meta[i].value);
		fputc('\n', f);
	}
	fprintf(f, "%s\n", GB_TRACE_HEADER);
	for (size_t i = 0; i < t->n; i++) {
		const struct gb_request *r = &t->req[i];

		fprintf(f, "%llu,%u,%s,%u,%u,%u,%u,", (unsigned long long)r->arrival_ns,
			r->stream, gb_op_name(r->shape.op), r->shape.m, r->shape.n,
			r->shape.k, r->shape.p);
		write_field(f, r->tensor ? r->tensor : "");
		fputc(',', f);
		write_field(f, r->key ? r->key : "");
		fputc('\n', f);
	}
	if (fflush(f) || ferror(f))
		return gb_error("cannot write trace: %s", strerror(errno));
	return 0;
}
