/*
 * test-escape.c - each sink of escape.h against every character it treats
 * specially (newline, quotes, backquote, backslash, pipe, <, & ...) and
 * against a string of every byte from 1 to 255; the gnuplot sinks also
 * through the real gnuplot where it is installed, since what it expands is
 * the point (issue 21: a name ran system() from a report script).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "unit.h"

/* Every byte 1..255 once, twice over, so runs and pairs occur. */
static char all_bytes[2 * 255 + 1];

static void fill_all_bytes(void)
{
	for (int i = 0; i < 2 * 255; i++)
		all_bytes[i] = (char)(i % 255 + 1);
	all_bytes[2 * 255] = 0;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

#define CHECK_ESC(fn, in, want)                 \
	do {                                    \
		char *e_ = fn;                  \
		CHECK_STR(e_, want);            \
		free(e_);                       \
		(void)(in);                     \
	} while (0)

TEST(gnuplot_literal)
{
	CHECK_ESC(gb_escape_gnuplot("llm-decode"), 0, "'llm-decode'");
	CHECK_ESC(gb_escape_gnuplot("it's"), 0, "'it''s'");
	CHECK_ESC(gb_escape_gnuplot("x\nsystem('touch P')\n#"), 0, "'x system(''touch P'') #'");
	CHECK_ESC(gb_escape_gnuplot("a\rb\tc\x01" "d\x7f"), 0, "'a b c d '");
	/* plain inside single quotes: gnuplot expands none of them there */
	CHECK_ESC(gb_escape_gnuplot("`id` \"q\" \\ @m $v # |<&"), 0, "'`id` \"q\" \\ @m $v # |<&'");
	CHECK_ESC(gb_escape_gnuplot(""), 0, "''");
}

TEST(gnuplot_data)
{
	CHECK_ESC(gb_escape_gnuplot_data("llm-decode cpu"), 0, "\"llm-decode cpu\"");
	CHECK_ESC(gb_escape_gnuplot_data("a\"b"), 0, "\"a'b\"");
	CHECK_ESC(gb_escape_gnuplot_data("a\\nb\\"), 0, "\"a\\\\nb\\\\\"");
	CHECK_ESC(gb_escape_gnuplot_data("x\ny\r\tz"), 0, "\"x y  z\"");
	CHECK_ESC(gb_escape_gnuplot_data("`id` 'q' #"), 0, "\"`id` 'q' #\"");
}

/* Both gnuplot sinks against all bytes: no line break, quotes balanced. */
TEST(gnuplot_all_bytes)
{
	char *g = gb_escape_gnuplot(all_bytes), *d = gb_escape_gnuplot_data(all_bytes);
	size_t lg = strlen(g), ld = strlen(d);

	CHECK(!has_ctl(g) && !has_ctl(d));
	CHECK(g[0] == '\'' && g[lg - 1] == '\'');
	/* inside the quotes every ' is one of a pair */
	for (size_t i = 1; i + 1 < lg; i++)
		if (g[i] == '\'') {
			CHECK(g[i + 1] == '\'');
			i++;
		}
	CHECK(d[0] == '"' && strchr(d + 1, '"') == d + ld - 1);
	for (size_t i = 1; i + 1 < ld; i++)
		if (d[i] == '\\') {
			CHECK(d[i + 1] == '\\');
			i++;
		}
	free(g);
	free(d);
}

/* The real gnuplot reads back exactly the text meant, and runs nothing. */
TEST(gnuplot_real)
{
	char dir[] = "/tmp/gb-escape-XXXXXX", *cmd, *script, *data, *out, line[2048];
	const char *names[] = {
		"x\nsystem('touch PWNED')\n#", "a`touch PWNED`b", "q'uo\"te", "back\\slash\\",
		"@macro $HOME", "pipe|lt<amp&",
	};
	FILE *f;
	int n = 0;

	if (system("command -v gnuplot > /dev/null 2>&1") != 0) {
		SKIP("gnuplot is not installed");
		return;
	}
	CHECK(mkdtemp(dir) != NULL);
	script = malloc(strlen(dir) + 16);
	data = malloc(strlen(dir) + 16);
	out = malloc(strlen(dir) + 16);
	sprintf(script, "%s/t.gp", dir);
	sprintf(data, "%s/t.dat", dir);
	sprintf(out, "%s/out", dir);
	f = fopen(data, "w");
	CHECK(f != NULL);
	for (size_t i = 0; f && i < sizeof(names) / sizeof(*names); i++) {
		char *e = gb_escape_gnuplot_data(names[i]);

		fprintf(f, "%s 1\n", e);
		free(e);
	}
	if (f)
		fclose(f);
	f = fopen(script, "w");
	CHECK(f != NULL);
	if (f) {
		fprintf(f, "set print 'out'\n");
		for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
			char *e = gb_escape_gnuplot(names[i]);

			fprintf(f, "# %s\nprint %s\n", e, e);
			free(e);
		}
		/* the data file's strings, as xtic labels: stringcolumn reads them */
		fprintf(f, "stats 't.dat' using (0):(0) nooutput\n");
		fprintf(f, "do for [i=0:%zu] { stats 't.dat' every ::i::i using (v=stringcolumn(1), 0) nooutput; print v }\n",
			sizeof(names) / sizeof(*names) - 1);
		fclose(f);
	}
	cmd = malloc(3 * strlen(dir) + 64);
	sprintf(cmd, "cd '%s' && gnuplot t.gp > /dev/null 2>&1", dir);
	CHECK(system(cmd) == 0);
	f = fopen(out, "r");
	CHECK(f != NULL);
	while (f && fgets(line, sizeof(line), f)) {
		size_t k = (size_t)n % (sizeof(names) / sizeof(*names));
		char want[256];

		line[strcspn(line, "\n")] = 0;
		snprintf(want, sizeof(want), "%s", names[k]);
		for (char *p = want; *p; p++)
			if (*p == '\n')
				*p = ' ';
		if (n >= (int)(sizeof(names) / sizeof(*names)))   /* the data file has no " */
			for (char *p = want; *p; p++)
				if (*p == '"')
					*p = '\'';
		CHECK_STR(line, want);
		n++;
	}
	if (f)
		fclose(f);
	CHECK(n == 2 * (int)(sizeof(names) / sizeof(*names)));
	sprintf(cmd, "%s/PWNED", dir);
	CHECK(access(cmd, F_OK) != 0);
	sprintf(cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	free(cmd);
	free(script);
	free(data);
	free(out);
}

TEST(markdown_text)
{
	CHECK_ESC(gb_escape_md("llm-decode.cpu.b1.f32.c0"), 0, "llm-decode.cpu.b1.f32.c0");
	CHECK_ESC(gb_escape_md("a|b`c*d_e"), 0, "a\\|b\\`c\\*d_e");
	/* intraword _ stays; at a word's edge, or doubled, it is escaped */
	CHECK_ESC(gb_escape_md("branch_miss_ratio _x y_ a__b a*b*c"), 0,
		  "branch_miss_ratio \\_x y\\_ a\\_\\_b a\\*b\\*c");
	CHECK_ESC(gb_escape_md("[x](y) <img> &amp; ~s~ \\"), 0,
		  "\\[x\\](y) \\<img\\> \\&amp; \\~s\\~ \\\\");
	CHECK_ESC(gb_escape_md("row\n| x |\r\t"), 0, "row \\| x \\|  ");
	CHECK_ESC(gb_escape_md("# + - ! ."), 0, "# + - ! .");
}

TEST(markdown_code)
{
	CHECK_ESC(gb_escape_md_code("cell", 1), 0, "`cell`");
	CHECK_ESC(gb_escape_md_code("a`b", 0), 0, "``a`b``");
	CHECK_ESC(gb_escape_md_code("a``b`", 0), 0, "``` a``b` ```");
	CHECK_ESC(gb_escape_md_code("`x", 1), 0, "`` `x ``");
	CHECK_ESC(gb_escape_md_code("a|b", 1), 0, "`a\\|b`");
	CHECK_ESC(gb_escape_md_code("a|b", 0), 0, "`a|b`");
	CHECK_ESC(gb_escape_md_code("x\ny\\<&", 0), 0, "`x y\\<&`");
	CHECK_ESC(gb_escape_md_code("", 0), 0, "``");
}

/* Markdown sinks against all bytes: no line break; every special escaped. */
TEST(markdown_all_bytes)
{
	char *t = gb_escape_md(all_bytes), *c = gb_escape_md_code(all_bytes, 1);
	size_t lc = strlen(c), fence = 0, run = 0;

	CHECK(!has_ctl(t) && !has_ctl(c));
	for (size_t i = 0; t[i]; i++) {
		if (t[i] == '\\') {
			CHECK(t[i + 1] && strchr("\\`*_[]<>|&~", t[i + 1]));
			i++;
		} else if (t[i] == '_') {
			CHECK(i > 0 && isalnum((unsigned char)t[i - 1]) && isalnum((unsigned char)t[i + 1]));
		} else {
			CHECK(!strchr("`*[]<>|&~", t[i]));
		}
	}
	/* the fence is longer than every run of backticks inside */
	while (c[fence] == '`')
		fence++;
	CHECK(fence == 2);   /* all_bytes holds single backticks */
	for (size_t i = fence; i < lc - fence; i++) {
		run = c[i] == '`' ? run + 1 : 0;
		CHECK(run < fence);
		if (c[i] == '|')
			CHECK(c[i - 1] == '\\');
	}
	free(t);
	free(c);
}

TEST(xml)
{
	CHECK_ESC(gb_escape_xml("a&b<c>d\"e'f"), 0, "a&amp;b&lt;c&gt;d&quot;e&apos;f");
	CHECK_ESC(gb_escape_xml("t\tn\nr\r"), 0, "t&#9;n&#10;r&#13;");
	CHECK_ESC(gb_escape_xml("x\x01y\x1bz\x7f"), 0, "xyz");
	CHECK_ESC(gb_escape_xml("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), 0,
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	/* a lone byte, an overlong form, a surrogate, U+FFFE: each bad byte U+FFFD */
	CHECK_ESC(gb_escape_xml("a\xff" "b"), 0, "a\xef\xbf\xbd" "b");
	CHECK_ESC(gb_escape_xml("\xc0\xaf"), 0, "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_ESC(gb_escape_xml("\xed\xa0\x80"), 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_ESC(gb_escape_xml("\xef\xbf\xbe"), 0, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_ESC(gb_escape_xml("\xe2\x82"), 0, "\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_ESC(gb_escape_xml("`x` |"), 0, "`x` |");
}

TEST(xml_all_bytes)
{
	char *x = gb_escape_xml(all_bytes);

	CHECK(!has_ctl(x));
	CHECK(!strchr(x, '<') && !strchr(x, '>') && !strchr(x, '"') && !strchr(x, '\''));
	for (char *p = strchr(x, '&'); p; p = strchr(p + 1, '&'))
		CHECK(!strncmp(p, "&amp;", 5) || !strncmp(p, "&lt;", 4) || !strncmp(p, "&gt;", 4) ||
		      !strncmp(p, "&quot;", 6) || !strncmp(p, "&apos;", 6) || !strncmp(p, "&#9;", 4) ||
		      !strncmp(p, "&#10;", 5) || !strncmp(p, "&#13;", 5));
	/* what is left above 0x7f is well-formed UTF-8: escaping it again changes nothing */
	{
		char *hi = malloc(strlen(x) + 1), *p = hi, *again;

		for (const char *q = x; *q; q++)
			if ((unsigned char)*q >= 0x80)
				*p++ = *q;
		*p = 0;
		again = gb_escape_xml(hi);
		CHECK(strlen(hi) > 0 && !strcmp(again, hi));
		free(again);
		free(hi);
	}
	free(x);
}

TEST(openmetrics)
{
	CHECK_ESC(gb_escape_openmetrics("a\\b\"c\nd"), 0, "a\\\\b\\\"c\\nd");
	CHECK_ESC(gb_escape_openmetrics("{a=\"b\"},|#"), 0, "{a=\\\"b\\\"},|#");
	CHECK_ESC(gb_escape_openmetrics("caf\xc3\xa9"), 0, "caf\xc3\xa9");
	/* control characters and bytes that are not UTF-8: U+FFFD each */
	CHECK_ESC(gb_escape_openmetrics("x\ty\x1b\r\x7f"), 0,
		  "x\xef\xbf\xbdy\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	CHECK_ESC(gb_escape_openmetrics("a\xff" "b\xc0\xaf"), 0,
		  "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	{
		char *e = gb_escape_openmetrics(all_bytes);

		CHECK(!has_ctl(e));
		/* every backslash starts one of the three escapes; no quote unescaped */
		for (char *p = e; *p; p++) {
			if (*p == '\\') {
				CHECK(p[1] == '\\' || p[1] == '"' || p[1] == 'n');
				p++;
			} else {
				CHECK(*p != '"');
			}
		}
		free(e);
	}
}

TEST(file_names)
{
	char *e;

	CHECK(gb_fname_is_safe("llm-decode.cpu.b1.f32.c0"));
	CHECK(gb_fname_is_safe("a+b_c-d.e"));
	CHECK(!gb_fname_is_safe(""));
	CHECK(!gb_fname_is_safe("."));
	CHECK(!gb_fname_is_safe(".."));
	CHECK(!gb_fname_is_safe("../../etc/passwd"));
	CHECK(!gb_fname_is_safe("a/b"));
	CHECK(!gb_fname_is_safe("a b"));
	CHECK(!gb_fname_is_safe("x\ny"));
	CHECK_ESC(gb_escape_fname("llm-decode"), 0, "llm-decode");
	e = gb_escape_fname("../../x");
	CHECK(gb_fname_is_safe(e) && !strchr(e, '/') && !strncmp(e, ".._.._x-", 8) && strlen(e) == 16);
	free(e);
	e = gb_escape_fname("x\nsystem('touch P')\n#");
	CHECK(gb_fname_is_safe(e) && !strncmp(e, "x_system__touch_P____-", 22));
	free(e);
	for (const char *s = "."; s; s = !strcmp(s, ".") ? ".." : !strcmp(s, "..") ? "" : NULL) {
		e = gb_escape_fname(s);
		CHECK(gb_fname_is_safe(e));
		free(e);
	}
	/* two names that differ only in unsafe bytes stay apart */
	{
		char *a = gb_escape_fname("a b"), *b = gb_escape_fname("a/b"), *c = gb_escape_fname("a_b");

		CHECK(strcmp(a, b) && strcmp(a, c) && strcmp(b, c));
		free(a);
		free(b);
		free(c);
	}
	/* long names are cut to the bound, still distinct */
	{
		char la[400], lb[400], *a, *b;

		memset(la, 'a', sizeof(la) - 1);
		la[sizeof(la) - 1] = 0;
		memcpy(lb, la, sizeof(lb));
		lb[398] = 'b';
		a = gb_escape_fname(la);
		b = gb_escape_fname(lb);
		CHECK(strlen(a) == GB_FNAME_MAX && gb_fname_is_safe(a) && strcmp(a, b));
		free(a);
		free(b);
	}
	e = gb_escape_fname(all_bytes);
	CHECK(gb_fname_is_safe(e));
	free(e);
}

TEST(messages_and_names)
{
	CHECK_ESC(gb_escape_msg("evil/x\nsystem('id')\r\t\x01\\"), 0,
		  "evil/x\\nsystem('id')\\r\\t\\x01\\\\");
	CHECK(gb_name_check("llm-decode") == 0);
	CHECK(gb_name_check("a b `c` 'd' |e| <f> caf\xc3\xa9") == 0);
	CHECK(gb_name_check("") < 0);
	CHECK(gb_name_check("x\nsystem('id')") < 0);
	CHECK(gb_name_check("tab\there") < 0);
	CHECK(gb_name_check("del\x7f") < 0);
	{
		char *m = gb_escape_msg(all_bytes);

		CHECK(!has_ctl(m));
		free(m);
	}
}

int main(void)
{
	fill_all_bytes();
	RUN(gnuplot_literal);
	RUN(gnuplot_data);
	RUN(gnuplot_all_bytes);
	RUN(gnuplot_real);
	RUN(markdown_text);
	RUN(markdown_code);
	RUN(markdown_all_bytes);
	RUN(xml);
	RUN(xml_all_bytes);
	RUN(openmetrics);
	RUN(file_names);
	RUN(messages_and_names);
	return unit_done();
}
