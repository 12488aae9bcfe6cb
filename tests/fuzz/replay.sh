#!/bin/bash
# Feeds every seed and regression input under tests/fuzz to its fuzz
# target (tests/fuzz/seeds/NAME and tests/fuzz/regressions/NAME go to
# fuzz_NAME). In the plain build the targets carry replay.c's main(); in a
# --enable-fuzzing build they are libFuzzer programs, which -runs=0 makes
# run each input once.
set -eu
: "${KVL_BUILDDIR:?KVL_BUILDDIR is not set; run the tests with make check}"
: "${KVL_SRCDIR:?KVL_SRCDIR is not set; run the tests with make check}"

fuzz_dir="$KVL_SRCDIR/tests/fuzz"
targets=0
inputs=0
for src in "$fuzz_dir"/fuzz_*.c; do
	name=$(basename "$src" .c)
	name=${name#fuzz_}
	prog="$KVL_BUILDDIR/tests/fuzz/fuzz_$name"
	[ -x "$prog" ] || { echo "FAIL: $prog is not built" >&2; exit 1; }
	[ -d "$fuzz_dir/seeds/$name" ] ||
		{ echo "FAIL: no seeds for fuzz_$name" >&2; exit 1; }

	# libFuzzer stops on a directory that does not exist.
	dirs=("$fuzz_dir/seeds/$name")
	if [ -d "$fuzz_dir/regressions/$name" ]; then
		dirs+=("$fuzz_dir/regressions/$name")
	fi
	log="$KVL_BUILDDIR/tests/fuzz/replay-$name.log"
	if ! "$prog" -runs=0 "${dirs[@]}" >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "FAIL: fuzz_$name failed on a saved input (log: $log)" >&2
		exit 1
	fi
	n=$(grep -c '^replay: .* bytes)$' "$log" || true)
	[ "$n" -gt 0 ] || grep -q 'seed corpus: files: [1-9]' "$log" ||
		{ echo "FAIL: fuzz_$name read no input" >&2; exit 1; }
	targets=$((targets + 1))
	inputs=$((inputs + n))
done
[ "$targets" -gt 0 ] || { echo "FAIL: no fuzz targets found" >&2; exit 1; }
echo "replayed $inputs saved inputs through $targets fuzz targets"
