#!/bin/bash
# A short libFuzzer run of every fuzz target, started from the seeds and
# regression inputs under tests/fuzz. The targets are built with clang,
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer: in the build
# under test when it was configured with --enable-fuzzing, otherwise in
# $KVL_BUILDDIR/tests/fuzz/libfuzzer-build, which is kept for the next run.
#
# KVL_FUZZ_SECONDS sets the run time of each target (default 6). An input
# that crashes a target is copied to $KVL_BUILDDIR/tests/fuzz/crashes/;
# fix the bug and add the input under tests/fuzz/regressions/NAME/.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

seconds=${KVL_FUZZ_SECONDS:-6}
case "$seconds" in
'' | *[!0-9]*) kvl_fail "KVL_FUZZ_SECONDS must be a whole number of" \
		"seconds, not '$seconds'" ;;
esac
fuzz_dir="$KVL_SRCDIR/tests/fuzz"
crash_dir="$KVL_BUILDDIR/tests/fuzz/crashes"

skip() {
	echo "SKIP: $*; scripts/install-deps installs clang and" \
	     "libclang-rt-dev" >&2
	exit 77
}

# Whether clang can link a libFuzzer program here.
check_clang() {
	command -v clang >/dev/null 2>&1 || skip "clang is not installed"
	cat >"$WORK/probe.c" <<'PROBE'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return data != NULL && size > 0 ? 0 : 0;
}
PROBE
	clang -fsanitize=fuzzer,address,undefined "$WORK/probe.c" \
		-o "$WORK/probe" >"$WORK/probe.log" 2>&1 ||
		skip "clang's libFuzzer is not installed" \
		     "($(head -n 1 "$WORK/probe.log"))"
}

# Prints the build directory that contains libFuzzer builds of the targets,
# configuring a separate one on first use.
fuzz_build_dir() {
	local dir="$KVL_BUILDDIR/tests/fuzz/libfuzzer-build"

	if "$KVL_BUILDDIR/config.status" --config | grep -q enable-fuzzing
	then
		echo "$KVL_BUILDDIR"
		return
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ]; then
		(cd "$dir" && "$KVL_SRCDIR/configure" CC=clang \
			--enable-fuzzing) >"$dir/configure.log" 2>&1 || {
			tail -n 20 "$dir/configure.log" >&2
			rm -f "$dir/Makefile"
			kvl_fail "configure --enable-fuzzing failed in $dir"
		}
	fi
	echo "$dir"
}

# The fuzz targets' names, from tests/fuzz/fuzz_NAME.c.
target_names() {
	local src name

	for src in "$fuzz_dir"/fuzz_*.c; do
		name=$(basename "$src" .c)
		echo "${name#fuzz_}"
	done
}

# Runs one target; prints its number of executions.
fuzz_one() {
	local prog="$1/tests/fuzz/fuzz_$2" name="$2" log corpus
	local dirs=("$fuzz_dir/seeds/$name")

	corpus="$WORK/corpus/$name"
	log="$WORK/fuzz-$name.log"
	mkdir -p "$corpus"
	if [ -d "$fuzz_dir/regressions/$name" ]; then
		dirs+=("$fuzz_dir/regressions/$name")
	fi
	# New inputs go to the first directory only, never to the sources.
	if ! nice -n 10 "$prog" -max_total_time="$seconds" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$WORK/crash-$name-" \
	    "$corpus" "${dirs[@]}" >"$log" 2>&1; then
		mkdir -p "$crash_dir"
		cp "$WORK"/crash-"$name"-* "$crash_dir"/ 2>/dev/null || true
		grep -m 1 -A 12 'ERROR\|runtime error' "$log" >&2 || true
		echo "fuzz_$name: crash or sanitizer report; inputs in" \
		     "$crash_dir" >&2
		echo 0
		return 1
	fi
	sed -n 's/^stat::number_of_executed_units: *//p' "$log"
}

# 1234567 -> 1,234,567
with_commas() {
	echo "$1" | sed ':a; s/\B[0-9]\{3\}\>/,&/; ta'
}

check_clang
build=$(fuzz_build_dir)
names=$(target_names)
progs=$(for n in $names; do echo "tests/fuzz/fuzz_$n"; done)
# The outer make check's job server is not this build's.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice -n 10 make -C "$build" -j2 \
	$progs >"$WORK/build.log" 2>&1 || {
	tail -n 30 "$WORK/build.log" >&2
	kvl_fail "building the libFuzzer targets in $build failed"
}

total=0
targets=0
crashed=0
for name in $names; do
	if runs=$(fuzz_one "$build" "$name"); then
		[ -n "$runs" ] && [ "$runs" -gt 0 ] ||
			kvl_fail "fuzz_$name reported no executions"
		echo "fuzz_$name: $runs executions in $seconds s"
	else
		crashed=$((crashed + 1))
	fi
	total=$((total + ${runs:-0}))
	targets=$((targets + 1))
done

kvl_figure 30-fuzz "Fuzzing: libFuzzer, ${seconds} s per target in make check" \
	"$targets targets, $(with_commas "$total") executions, $crashed crashes"
[ "$crashed" -eq 0 ] || kvl_fail "$crashed fuzz targets crashed"
echo "$targets targets, $total executions, no crash"
