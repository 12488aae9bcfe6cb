#!/bin/bash
# The fault matrix: every Azure call of the link, connection and unlink
# flows, under every fault kind of kvlink-sandbox (/_sandbox/faults).
#
# The calls come from the sandbox's request records of a clean run of
# each flow. The flows are `kvlink link` on an access policy vault
# (kv-ci-prod) and on an RBAC vault (kv-ci-rbac), `kvlink connection add
# --use-key-vault` with its read of the vault's secret list, and `kvlink
# unlink` of both vaults. A call is its method, path and which of the requests with that
# method and path it is. Each call then gets each fault, in a run of the
# flow that starts from the flow's own tenant state and a fresh copy of
# its environment directory. Every run must end in one of two ways:
#   - exit 0 with the flow's end state (linked, connection saved,
#     unlinked), or
#   - a non-zero exit whose message names what kvlink was doing and,
#     when Azure sent a response, carries the correlation id the sandbox
#     sent with it.
# Either way the environment store must still load (env show, status),
# and every grant to the Customer Insights principal that the sandbox
# has must be recorded in the store.
#
# Faults that a single retry overcomes (throttling, 5xx, resets, a cut
# transfer, latency) hit one request, so those runs must complete. The
# rest hit one request too, but cannot be retried safely, so they may
# stop the flow. KVL_FAULT_MATRIX=full adds the persistent kinds
# (503 and reset on every request, which exhaust kvlink's retries and
# take about 8 s a run). KVL_FAULT_MATRIX=diagonal gives each call one
# fault only, taking the kinds in turn so that each kind still hits some
# call: the valgrind suite sets it, as memcheck makes every run of the
# flow ten times as slow. KVL_FAULT_MATRIX_WORKERS sets the number of
# sandboxes run side by side (default 4, as most of a run is spent
# waiting for retries).
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
WORKERS=${KVL_FAULT_MATRIX_WORKERS:-4}

# Fault kinds: name, then the rule's kind and parameters as JSON members.
KINDS=(
	"throttle-retry-after|\"kind\": \"status\", \"status\": 429, \"retryAfter\": 1"
	"throttle|\"kind\": \"status\", \"status\": 429"
	"throttle-too-long|\"kind\": \"status\", \"status\": 429, \"retryAfter\": 3600, \"count\": 0"
	"server-error|\"kind\": \"status\", \"status\": 500"
	"unavailable|\"kind\": \"status\", \"status\": 503"
	"latency|\"kind\": \"latency\", \"ms\": 300"
	"reset|\"kind\": \"reset\""
	"reset-after-apply|\"kind\": \"reset\", \"afterApply\": true"
	"truncated|\"kind\": \"truncated\""
	"cut-json|\"kind\": \"cut-json\""
	"html|\"kind\": \"html\""
	"oversized|\"kind\": \"oversized\""
	"oversized-chunked|\"kind\": \"oversized\", \"bytes\": 20000000, \"chunked\": true"
)
DIAGONAL=
[ "${KVL_FAULT_MATRIX:-}" != diagonal ] || DIAGONAL=1
if [ "${KVL_FAULT_MATRIX:-}" = full ]; then
	KINDS+=(
		"unavailable-always|\"kind\": \"status\", \"status\": 503, \"count\": 0"
		"reset-always|\"kind\": \"reset\", \"count\": 0"
	)
fi
# Kinds after which every run must complete.
MUST_COMPLETE=" throttle-retry-after throttle server-error unavailable latency
reset reset-after-apply truncated "
# Kinds without a complete response, so without a correlation id.
NO_RESPONSE=" reset reset-after-apply truncated reset-always "

# The words that an error about each call must contain: a glob over
# "METHOD PATH", then one or more phrases, any of which will do. The
# first matching glob wins; a call with none fails the test, so a new
# call of a flow must be added here.
CALL_WORDS=(
	"POST /login/*/oauth2/v2.0/token|get an access token|sign in"
	"GET /graph/v1.0/servicePrincipals|find the service principal"
	"GET /arm/subscriptions/$S1|get the subscription"
	"GET /arm/subscriptions/*/providers/Microsoft.KeyVault/vaults|list the key vaults"
	"GET */vaults/*/providers/Microsoft.Authorization/permissions|check permissions on"
	"GET */vaults/*/providers/Microsoft.Authorization/roleAssignments|list role assignments on"
	"PUT */vaults/*/providers/Microsoft.Authorization/roleAssignments/*|create role assignment on"
	"DELETE */vaults/*/providers/Microsoft.Authorization/roleAssignments/*|delete role assignment on"
	"PUT */vaults/*/accessPolicies/add|add access policy on"
	"PUT */vaults/*/accessPolicies/remove|remove access policy on"
	"GET /arm/subscriptions/*/vaults/*|get key vault"
	"GET /kv/*/secrets|list the secrets"
)

# --- One worker: a sandbox, clean runs, then its share of the cases -----

# worker_cli STATUS DIR ARG...: kvl_run against this worker's sandbox
# with environment directory DIR.
worker_cli() {
	kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$2" "${@:3}"
}

control() {
	local body=${2:-'{}'}

	kvl_sandbox_post "/_sandbox/$1" "$body" >/dev/null
}

# flow_args FLOW: the kvlink arguments of a flow.
flow_args() {
	case "$1" in
	link-policy)
		echo "link --subscription $S1 --vault kv-ci-prod" \
		     "--accept-privacy-statement" ;;
	link-rbac)
		echo "link --subscription $S1 --vault kv-ci-rbac" \
		     "--accept-privacy-statement" ;;
	connection)
		echo "connection add --type sftp --name Nightly" \
		     "--field host=sftp.contoso.test --field username=exporter" \
		     "--field folder=/exports --use-key-vault" \
		     "--secret password=sftp-password" \
		     "--accept-privacy-statement" ;;
	unlink-policy) echo "unlink --vault kv-ci-prod --yes" ;;
	unlink-rbac) echo "unlink --vault kv-ci-rbac --yes" ;;
	esac
}

flow_vault() {
	case "$1" in
	*-rbac) echo kv-ci-rbac ;;
	*) echo kv-ci-prod ;;
	esac
}

# Brings the sandbox to the state FLOW starts from: the tenant as built
# in for a link, the checkpoint taken after the link otherwise.
start_state() {
	case "$1" in
	link-*) control reset ;;
	*) control restore ;;
	esac
}

# The sandbox's calls since the last reset or restore, one
# "METHOD PATH N" line each, N counting the requests with that method
# and path.
recorded_calls() {
	kvl_sandbox_get /_sandbox/requests |
		jq -r '.value[] | "\(.method) \(.path)"' |
		awk '{ n[$0]++; print $0, n[$0] }'
}

# Runs FLOW without faults in a copy of template FROM, keeps the result
# as template TO and the calls in $W/calls.FLOW.
clean_run() {
	local flow=$1 from=$2 to=$3

	start_state "$flow"
	rm -rf "$W/$to"
	cp -a "$W/$from" "$W/$to"
	# shellcheck disable=SC2046
	worker_cli 0 "$W/$to" $(flow_args "$flow")
	recorded_calls >"$W/calls.$flow"
	[ -s "$W/calls.$flow" ] || kvl_fail "the clean $flow made no call"
}

# Prepares the templates and call lists of one vault's flows; leaves the
# sandbox's checkpoint at the state after that vault's link.
prepare_vault() {
	local kind=$1

	clean_run "link-$kind" signed-in "linked-$kind"
	control checkpoint
	if [ "$kind" = policy ]; then
		clean_run connection linked-policy connected
		clean_run unlink-policy connected unlinked-policy
	else
		clean_run unlink-rbac linked-rbac unlinked-rbac
	fi
}

# The template a flow's runs start from.
flow_template() {
	case "$1" in
	link-*) echo signed-in ;;
	connection) echo linked-policy ;;
	unlink-policy) echo connected ;;
	unlink-rbac) echo linked-rbac ;;
	esac
}

# words_for "METHOD PATH": the words an error about the call must name.
words_for() {
	local entry

	for entry in "${CALL_WORDS[@]}"; do
		# shellcheck disable=SC2053
		if [[ $1 == ${entry%%|*} ]]; then
			echo "${entry#*|}"
			return 0
		fi
	done
	return 1
}

# Grants to the Customer Insights principal on VAULT that the sandbox
# holds: "policy" for an access policy entry, else role assignment names.
sandbox_grants() {
	kvl_sandbox_get /_sandbox/state |
		jq -r --arg v "$1" --arg sp "$CI_SP" '
		([.vaults[] | select(.name == $v) | .accessPolicies[]? |
		  select(.objectId == $sp)] | if length > 0 then "policy"
		  else empty end),
		(.roleAssignments[] | select(.principalId == $sp and
		  (.scope | ascii_downcase | endswith("/vaults/" + $v))) |
		 .name)' | sort
}

# The same, as the store records them.
store_grants() {
	jq -r --arg v "$1" '
		if .vault == null or .vault.name != $v then empty else
		.vault.grants[] |
		if .kind == "accessPolicy" then "policy"
		else .assignmentId | split("/") | last end end' "$2" | sort
}

# Checks the end state of one run; fails with CASE named.
check_run() {
	local case=$1 flow=$2 call=$3 kind=$4 rc=$5 env=$6 vault words corr

	vault=$(flow_vault "$flow")
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$env" env show \
		</dev/null >/dev/null 2>"$W/show.err" ||
		kvl_fail "$case: env show failed afterwards: $(cat "$W/show.err")"
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$env" status \
		--output json </dev/null >"$W/status.json" 2>"$W/show.err" ||
		kvl_fail "$case: status failed afterwards: $(cat "$W/show.err")"
	sandbox_grants "$vault" >"$W/granted"
	store_grants "$vault" "$W/status.json" >"$W/recorded"
	if [ -n "$(comm -23 "$W/granted" "$W/recorded")" ]; then
		kvl_fail "$case: grants on $vault not in the store:" \
			"$(comm -23 "$W/granted" "$W/recorded" | tr '\n' ' ')"
	fi

	if [ "$rc" -eq 0 ]; then
		check_complete "$case" "$flow" "$vault" "$env"
		return 0
	fi
	case "$MUST_COMPLETE" in
	*" $kind "*)
		kvl_fail "$case: exit $rc after a fault that one retry" \
			"overcomes: $(cat "$W/run.err")" ;;
	esac
	head -n1 "$W/run.err" | grep -q '^kvlink: ' ||
		kvl_fail "$case: exit $rc without a kvlink: message:" \
			"$(cat "$W/run.err")"
	words=$(words_for "${call% *}") ||
		kvl_fail "$case: no words for ${call% *} in CALL_WORDS"
	grep -qiF -e "${words//|/$'\n'}" "$W/run.err" ||
		kvl_fail "$case: the message does not name the call" \
			"('$words'): $(cat "$W/run.err")"
	case "$NO_RESPONSE" in
	*" $kind "*) return 0 ;;
	esac
	corr=$(kvl_sandbox_get /_sandbox/requests |
		jq -r '[.value[] | select(.fault != null)][-1].correlationId')
	grep -qF -- "$corr" "$W/run.err" ||
		kvl_fail "$case: the message lacks the correlation id $corr:" \
			"$(cat "$W/run.err")"
}

# The end state of a run that exited 0.
check_complete() {
	local case=$1 flow=$2 vault=$3 env=$4 state

	case "$flow" in
	link-*)
		state=$(jq -r '.vault.state // "none"' "$W/status.json")
		[ "$state" = linked ] ||
			kvl_fail "$case: exit 0 but the link is $state"
		[ -n "$(sandbox_grants "$vault")" ] ||
			kvl_fail "$case: exit 0 but $vault grants nothing"
		;;
	connection)
		"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$env" \
			connection show Nightly </dev/null >/dev/null \
			2>&1 || kvl_fail "$case: exit 0 but no connection"
		;;
	unlink-*)
		[ "$(jq -r '.vault' "$W/status.json")" = null ] ||
			kvl_fail "$case: exit 0 but the vault is still linked"
		[ -z "$(sandbox_grants "$vault")" ] ||
			kvl_fail "$case: exit 0 but $vault still grants access"
		;;
	esac
}

# Runs one case: FLOW with fault KIND on CALL ("METHOD PATH N").
run_case() {
	local flow=$1 call=$2 entry=$3 kind=${3%%|*} members=${3#*|}
	local method path nth case env rc=0 fired

	read -r method path nth <<<"$call"
	case="$flow: $kind on $method $path #$nth"
	start_state "$flow"
	env="$W/run"
	rm -rf "$env"
	cp -a "$W/$(flow_template "$flow")" "$env"
	control faults "{\"rules\": [{\"method\": \"$method\",
		\"path\": \"$path\", \"nth\": $nth, $members}]}"
	# shellcheck disable=SC2046
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$env" \
		$(flow_args "$flow") </dev/null >"$W/run.out" \
		2>"$W/run.err" || rc=$?
	fired=$(kvl_sandbox_get /_sandbox/faults | jq '.rules[0].fired')
	[ "$fired" -ge 1 ] ||
		kvl_fail "$case: the fault never fired (the flow took" \
			"another path): $(cat "$W/run.err")"
	check_run "$case" "$flow" "$call" "$kind" "$rc" "$env"
	echo "$rc $case" >>"$W/results"
}

FLOWS="link-policy connection unlink-policy link-rbac unlink-rbac"

# The flows on one kind of vault, in the order their states build up.
flows_of() {
	case "$1" in
	policy) echo "link-policy connection unlink-policy" ;;
	rbac) echo "link-rbac unlink-rbac" ;;
	esac
}

# Worker INDEX: starts its sandbox and runs every case whose number
# modulo $WORKERS is INDEX, writing "RC CASE" lines to its results.
worker() {
	local index=$1 vault_kind flow call entry n=0 c=0 k

	W="$WORK/worker$index"
	mkdir -p "$W"
	WORK_MAIN=$WORK
	WORK=$W
	SANDBOX_STARTS=$((index * 10))
	trap kvl_sandbox_stop EXIT
	kvl_sandbox_start
	worker_cli 0 "$W/signed-in" login
	worker_cli 0 "$W/signed-in" env create --name Contoso \
		--region westeurope
	: >"$W/results"
	for vault_kind in policy rbac; do
		prepare_vault "$vault_kind"
		for flow in $(flows_of "$vault_kind"); do
			while read -r call; do
				c=$((c + 1))
				k=0
				for entry in "${KINDS[@]}"; do
					k=$((k + 1))
					[ -z "$DIAGONAL" ] || [ $((c % ${#KINDS[@]})) \
						-eq $((k % ${#KINDS[@]})) ] ||
						continue
					n=$((n + 1))
					[ $((n % WORKERS)) -eq "$index" ] ||
						continue
					run_case "$flow" "$call" "$entry"
				done
			done <"$W/calls.$flow"
		done
	done
	WORK=$WORK_MAIN
}

pids=()
for i in $(seq 0 $((WORKERS - 1))); do
	( worker "$i" ) &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do
	wait "$pid" || failed=1
done
[ "$failed" -eq 0 ] || kvl_fail "a worker of the fault matrix failed"

# Every worker saw the same calls.
for flow in $FLOWS; do
	for i in $(seq 1 $((WORKERS - 1))); do
		cmp -s "$WORK/worker0/calls.$flow" "$WORK/worker$i/calls.$flow" ||
			kvl_fail "the clean $flow runs of workers 0 and $i" \
				"made different calls"
	done
done

calls=$(cat "$WORK"/worker0/calls.* | wc -l)
runs=$(cat "$WORK"/worker*/results | wc -l)
expected=$((calls * ${#KINDS[@]}))
[ -z "$DIAGONAL" ] || expected=$calls
[ "$runs" -eq "$expected" ] ||
	kvl_fail "$runs runs, expected $expected ($calls calls x" \
		"${#KINDS[@]} faults${DIAGONAL:+, one fault per call})"
stopped=$(grep -vc '^0 ' "$WORK"/worker*/results | awk -F: '{ s += $NF }
	END { print s + 0 }')
shape="$calls calls x ${#KINDS[@]} faults"
[ -z "$DIAGONAL" ] || shape="$calls calls, one of ${#KINDS[@]} faults each"
echo "$shape: $runs runs, $stopped stopped with a named error," \
	"every store valid"
kvl_figure 10-fault-matrix "Faults survived (calls x faults)" \
	"$runs of $runs runs ($shape) ended complete or with a named error; store valid"
