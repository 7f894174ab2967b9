/*
 * escape.h - one function per sink for strings that come from data
 * (workload, cell, device and executor names, paths, reasons read from a
 * results folder or a trace's file name) and reach another program's input:
 * a gnuplot script, a gnuplot data file, Markdown, JUnit XML, a file name,
 * a one-line message. Each result is a new string (free it); none fails.
 *
 * A name reaches a sink only through the function for that sink: a results
 * folder or a trace name is attacker-controlled, and gnuplot runs shell
 * commands (system(), backquotes), so one missed escape is a command
 * execution, not a cosmetic bug (issue 21).
 */
#ifndef GB_ESCAPE_H
#define GB_ESCAPE_H

/*
 * A gnuplot string literal, quotes included: single-quoted, because
 * gnuplot expands `command` and "\n" inside double quotes but nothing
 * inside single quotes except '' (a quote). A newline or CR would end the
 * command and let the rest run as a new one, so every control character
 * (below 0x20, and 0x7f) becomes a space. Backquotes, @, #, $, \ and "
 * are plain characters there. Enhanced-text markup (^ _ @ & { } ~) is
 * not escaped: the templates print data-derived text with noenhanced.
 */
char *gb_escape_gnuplot(const char *s);

/*
 * A string field of a gnuplot data file (a columnheader title, an xtic
 * label), quotes included: double-quoted, where gnuplot's data reader has
 * no \" but does read \\ and \n, so " becomes ', \ becomes \\, and every
 * control character a space (a newline would end the data line).
 */
char *gb_escape_gnuplot_data(const char *s);

/*
 * Markdown inline text, also valid in a GFM table cell: \ ` * _ [ ] < > |
 * & ~ are backslash-escaped (no code span, emphasis, link, HTML, entity,
 * strikethrough or column break can start), except a _ between two ASCII
 * letters or digits, which CommonMark never reads as emphasis (so metric
 * names such as branch_miss_ratio stay greppable); a newline, CR or other
 * control character becomes a space (a line break would end the table row
 * or the paragraph); # + - ! . stay as they are: mid-line they start
 * nothing.
 */
char *gb_escape_md(const char *s);

/*
 * A Markdown code span, backticks included: the fence is one backtick
 * longer than the longest run of backticks in s, padded with a space when
 * s starts or ends with one, as CommonMark requires (backslashes are
 * literal inside a span, so a backtick cannot be escaped with one).
 * Control characters become spaces. in_table: inside a GFM table cell,
 * where a | splits the cell even inside a span, | becomes \| (the table
 * reader turns it back into |).
 */
char *gb_escape_md_code(const char *s, int in_table);

/*
 * XML 1.0 text or attribute value (JUnit): & < > " ' as entities, tab,
 * newline and CR as character references (kept through attribute
 * normalization), other control characters XML 1.0 forbids dropped, and
 * bytes that are not well-formed UTF-8 (or encode U+FFFE, U+FFFF or a
 * surrogate) replaced by U+FFFD, so the document stays well-formed.
 */
char *gb_escape_xml(const char *s);

/*
 * An OpenMetrics label value, without its quotes: \, " and the newline
 * as \\, \" and \n (the format's only escapes); other control characters
 * and bytes that are not well-formed UTF-8 (the format is UTF-8) replaced
 * by U+FFFD, so a scrape neither fails nor shows a terminal sequence.
 */
char *gb_escape_openmetrics(const char *s);

/*
 * A file-name component: only [A-Za-z0-9._+-], never "." or "..", at most
 * GB_FNAME_MAX bytes. Any other byte becomes '_'; when anything was changed
 * or cut, "-" and 8 hex digits of a hash of s follow, so two different
 * names do not share a file. An empty s gives "_" and the hash.
 */
#define GB_FNAME_MAX 200
char *gb_escape_fname(const char *s);
/* 1 when s is already such a component (a cell id usable in hist/ID.hgrm). */
int gb_fname_is_safe(const char *s);

/*
 * A one-line message ('%s' in gb_error): a control character as \n, \r,
 * \t or \xNN and a backslash as \\, so a name with a newline cannot forge
 * a second line of output.
 */
char *gb_escape_msg(const char *s);
/*
 * The same with backslashes left alone: a whole message whose names may
 * have been through gb_escape_msg already (gb_error's last guard).
 */
char *gb_escape_ctl(const char *s);

/*
 * 0 when s can be a workload name: not empty and free of control
 * characters (every sink above could make it safe, but a name that prints
 * as two lines or as nothing is refused where it enters); else -1. No
 * message: the caller names where the name came from.
 */
int gb_name_check(const char *s);

#endif
