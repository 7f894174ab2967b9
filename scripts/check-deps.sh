#!/usr/bin/env bash
# check-deps.sh - print the Debian packages the build needs and this machine
# lacks, space-separated on one line (nothing when all are there); exit 0
# either way. The Makefile runs it before compiling anything, so a missing
# package is one line naming it and the command that installs it, not a
# compiler error halfway through the build (issue 22).
#
# It asks the compiler the build will use ($CC) whether each header is found,
# and pkg-config ($PKG_CONFIG) for the libraries linked through it: that is
# what the build needs, whatever installed it. glslc is not checked here: the
# build goes on without it (without shaders) and says so.
#
# The package names are scripts/install-deps.sh's build set (with gcc).
set -u
cc=${CC:-cc}
pkg_config=${PKG_CONFIG:-pkg-config}

# header : package : pkg-config module (or -)
deps="ini.h:libinih-dev:inih
jansson.h:libjansson-dev:jansson
papi.h:libpapi-dev:papi
vulkan/vulkan.h:libvulkan-dev:vulkan
sqlite3.h:libsqlite3-dev:sqlite3
zlib.h:zlib1g-dev:zlib
csv.h:libcsv-dev:-
perfmon/pfmlib_perf_event.h:libpfm4-dev:-
valgrind/callgrind.h:valgrind:-"

missing=""
add() { case " $missing " in *" $1 "*) ;; *) missing="${missing:+$missing }$1" ;; esac; }

have_pc=1
if ! command -v "$pkg_config" > /dev/null 2>&1; then
	add pkg-config
	have_pc=0
fi
# No compiler: nothing else can be asked. A CC of the user's own naming is
# not a package question: make says it is not found.
ccname=${cc%% *}
if ! command -v "$ccname" > /dev/null 2>&1; then
	case ${ccname##*/} in cc|gcc) add gcc ;; clang) add clang ;; esac
	[ -n "$missing" ] && echo "$missing"
	exit 0
fi

header_ok() { # HEADER CFLAGS...: the compiler finds it
	local h=$1; shift
	printf '#include <%s>\n' "$h" | $cc "$@" -E -x c -o /dev/null - > /dev/null 2>&1
}

mods=""
all=""
while IFS=: read -r h pkg mod; do
	[ "$mod" != - ] && mods="$mods $mod"
	all="$all$(printf '#include <%s>\\n' "$h")"
done <<< "$deps"
cflags=""
# shellcheck disable=SC2086 # one word per module
[ "$have_pc" = 1 ] && cflags=$("$pkg_config" --cflags $mods 2>/dev/null)

# The usual case in one compiler call; header by header only when it fails.
# shellcheck disable=SC2086 # $cc, $cflags and $mods are word lists
if [ "$have_pc" = 1 ] && "$pkg_config" --exists $mods 2>/dev/null &&
   printf '%b' "$all" | $cc $cflags -E -x c -o /dev/null - > /dev/null 2>&1; then
	exit 0
fi
while IFS=: read -r h pkg mod; do
	mflags=""
	if [ "$mod" != - ] && [ "$have_pc" = 1 ]; then
		if ! "$pkg_config" --exists "$mod" 2>/dev/null; then
			add "$pkg"
			continue
		fi
		mflags=$("$pkg_config" --cflags "$mod" 2>/dev/null)
	fi
	# shellcheck disable=SC2086 # a word list
	header_ok "$h" $mflags || add "$pkg"
done <<< "$deps"
[ -n "$missing" ] && echo "$missing"
exit 0
