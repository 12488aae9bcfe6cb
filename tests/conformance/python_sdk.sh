#!/bin/bash
# The Azure SDK for Python (Debian's python3-azure) against the sandbox:
# tests/conformance/python_sdk.py makes the calls and compares the results
# with the sandbox's state. The sandbox pages vault lists at 2 here, so
# the four vaults of the development subscription take two pages. It also
# serves each vault on a port of its own, because the Key Vault SDK reads
# a secret's id as https://HOST[:PORT]/secrets/NAME[/VERSION]. That leaves
# no room for the /kv/NAME path of the sandbox's usual vault URIs.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"

PAGE_SIZE=2

kvl_test_init
. "$KVL_SRCDIR/tests/conformance/python.sh"
kvl_python_azure_find
kvl_sandbox_start --page-size "$PAGE_SIZE" --vault-ports
kvl_python_env

"$PYTHON" "$KVL_SRCDIR/tests/conformance/python_sdk.py" \
	"$SANDBOX_CLOUD" "$SANDBOX_URL" "$PAGE_SIZE" ||
	kvl_fail "the Azure SDK for Python disagrees with the sandbox"
kvl_python_no_escape
