/*
 * rules.h - the bottleneck classifier: a data file of rules (reports/rules.tsv)
 * applied to the facts known about one cell.
 *
 * A fact is a named number with its source (measured, scaled, simulated, or
 * how the report derived it), or the reason it is unknown, or the reason it
 * does not apply to the cell (a cache rule on a cell without a cache). Rules
 * are grouped: a group grades one question in bands (the perf stat-shadow
 * colours, for instance), and the most severe rule that fires is the
 * group's finding. A group whose metric is unknown is "could not judge",
 * with the reason; one that does not apply says nothing.
 */
#ifndef GB_RULES_H
#define GB_RULES_H

#include <stddef.h>

enum gb_level { GB_LEVEL_NONE, GB_LEVEL_LOW, GB_LEVEL_MEDIUM, GB_LEVEL_HIGH };

const char *gb_level_name(enum gb_level l);

struct gb_rule {
	char *id, *group, *metric;
	char cmp;                 /* '>' or '<' */
	double threshold;
	enum gb_level level;
	char *source, *recommendation;
	unsigned line;            /* in the rules file */
};

struct gb_rules {
	struct gb_rule *v;
	size_t n;
};

/*
 * Parse rules from text (name is used in messages as NAME:LINE). Lines
 * starting with '#' and blank lines are skipped. Every problem is reported;
 * returns 0 or -1 (rs then holds nothing to release).
 */
int gb_rules_parse(struct gb_rules *rs, const char *text, const char *name);
int gb_rules_load(struct gb_rules *rs, const char *path);
void gb_rules_release(struct gb_rules *rs);

enum gb_fact_state { GB_FACT_KNOWN, GB_FACT_UNKNOWN, GB_FACT_NA };

struct gb_fact {
	char *name;
	enum gb_fact_state state;
	double value;
	char *source;   /* KNOWN: measured, scaled, simulated, derived (...) */
	char *reason;   /* UNKNOWN / NA: why */
};

struct gb_facts {
	struct gb_fact *v;
	size_t n;
};

/* Set (replace) a fact; strings copied. */
void gb_facts_set(struct gb_facts *f, const char *name, double value, const char *source);
void gb_facts_unknown(struct gb_facts *f, const char *name, const char *reason);
void gb_facts_na(struct gb_facts *f, const char *name, const char *reason);
/* NULL when the fact was never set. */
const struct gb_fact *gb_facts_get(const struct gb_facts *f, const char *name);
void gb_facts_release(struct gb_facts *f);

/*
 * Add the derived ratios the rules read (branch_miss_ratio, l1d_miss_ratio,
 * llc_miss_ratio, dtlb_miss_ratio, stalled_frontend_ratio,
 * stalled_backend_ratio, gpu_busy_ratio, queue_share, tail_ratio, ipc) from
 * the raw facts, unless already set: known when both operands are known and
 * the denominator is not 0 (source: the weaker of the two sources), else
 * unknown or not applicable with the operand's reason.
 */
void gb_facts_derive(struct gb_facts *f);

enum gb_judgement_kind { GB_JUDGED_QUIET, GB_JUDGED_FIRED, GB_JUDGED_UNKNOWN, GB_JUDGED_NA };

struct gb_judgement {
	const char *group;
	const struct gb_rule *rule;   /* FIRED: the rule; else the group's first rule */
	enum gb_judgement_kind kind;
	double value;                 /* the metric's value when known */
	const char *source;           /* the fact's source when known */
	const char *reason;           /* UNKNOWN / NA: the fact's reason */
};

/*
 * Judge every group of rs against f: one judgement per group, in the order
 * groups first appear in the file. *out is allocated (free()); the strings
 * point into rs and f. Returns the number of judgements.
 */
size_t gb_rules_apply(const struct gb_rules *rs, const struct gb_facts *f,
		      struct gb_judgement **out);

/* The recommendation with {value} replaced (formatted like the evidence); caller frees. */
char *gb_rule_recommendation(const struct gb_rule *r, double value);
/* A value for humans: ratios below 1 as percentages where the metric is a ratio. */
char *gb_rule_format_value(const char *metric, double value);

#endif
