# Helpers for the line mode tests. Source after tests/lib.sh, with
# kvl_test_init done, the sandbox started and ENV set:
#
#   . "$KVL_SRCDIR/tests/integration/plain.sh"
#   kvl_plain 0 <<<"5"
#   SUB=$(kvl_plain_number "Contoso Production")

# kvl_plain EXPECTED_STATUS [OPTION]...: runs kvlink --plain with the
# caller's standard input; its output is left in $WORK/plain.out and
# $WORK/plain.err, and appended to the test's leftovers.
kvl_plain() {
	local expected=$1 status=0
	shift

	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" --plain "$@" \
		>"$WORK/plain.out" 2>"$WORK/plain.err" || status=$?
	cat "$WORK/plain.out" "$WORK/plain.err" \
		>>"$KVL_LEFTOVERS/$KVL_TEST_NAME/plain.transcript"
	[ "$status" -eq "$expected" ] ||
		kvl_fail "line mode exited with $status, expected $expected:" \
			 "$(cat "$WORK/plain.out" "$WORK/plain.err")"
}

# kvl_plain_number TEXT: the number of the row of the last list in
# $WORK/plain.out that starts with TEXT ("  3. TEXT  (...)").
kvl_plain_number() {
	local n

	n=$(grep -E "^  [0-9]+\. $1( |\$)" "$WORK/plain.out" | tail -1 |
		sed -E 's/^  ([0-9]+)\..*/\1/')
	[ -n "$n" ] || kvl_fail "no row '$1' in: $(cat "$WORK/plain.out")"
	echo "$n"
}

# kvl_plain_link_numbers: sets SUB, GROUP and VAULT to the numbers of
# Contoso Production, rg-ci-prod and kv-ci-prod in the link flow's
# lists, from runs whose input ends at each list (they save nothing).
kvl_plain_link_numbers() {
	kvl_plain 1 <<<"1"
	SUB=$(kvl_plain_number "Contoso Production")
	kvl_plain 1 <<<"1
$SUB"
	GROUP=$(kvl_plain_number "rg-ci-prod")
	kvl_plain 1 <<<"1
$SUB
$GROUP"
	VAULT=$(kvl_plain_number "kv-ci-prod")
}
