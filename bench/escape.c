/*
 * escape.c - the sinks' escaping (escape.h). Each function walks the bytes
 * once into a string sized for the worst case, so none can fail but for
 * memory (gb_xmalloc). Control characters are replaced rather than kept in
 * any form a later reader could turn back into a line break.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "gbench.h"

static int is_ctl(unsigned char ch)
{
	return ch < 0x20 || ch == 0x7f;
}

char *gb_escape_gnuplot(const char *s)
{
	char *out = gb_xmalloc(2 * strlen(s) + 3), *p = out;

	*p++ = '\'';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\'') {
			*p++ = '\'';
			*p++ = '\'';
		} else {
			*p++ = is_ctl(ch) ? ' ' : (char)ch;
		}
	}
	*p++ = '\'';
	*p = 0;
	return out;
}

char *gb_escape_gnuplot_data(const char *s)
{
	char *out = gb_xmalloc(2 * strlen(s) + 3), *p = out;

	*p++ = '"';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\') {
			*p++ = '\\';
			*p++ = '\\';
		} else if (ch == '"') {
			*p++ = '\'';
		} else {
			*p++ = is_ctl(ch) ? ' ' : (char)ch;
		}
	}
	*p++ = '"';
	*p = 0;
	return out;
}

static int is_alnum(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

char *gb_escape_md(const char *s)
{
	char *out = gb_xmalloc(2 * strlen(s) + 1), *p = out;
	const char *start = s;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		/* between two alphanumerics a _ can neither open nor close emphasis */
		if (ch == '_' && s > start && is_alnum(s[-1]) && is_alnum(s[1]))
			*p++ = '_';
		else if (strchr("\\`*_[]<>|&~", ch) && ch) {
			*p++ = '\\';
			*p++ = (char)ch;
		} else {
			*p++ = is_ctl(ch) ? ' ' : (char)ch;
		}
	}
	*p = 0;
	return out;
}

char *gb_escape_md_code(const char *s, int in_table)
{
	size_t run = 0, longest = 0, len = strlen(s), fence;
	char *out, *p;
	int pad;

	for (const char *q = s; *q; q++) {
		run = *q == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	fence = longest + 1;
	/* a span that begins or ends with a backtick needs a space inside the fence */
	pad = len && (s[0] == '`' || s[len - 1] == '`');
	out = gb_xmalloc(2 * len + 2 * fence + 2 * pad + 1);
	p = out;
	memset(p, '`', fence);
	p += fence;
	if (pad)
		*p++ = ' ';
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (in_table && ch == '|')
			*p++ = '\\';
		*p++ = is_ctl(ch) ? ' ' : (char)ch;
	}
	if (pad)
		*p++ = ' ';
	memset(p, '`', fence);
	p += fence;
	*p = 0;
	return out;
}

/*
 * Length of the well-formed UTF-8 sequence at s that XML 1.0 allows (no
 * surrogate, nothing above U+10FFFF, no U+FFFE or U+FFFF), or 0. The
 * OpenMetrics writer takes the same characters.
 */
static size_t utf8_char_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)   /* also stops at the terminating NUL */
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return n;
}

/* U+FFFD, the replacement character, at *p. */
static void put_fffd(char **p)
{
	memcpy(*p, "\xef\xbf\xbd", 3);
	*p += 3;
}

/* The character at *u copied to *p, or U+FFFD for its first byte when it is not one (above). */
static void copy_char(char **p, const unsigned char **u)
{
	size_t n = utf8_char_len(*u);

	if (!n) {
		put_fffd(p);
		(*u)++;
		return;
	}
	memcpy(*p, *u, n);
	*p += n;
	*u += n;
}

char *gb_escape_xml(const char *s)
{
	/* the longest replacement: "&quot;" and "&apos;", 6 bytes for 1 */
	char *out = gb_xmalloc(6 * strlen(s) + 1), *p = out;
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		const char *ent = NULL;

		switch (*u) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		case '\t': ent = "&#9;"; break;
		case '\n': ent = "&#10;"; break;
		case '\r': ent = "&#13;"; break;
		}
		if (ent) {
			p += sprintf(p, "%s", ent);
			u++;
		} else if (is_ctl(*u)) {
			u++;   /* not a character XML 1.0 allows, in any form */
		} else {
			copy_char(&p, &u);
		}
	}
	*p = 0;
	return out;
}

char *gb_escape_openmetrics(const char *s)
{
	/* the longest replacement: U+FFFD, 3 bytes for 1 */
	char *out = gb_xmalloc(3 * strlen(s) + 1), *p = out;
	const unsigned char *u = (const unsigned char *)s;

	while (*u) {
		if (*u == '\\' || *u == '"' || *u == '\n') {
			*p++ = '\\';
			*p++ = *u == '\n' ? 'n' : (char)*u;
			u++;
		} else if (is_ctl(*u)) {
			put_fffd(&p);
			u++;
		} else {
			copy_char(&p, &u);
		}
	}
	*p = 0;
	return out;
}

static int fname_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '+' || ch == '-';
}

int gb_fname_is_safe(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > GB_FNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (!fname_char((unsigned char)*s))
			return 0;
	return 1;
}

char *gb_escape_fname(const char *s)
{
	size_t len = strlen(s), keep = len;
	char *out;

	if (gb_fname_is_safe(s))
		return gb_xstrdup(s);
	/* room for "-" and the hash within GB_FNAME_MAX */
	if (keep > GB_FNAME_MAX - 9)
		keep = GB_FNAME_MAX - 9;
	out = gb_xmalloc(keep + 10 + 1);
	for (size_t i = 0; i < keep; i++)
		out[i] = fname_char((unsigned char)s[i]) ? s[i] : '_';
	if (!keep)
		out[keep++] = '_';
	/* "." and ".." cannot remain: a hash suffix always follows */
	snprintf(out + keep, 10, "-%08x", (unsigned)(gb_fnv1a(GB_FNV_INIT, s, len) & 0xffffffffu));
	return out;
}

/* Control characters as \n, \r, \t or \xNN; a backslash as \\ when backslashes says so. */
static char *escape_line(const char *s, int backslashes)
{
	char *out = gb_xmalloc(4 * strlen(s) + 1), *p = out;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\' && backslashes)
			p += sprintf(p, "\\\\");
		else if (ch == '\n')
			p += sprintf(p, "\\n");
		else if (ch == '\r')
			p += sprintf(p, "\\r");
		else if (ch == '\t')
			p += sprintf(p, "\\t");
		else if (is_ctl(ch))
			p += sprintf(p, "\\x%02x", ch);
		else
			*p++ = (char)ch;
	}
	*p = 0;
	return out;
}

char *gb_escape_msg(const char *s)
{
	return escape_line(s, 1);
}

char *gb_escape_ctl(const char *s)
{
	return escape_line(s, 0);
}

int gb_name_check(const char *s)
{
	if (!*s)
		return -1;
	for (; *s; s++)
		if (is_ctl((unsigned char)*s))
			return -1;
	return 0;
}
