#!/usr/bin/env bash
# The build a newcomer gets (issue 22), in a copy of the tree: a missing
# package stops `make` in one line naming it and the command that installs
# it; with no glslc on PATH a plain `make` builds without shaders and says
# so once; with glslc back the same plain `make` builds the shaders and
# nothing else, and `gbench info` no longer says "built without shaders";
# a third `make` compiles nothing. Then the -O-level matrix in its quick
# form (scripts/check-build.sh --quick; make check-build runs it whole).
# Release builds, -j2: this script's own builds, never the suite's.
. "$(dirname "$0")/lib.sh"

# A newcomer's environment: no make of ours around it (make test runs the
# suite from a recipe), none of the build's variables set.
unset MAKEFLAGS MFLAGS MAKELEVEL CC CFLAGS LDFLAGS BUILD SAN OPT GLSLC PKG_CONFIG
start=$(date +%s)
lacks() { ! grep -qE "$1" "$2"; } # PATTERN FILE: no line matches
src=$TMP/src
mkdir -p "$src"
# The files git would commit (untracked new ones too), or the tree less its
# build folders when this is not a checkout.
if git -C "$TOP" rev-parse --is-inside-work-tree > /dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$src" 2> /dev/null)
else
	(cd "$TOP" && tar --exclude='./build*' --exclude=./results -cf - .) | tar -xf - -C "$src"
fi
check "the copy of the tree has the Makefile" test -f "$src/Makefile"

# A machine without libjansson-dev: the compiler's own include path with
# /usr/include replaced by a copy lacking jansson.h.
mkdir -p "$TMP/inc" "$TMP/bin"
for f in /usr/include/*; do
	case ${f##*/} in jansson.h|jansson_config.h) ;; *) ln -s "$f" "$TMP/inc/" ;; esac
done
sysdirs=$(echo | cc -E -Wp,-v -x c - 2>&1 | sed -n '/<...> search starts here/,/End of search/p' |
	sed -e '1d' -e '$d' -e 's/^ *//')
{
	echo '#!/bin/sh'
	printf 'exec cc -nostdinc'
	for d in $sysdirs; do
		[ "$d" = /usr/include ] && d=$TMP/inc
		printf ' -isystem %s' "$d"
	done
	echo ' "$@"'
} > "$TMP/bin/cc-nojansson"
chmod +x "$TMP/bin/cc-nojansson"
make -C "$src" --no-print-directory -j2 BUILD="$TMP/b-nojansson" CC="$TMP/bin/cc-nojansson" \
	> "$TMP/nodeps.log" 2>&1
rc=$?
check "make without libjansson-dev fails" test "$rc" -ne 0
check "in one line" test "$(wc -l < "$TMP/nodeps.log")" -eq 1
check "naming the package and the command that installs it" \
	grep -q "libjansson-dev.*make deps" "$TMP/nodeps.log"
check "before any compiler error" lacks 'No such file|error:' "$TMP/nodeps.log"
sed 's/^/#   /' "$TMP/nodeps.log" | head -n 5

# A PATH without glslc: every tool of PATH but it, as links in one folder.
nobin=$TMP/nobin
mkdir -p "$nobin"
IFS=: read -r -a pathdirs <<< "$PATH"
for d in "${pathdirs[@]}"; do
	[ -d "$d" ] && ln -s "$d"/* "$nobin/" 2> /dev/null
done
rm -f "$nobin/glslc"

PATH=$nobin make -C "$src" --no-print-directory -j2 > "$TMP/b1.log" 2>&1
rc=$?
check "make with no glslc on PATH builds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 20 "$TMP/b1.log" | sed 's/^/#   /'
check "and says it builds without shaders, once" \
	test "$(grep -c 'building without shaders' "$TMP/b1.log")" -eq 1
"$src/build/gbench" info > "$TMP/info1" 2>&1
check "gbench info: vulkan unavailable, built without shaders" \
	grep -qE '^  vulkan +.*built without shaders' "$TMP/info1"

make -C "$src" --no-print-directory -j2 > "$TMP/b2.log" 2>&1
rc=$?
check "with glslc on PATH a plain make builds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 20 "$TMP/b2.log" | sed 's/^/#   /'
check "the shaders" grep -q 'glslc .*matmul.comp' "$TMP/b2.log"
check "and no C object but the shader table" lacks ' -c -o [^ ]*/obj/' "$TMP/b2.log"
check "without a word about building without shaders" lacks 'without shaders' "$TMP/b2.log"
"$src/build/gbench" info > "$TMP/info2" 2>&1
grep -E '^  vulkan ' "$TMP/info2" | sed 's/^/# /'
check "gbench info no longer says built without shaders" lacks 'built without shaders' "$TMP/info2"
if grep -qE '^  vulkan +.*unavailable' "$TMP/info2" && ! grep -q 'without shaders' "$TMP/info2"; then
	skip "gbench info lists vulkan as available" "no Vulkan device here: $(grep -E '^  vulkan ' "$TMP/info2")"
else
	check "gbench info lists vulkan as available" grep -qE '^  vulkan +[^ ].*, driver ' "$TMP/info2"
fi

make -C "$src" --no-print-directory -j2 > "$TMP/b3.log" 2>&1
check "a third make succeeds" test $? -eq 0
check "and compiles and links nothing" lacks '(^| )(cc|gcc|clang|glslc|ar) ' "$TMP/b3.log"
echo "# the builds: $(( $(date +%s) - start )) s"

# Warnings stay errors at the level where gcc's analysis has differed from -O2.
mstart=$(date +%s)
"$src/scripts/check-build.sh" --quick --src "$src" --out "$TMP/matrix" > "$TMP/matrix.log" 2>&1
rc=$?
sed 's/^/# /' "$TMP/matrix.log"
check "builds warning-free with gcc -O1 (check-build --quick)" test "$rc" -eq 0
echo "# the quick matrix: $(( $(date +%s) - mstart )) s"
done_testing
