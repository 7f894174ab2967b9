/*
 * report.h - `gbench report`: from a results directory to report.md, its
 * gnuplot charts (data file, script, SVG and PNG side by side) and, on
 * request, tables.md (DESIGN.md section 11).
 *
 * The stages: load (results.csv, samples.csv, accuracy.csv, meta.json,
 * hist/, mrc.csv, the traces named in meta.json), the ceilings (peak.h), the
 * per-cell facts and the rules (rules.h) in report-facts.c, then the writers:
 * report-md.c (report.md), report-charts.c (charts), report-tables.c
 * (tables.md).
 * Nothing printed is a number that was not measured or derived from
 * measured ones; where one is missing, the report says why.
 */
#ifndef GB_REPORT_H
#define GB_REPORT_H

#include <stddef.h>

#include <jansson.h>

#include "gbench.h"
#include "op.h"
#include "peak.h"
#include "results/results.h"
#include "report/rules.h"

struct gb_report_opts {
	const char *results;      /* results directory */
	const char *baseline;     /* results directory to compare with, or NULL */
	const char *out;          /* output folder; NULL: RESULTS/report */
	const char *rules;        /* rules file; NULL: reports/rules.tsv in the data dir */
	const char *peak;         /* peak JSON; NULL: the cache, else a quick measurement */
	int no_peak;              /* no ceilings at all (no roofline) */
	int tables;               /* also tables.md */
	const char *gnuplot;      /* the gnuplot command; NULL: $GNUPLOT or "gnuplot" */
	double *lat_targets;      /* ns, for tables.md */
	size_t nlat;
	double *nmse_budgets;     /* for tables.md */
	size_t nnmse;
};

/* Write the report; 0, or -1 with a message (input unreadable, output unwritable). */
int gb_report_write(const struct gb_report_opts *o);

/* ---- shared by the report's units (not for other stages) ---- */

struct gb_sbuf;   /* a growing string, below */

/* The work of some rows of a trace, per replay of them (report.c). */
struct gb_report_work {
	size_t requests;
	double flops;
	double act_bytes;                /* activations in + out */
	double weight_bytes[4];          /* per quant: weights read if no call shared them */
	double weight_set[4];            /* per quant: distinct persistent operands, bytes */
	struct {                         /* per op kind (report-ops.c) */
		size_t requests;
		double flops, act_bytes, weight_bytes[4];
	} op[GB_OP_COUNT];
};

/* What the report knows about one workload's trace. */
struct gb_report_wl {
	char *name, *path;
	int loaded;                      /* the trace was read */
	char *why;                       /* why not, when !loaded */
	unsigned streams;
	struct gb_report_work all;       /* the whole trace */
	struct gb_shape *shape;          /* its rows' shapes, for a window's work (owned) */
	unsigned char *first_use;        /* per row: the first to use its weight tensor (owned) */
	size_t keyed;                    /* requests with a cache key */
	double max_hit;                  /* the hit rate of an unbounded cache (cold per replay) */
	char ops[128];                   /* the ops it holds, comma-separated */
};

/* The work of the first rows of w's trace (all of it for 0 or more than it has). */
void gb_report_work_of(const struct gb_report_wl *w, long long rows, struct gb_report_work *out);

/*
 * One op kind of a cell placed on the roofline (report-ops.c): its time
 * per replay from gpu_ns.<op> (vulkan) or call_ns.<op> (cpu, or a device
 * without timestamps), its work from the trace, and how far it is from
 * the ceilings of its own device. NAN where unknown.
 */
struct gb_report_op {
	int present;                     /* the cell has a time for this op kind */
	const char *time_metric;         /* "gpu_ns" or "call_ns" */
	double time_ns;                  /* median over repetitions, per replay */
	double share;                    /* of the time summed over the cell's op kinds */
	double requests;                 /* executed per replay */
	double flops, bytes;             /* per replay */
	double ai, gflops, gbs;
	double peak_gflops, peak_gbs;    /* the ceilings it is judged against */
	double pct;                      /* achieved over attainable at its AI */
	int compute_bound;               /* the roof at its AI is the FLOP peak */
	int estimate;                    /* cache hits or a window scaled the work */
};

struct gb_report_cell {
	struct gb_cell_result *c;        /* NULL for a skipped cell known from meta.json only */
	const char *id;
	char *skipped;                   /* reason, or NULL */
	int invalid;
	struct gb_report_wl *wl;
	double nmse;                     /* max NMSE vs f64 over ops; NAN when none */
	double recall;                   /* min recall; NAN when none */
	double budget_ratio;             /* max value/budget over accuracy rows with a budget */
	double mean_batch;               /* requests per executor call (meta.json batch_sizes); NAN */
	long long window;                /* the rows a repetition replayed: a time budget's
	                                  * window of the trace, or 0 for all of it */
	struct gb_report_work work;      /* the work of those rows (the whole trace's, or the
	                                  * window's: report-facts.c) */
	double time_share;               /* of a whole replay's time, the share those rows
	                                  * hold at the cell's ceilings (1 for all of it) */
	/* roofline, NAN when unknown */
	double ai, gflops, roof, eff, ridge;
	const char *roof_level;
	double wall_cv;                  /* stddev / mean of wall_ns; NAN */
	struct gb_report_op ops[GB_OP_COUNT];
	int bottleneck;                  /* the op kind with the most time, or -1 */
	struct gb_facts facts;
	struct gb_judgement *j;
	size_t nj;
};

struct gb_report_chart {
	char *name;                      /* file stem */
	char *title;
	char *what;                      /* a sentence for report.md */
	char *missing;                   /* why there is no chart, or NULL */
	int rendered;                    /* SVG and PNG exist */
	char *render_error;
};

struct gb_report {
	const struct gb_report_opts *o;
	char *out;
	json_t *meta;
	struct gb_results res, base;
	int has_base;
	struct gb_report_cell *cells;
	size_t ncells;
	struct gb_report_wl *wl;
	size_t nwl;
	json_t *peak;                    /* NULL when no ceilings */
	char *peak_from;                 /* where they came from */
	char *peak_why;                  /* why none */
	double peak_gflops;
	double bw[GB_LVL_COUNT];         /* read GB/s per level, NAN when unknown */
	double vk_gflops, vk_gbs;        /* the vulkan device's own ceilings, NAN when unknown */
	char *vk_why;                    /* why they are unknown */
	double cap[GB_LVL_COUNT];        /* bytes */
	struct gb_rules rules;
	struct gb_report_chart *charts;
	size_t ncharts;
	int gnuplot_ok;
	char *gnuplot_why;
	char **md;                       /* escaped strings handed out by gb_report_md* */
	size_t nmd;
};

/*
 * A finding's evidence is set aside when its cell's wall time varies more
 * than this between repetitions (the noise-high band of rules.tsv): one
 * outlying repetition could have made it.
 */
#define GB_REPORT_NOISY_CV 0.20

/* A string member of a JSON object, "" when absent or not a string. */
const char *gb_report_jstr(json_t *o, const char *key);
/* A cell's facts, its roofline placement and the rules' judgements (report-facts.c). */
void gb_report_cell_facts(struct gb_report *r, struct gb_report_cell *rc);
/* Median of a cell's metric over repetitions; NAN when absent or unavailable. */
double gb_report_median(const struct gb_cell_result *c, const char *metric);
const struct gb_metric *gb_report_metric(const struct gb_cell_result *c, const char *metric);

/*
 * The host's read bandwidth for a working set of set bytes: the smallest
 * measured level holding it (else DRAM, else the next level out that was
 * measured); *lvl gets the level. NAN when none was measured.
 */
double gb_report_host_bw(const struct gb_report *r, double set, int *lvl);
/* Requests an executor call of a cell (its trace loaded) holds: its weights are read once a call. */
double gb_report_call_share(const struct gb_report_cell *rc);
/* Place each op kind of a cell on the roofline: rc->ops, rc->bottleneck (report-ops.c). */
void gb_report_ops_place(struct gb_report *r, struct gb_report_cell *rc);
/* report.md's "Where the time goes" section (report-ops.c). */
void gb_report_md_ops(struct gb_report *r, struct gb_sbuf *b);
/* The roofline chart: the ceilings, every cell and every op kind (report-ops.c). */
void gb_report_chart_roofline(struct gb_report *r);

/* report.md (report-md.c); *nfindings gets the number of findings; 0 or -1. */
int gb_report_md_write(struct gb_report *r, size_t *nfindings);
/* Charts: write every .dat and .gp, then run gnuplot on each (report-charts.c). */
void gb_report_charts(struct gb_report *r);

/* ---- drawing (report-gnuplot.c) ---- */

/* A new chart named name (made a safe file stem) with its title. */
struct gb_report_chart *gb_report_chart_add(struct gb_report *r, const char *name, const char *title);
/* A string literal in a gnuplot script; a string in a data file (titles, labels). */
void gb_report_gp_quote(struct gb_sbuf *b, const char *s);
void gb_report_dat_title(struct gb_sbuf *b, const char *s);
/*
 * Run gnuplot in the report folder on script (NULL: --version, the probe),
 * output names ending in tmp; 0 when it exits 0. *err gets what went wrong.
 */
int gb_report_gnuplot_run(struct gb_report *r, const char *script, const char *tmp, char **err);
/*
 * gnuplot (the command gnuplot, else $GNUPLOT, else "gnuplot" on PATH) run
 * in dir on script with the variable tmp set (script NULL: --version); 0
 * when it exits 0. err (may be NULL) gets the reason otherwise: gnuplot's
 * last stderr line, or why it could not run. Every chart gbench draws
 * goes through it (report/, history/).
 */
int gb_gnuplot_run(const char *gnuplot, const char *dir, const char *script, const char *tmp,
		   char **err);
/*
 * Write NAME.dat and NAME.gp (header + the template reports/<kind>.gp) and
 * draw the chart; header holds gnuplot assignments (datafile, out and
 * title_text are added). Failures are recorded in c, not returned.
 */
void gb_report_chart_emit(struct gb_report *r, struct gb_report_chart *c, const char *kind,
			  const char *dat, const char *header);
/* tables.md (report-tables.c); 0 or -1. */
int gb_report_tables(struct gb_report *r);

/*
 * Data-derived text for report.md and tables.md through escape.h: as
 * Markdown text, or as a code span (in_table: inside a table cell). The
 * string lives until the report is released, so it can go straight into
 * a gb_sbuf_printf argument list.
 */
const char *gb_report_md(struct gb_report *r, const char *s);
const char *gb_report_md_code(struct gb_report *r, const char *s, int in_table);

/*
 * "30 measured repetitions per cell", or "4 to 30 measured repetitions per
 * cell (cpu 4 to 30; vulkan 12), as a time budget of 60 s shared them
 * (meta.json time_plan)": what the cells got, counted from their samples,
 * not the config's maximum. Markdown; lives as gb_report_md's strings do.
 */
const char *gb_report_reps(struct gb_report *r);

/* Write text atomically to out/name; 0 or -1. */
int gb_report_write_file(const struct gb_report *r, const char *name, const char *text);

/* A growing string (report text). */
struct gb_sbuf {
	char *s;
	size_t len, cap;
};
void gb_sbuf_printf(struct gb_sbuf *b, const char *fmt, ...) GB_PRINTF(2, 3);
void gb_sbuf_release(struct gb_sbuf *b);

/* Human forms: "12.3 us", "45.6k", ... into buf. */
const char *gb_report_fmt_ns(double ns, char *buf, size_t len);
const char *gb_report_fmt_num(double v, char *buf, size_t len);

#endif
