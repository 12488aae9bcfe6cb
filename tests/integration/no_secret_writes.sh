#!/bin/bash
# The last test of make check: no sandbox started by the other tests saw
# a write to a secret, key or certificate of a vault. It reads every
# request log in $KVL_BUILDDIR/tests/request-logs (see tests/lib.sh) and
# fails on any PUT, PATCH, POST or DELETE under /kv/VAULT/secrets, keys,
# certificates or their deleted* collections, and when there is no log.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

shopt -s nullglob
logs=("$KVL_REQUEST_LOGS"/*.jsonl)
[ "${#logs[@]}" -gt 0 ] ||
	kvl_fail "no request log in $KVL_REQUEST_LOGS; run the whole suite" \
		"with make check"

requests=$(cat "${logs[@]}" | wc -l)
[ "$requests" -gt 0 ] || kvl_fail "the request logs are all empty"

writes=$(jq -c 'select((.method == "PUT" or .method == "PATCH" or
		       .method == "POST" or .method == "DELETE") and
		      (.path | test("^/kv/[^/]+/(deleted)?(secrets|keys|" +
				    "certificates)(/|$)")))
		| {method, path, status}' "${logs[@]}") ||
	kvl_fail "jq could not read the request logs: ${logs[*]}"
if [ -n "$writes" ]; then
	echo "$writes" >&2
	kvl_fail "writes to a vault's data plane in the request logs"
fi
echo "checked $requests requests in ${#logs[@]} request logs"
