#!/bin/bash
# Commands that only read local files work when az CLI's current cloud
# is one that kvlink does not have built in, with a one-line note; the
# commands that call Azure still stop with the error.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

export AZURE_CONFIG_DIR="$WORK/az"
mkdir -p "$AZURE_CONFIG_DIR"
ENV="$WORK/env"

kvl_sandbox_start
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" login
kvl_run 0 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" env create \
	--name Contoso --region westeurope

printf '[cloud]\nname = AzureStackHub\n' >"$AZURE_CONFIG_DIR/config"

for command in "status" "env show" "connection list" "connection types"
do
	# shellcheck disable=SC2086
	kvl_run 0 --env-dir "$ENV" $command
	kvl_grep "az CLI's current cloud is 'AzureStackHub'" "$ERR"
	kvl_grep "this command makes no Azure call" "$ERR"
	[ "$(wc -l <"$ERR")" -eq 1 ] ||
		kvl_fail "$command: expected one line: $(cat "$ERR")"
done
kvl_run 0 --env-dir "$ENV" env show --output json
kvl_json .environment.name Contoso

# cloud list names az's cloud and why kvlink cannot use it.
kvl_run 0 cloud list
kvl_grep "AzureUSGovernment" "$OUT"
if grep -q '^\*' "$OUT"; then
	kvl_fail "cloud list marked a cloud as selected: $(cat "$OUT")"
fi
kvl_grep "az CLI's current cloud is 'AzureStackHub'" "$ERR"
kvl_grep "give --cloud with a cloud profile file" "$ERR"
kvl_run 0 cloud list --output json
kvl_json '[.clouds[] | select(.selected)] | length' 0
kvl_json '.azCliCloudError | contains("AzureStackHub")' true

# A command that calls Azure still needs a cloud it can use.
kvl_run 2 --env-dir "$ENV" list subscriptions
kvl_grep "az CLI's current cloud is 'AzureStackHub'" "$ERR"
# And --cloud FILE that is unusable stays an error for cloud list.
kvl_run 2 --cloud "$WORK/missing.json" cloud list
