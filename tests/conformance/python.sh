# Helpers for the tests that run Python clients (the Azure SDK, az)
# against the sandbox. Source it after tests/lib.sh and kvl_test_init.

# The Azure SDK modules the tests import, all from Debian's python3-azure.
KVL_AZURE_MODULES="azure.identity azure.mgmt.resource azure.mgmt.keyvault
azure.mgmt.authorization azure.mgmt.resourcegraph azure.keyvault.secrets"

# Sets PYTHON to the first python3 that imports every Azure SDK module the
# tests use, or skips the test (exit 77) when there is none. Debian
# installs the modules for /usr/bin/python3, which need not be the
# python3 first on PATH.
kvl_python_azure_find() {
	local candidate imports

	imports=$(printf 'import %s\n' $KVL_AZURE_MODULES)
	for candidate in /usr/bin/python3 python3; do
		if command -v "$candidate" >/dev/null 2>&1 &&
		    PYTHONDONTWRITEBYTECODE=1 "$candidate" -c "$imports" \
		    >/dev/null 2>&1; then
			PYTHON=$candidate
			return 0
		fi
	done
	echo "SKIP: no python3 here imports the Azure SDK for Python" \
	     "(python3-azure; scripts/install-deps installs it)" >&2
	exit 77
}

# Exports what every Python client of a test needs: the sandbox's CA as
# the only trusted one, no bytecode in the source tree, and the network
# guard (tests/conformance/netguard). The guard rejects and records any
# lookup or connection to a host other than 127.0.0.1.
kvl_python_env() {
	export REQUESTS_CA_BUNDLE="$SANDBOX_CA"
	export SSL_CERT_FILE="$SANDBOX_CA"
	export PYTHONDONTWRITEBYTECODE=1
	export PYTHONPATH="$KVL_SRCDIR/tests/conformance/netguard"
	export KVL_NETGUARD_LOG="$WORK/netguard.log"
	: >"$KVL_NETGUARD_LOG"

	# Another sitecustomize earlier on sys.path would leave the guard out.
	[ "$("$PYTHON" -c 'import os, sitecustomize as s
print(os.path.dirname(os.path.realpath(s.__file__)) ==
      os.path.realpath(os.environ["PYTHONPATH"]))')" = True ] ||
		kvl_fail "the network guard is not the sitecustomize module" \
			"that $PYTHON loads"
}

# Fails when a Python client tried to reach a host other than 127.0.0.1.
kvl_python_no_escape() {
	[ ! -s "$KVL_NETGUARD_LOG" ] ||
		kvl_fail "a client tried to reach other hosts:" \
			"$(tr '\n' ' ' <"$KVL_NETGUARD_LOG")"
}
