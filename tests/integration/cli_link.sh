#!/bin/bash
# The scripted path against a real kvlink-sandbox, with no terminal:
# login, env create, list, link (happy path, refused, failing check,
# unknown vault), status, and what the sandbox saw.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
CI_SP=c1000000-0000-4000-8000-0000000000c1
AVERY=a0000000-0000-4000-8000-000000000001
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# Sign in without a terminal: the device code message goes to stderr.
cli 0 login
kvl_grep "avery@contoso.test" "$OUT"
[ -s "$ERR" ] || kvl_fail "login showed no device code message on stderr"

cli 0 whoami --output json
kvl_json .objectId "$AVERY"
kvl_json .tenantId 72f988bf-0000-4000-8000-00000000a001
kvl_json .type user

# The environment: one per directory, regions checked.
cli 2 env create --name Contoso --region atlantis
kvl_grep "westeurope" "$ERR"
[ ! -e "$ENV/environment.json" ] || kvl_fail "a bad region created a file"

cli 0 env create --name Contoso --region westeurope
kvl_grep "Contoso" "$OUT"

cli 1 env create --name Other --region westeurope
kvl_grep "already exists" "$ERR"

cli 0 env show --output json
kvl_json .environment.name Contoso
kvl_json .environment.region westeurope
kvl_json '.environment.users[0].objectId' "$AVERY"
kvl_json '.environment.users[0].role' admin

cli 0 status --output json
kvl_json .vault null

# Lists, as JSON and as text.
cli 0 list subscriptions --output json
# Contoso's three and the one where Avery is a guest (cli_tenants.sh).
kvl_json '.subscriptions | length' 4
kvl_json '[.subscriptions[] | select(.tenantId ==
	"72f988bf-0000-4000-8000-00000000a001")] | length' 3
[ ! -s "$ERR" ] || kvl_fail "progress reached a stderr that is no terminal"
kvl_json ".subscriptions[] | select(.subscriptionId == \"$S1\") | .name" \
	"Contoso Production"

cli 0 list vaults --subscription "$S1" --output json
kvl_json '.vaults | length' 10
kvl_json '[.vaults[].name] | sort | .[0]' kv-ci-bypass
kvl_json '.vaults[] | select(.name == "kv-ci-rbac") | .permissionModel' rbac
kvl_json '.vaults[] | select(.name == "kv-ci-prod") | .permissionModel' \
	accessPolicy
kvl_json '.vaults[] | select(.name == "kv-ci-firewall") | .firewall.open' \
	false
kvl_json '.vaults[] | select(.name == "kv-ci-prod") | .firewall.open' true
kvl_json '.vaults[] | select(.name == "kv-legacy-ne") | .location' \
	northeurope

cli 0 list vaults --subscription "$S1" --resource-group rg-shared \
	--output json
kvl_json '[.vaults[].name] | sort | join(",")' \
	"kv-ci-bypass,kv-ci-private,kv-rbac-existing"

cli 0 list vaults --subscription "$S1"
kvl_grep "kv-ci-firewall" "$OUT"
kvl_grep "FIREWALL" "$OUT"
[ "$(wc -l <"$OUT")" -eq 11 ] || kvl_fail "expected a header and 10 rows"

cli 0 list resource-groups --subscription "$S1" --output json
kvl_json '[.resourceGroups[].name] | sort | join(",")' \
	"rg-ci-prod,rg-legacy,rg-restricted,rg-shared"

# Linking needs the consent, and says how to read the statement.
state_before=$(kvl_sandbox_get /_sandbox/state | jq -S .)
cli 2 link --subscription "$S1" --vault kv-ci-prod
kvl_grep "kvlink privacy-statement" "$ERR"
kvl_grep "--accept-privacy-statement" "$ERR"

# A vault that does not exist.
cli 3 link --subscription "$S1" --vault kv-nowhere \
	--accept-privacy-statement
kvl_grep "kv-nowhere" "$ERR"

# A failing prerequisite: exit 5, the reason shown, nothing changed.
cli 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement
kvl_grep "FAILED" "$OUT"
kvl_grep "kv-ci-firewall" "$ERR"

cli 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement --output json
kvl_json '.checks[] | select(.name == "firewall") | .state' failed
kvl_json '.checks[] | select(.name == "firewall") | .reason | length > 0' \
	true
kvl_json '.checks[] | select(.name == "region") | .state' passed
kvl_json .linked false

state_after=$(kvl_sandbox_get /_sandbox/state | jq -S .)
[ "$state_before" = "$state_after" ] ||
	kvl_fail "refused links changed the sandbox state"
cli 0 status --output json
kvl_json .vault null

# A dry run checks and stops.
cli 0 link --subscription "$S1" --vault kv-ci-prod --dry-run --output json
kvl_json .ready true
kvl_json .linked false
kvl_json .dryRun true
state_after=$(kvl_sandbox_get /_sandbox/state | jq -S .)
[ "$state_before" = "$state_after" ] ||
	kvl_fail "a dry run changed the sandbox state"

# The happy path.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
kvl_grep "passed" "$OUT"
kvl_grep "kv-ci-prod" "$OUT"

cli 0 status --output json
kvl_json .vault.state linked
kvl_json .vault.name kv-ci-prod
kvl_json .vault.resourceGroup rg-ci-prod
kvl_json .vault.subscriptionId "$S1"
kvl_json .vault.subscriptionName "Contoso Production"
kvl_json .vault.permissionModel accessPolicy
kvl_json .vault.servicePrincipalId "$CI_SP"
kvl_json '.vault.grants | length' 1
kvl_json '.vault.grants[0].kind' accessPolicy
kvl_json .vault.linkedBy.objectId "$AVERY"
kvl_json '.vault.linkedAt | length > 0' true
kvl_json '.vault.consent.at | length > 0' true

cli 0 status
kvl_grep "kv-ci-prod" "$OUT"
kvl_grep "Contoso Production" "$OUT"

# The grant is really in the vault, and only read access.
kvl_sandbox_get /_sandbox/state >"$WORK/state.json"
kvl_json "[.. | objects | select(.objectId? == \"$CI_SP\")] | length > 0" \
	true "$WORK/state.json"

# A pending link, as an interrupted run leaves it, is shown as pending;
# a dry run leaves it so, and the next link finishes it.
jq '.keyVault.state = "pending"' "$ENV/environment.json" >"$WORK/pending.json"
cp "$WORK/pending.json" "$ENV/environment.json"
cli 0 status
kvl_grep "pending" "$OUT"
cli 0 status --output json
kvl_json .vault.state pending
cli 0 link --subscription "$S1" --vault kv-ci-prod --dry-run
kvl_grep "without --dry-run" "$ERR"
cli 0 status --output json
kvl_json .vault.state pending
cli 0 link --subscription "$S1" --vault kv-ci-prod \
	--accept-privacy-statement --output json
kvl_json .resumed true
kvl_json .link.state linked
cli 0 status --output json
kvl_json .vault.state linked

# Linking the same vault again is a no-op; another vault is refused.
cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement
kvl_grep "already linked" "$OUT"
cli 1 link --subscription "$S1" --vault kv-ci-rbac --accept-privacy-statement
kvl_grep "already linked" "$ERR"

cli 0 logout
cli 4 whoami

# kvlink never tried to write a secret.
kvl_sandbox_get /_sandbox/refused-writes >"$WORK/refused.json"
kvl_json .count 0 "$WORK/refused.json"

echo "cli_link: all checks passed"
