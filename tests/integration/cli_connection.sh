#!/bin/bash
# kvlink connection against a real kvlink-sandbox, with no terminal: Key
# Vault and typed connections, secret states, the one-way Key Vault rule,
# unique names, deletion, and a vault of more than 10,000 secrets.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
S2=22222222-2222-4222-8222-222222222222
AVERY=a0000000-0000-4000-8000-000000000001
# A typed credential that must never show up in clear anywhere.
TYPED_KEY="SG.kvlink-cli-test-CLEARTEXT-5d81c2"
ENV="$WORK/env"
cli() { kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "${@:2}"; }

# kvl_run with standard input from a file: cli_stdin FILE EXPECTED ARG...
cli_stdin() {
	local input=$1 expected=$2 status=0
	shift 2

	OUT="$WORK/last.out"
	ERR="$WORK/last.err"
	"$KVLINK" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" "$@" \
		<"$input" >"$OUT" 2>"$ERR" || status=$?
	if [ "$status" -ne "$expected" ]; then
		cat "$OUT" "$ERR" >&2
		kvl_fail "kvlink $* exited with $status, expected $expected"
	fi
}

# no_clear_key FILE...: none of the files contains the typed key.
no_clear_key() {
	if grep -rqF -- "$TYPED_KEY" "$@"; then
		kvl_fail "the typed credential is in clear in: $*"
	fi
}

# Usage errors: exit 2 with the reason.
cli 2 connection
kvl_grep "needs a subcommand" "$ERR"
cli 2 connection show
kvl_grep "missing argument NAME" "$ERR"
cli 2 connection list --yes
kvl_grep "'--yes' does not apply" "$ERR"
cli 2 connection add --type sftp --name X --field host \
	--accept-privacy-statement
kvl_grep "expected KEY=VALUE" "$ERR"
cli 2 connection add --type ftp --name X --accept-privacy-statement
kvl_grep "connection types" "$ERR"

cli 0 login
cli 0 env create --name Contoso --region westeurope

# The registry, as JSON and as text.
cli 0 connection types --output json
kvl_json '.types | length' 12
kvl_json '[.types[].id] | join(" ")' "activecampaign autopilot dotdigital \
googleads klaviyo liveramp marketo omnisend sfmc sendgrid sendinblue sftp"
kvl_json '.types[] | select(.id == "sftp") | [.fields[].key] | join(",")' \
	"host,port,username,password,private_key,passphrase,folder"
kvl_json '.types[] | select(.id == "sftp") | .fields[] |
	select(.key == "port") | .default' 22
kvl_json '.types[] | select(.id == "googleads") | .keyVault' false
cli 0 connection types
kvl_grep "Salesforce Marketing Cloud (--type sfmc)" "$OUT"

# Key Vault mode needs a linked vault.
cli 5 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key --accept-privacy-statement
kvl_grep "needs a linked key vault" "$ERR"
kvl_grep "kvlink link" "$ERR"

cli 0 link --subscription "$S1" --vault kv-ci-prod --accept-privacy-statement

# Consent is required, and credentials never come from argv.
cli 2 connection add --type sendgrid --name Mail --use-key-vault \
	--secret api_key=sendgrid-api-key
kvl_grep "--accept-privacy-statement" "$ERR"
cli 2 connection add --type sendgrid --name Mail \
	--field api_key=SG.typed-on-argv --accept-privacy-statement
kvl_grep "credential" "$ERR"
cli 2 connection add --type sendgrid --name Mail --use-key-vault \
	--credential-stdin api_key --accept-privacy-statement
kvl_grep "secret names only" "$ERR"
cli 2 connection add --type googleads --name Ads --use-key-vault \
	--field customer_id=123-456-7890 \
	--secret developer_token=sendgrid-api-key --accept-privacy-statement
kvl_grep "Google Ads cannot take its credentials from Key Vault" "$ERR"
cli 2 connection add --type sftp --name Files --field host=https://x.test \
	--field username=exporter --field folder=/out --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
kvl_grep "without a scheme" "$ERR"

# SFTP with its password from the vault.
cli 0 connection add --type sftp --name "Files" \
	--field host=sftp.contoso.test --field username=exporter \
	--field folder=/exports --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement \
	--output json
kvl_json .connection.name Files
kvl_json .connection.useKeyVault true
kvl_json .connection.secrets.password sftp-password
kvl_json .connection.fields.port 22
kvl_json .connection.vaultName kv-ci-prod
kvl_json .connection.audience admins
kvl_json .connection.created.objectId "$AVERY"
kvl_json .connection.consent.objectId "$AVERY"

# Secrets that are missing, unusable or backing a certificate.
cli 3 connection add --type sendgrid --name Missing --use-key-vault \
	--secret api_key=no-such-secret --accept-privacy-statement
kvl_grep "no-such-secret" "$ERR"
cli 2 connection add --type sendgrid --name Old --use-key-vault \
	--secret api_key=old-ftp-password --accept-privacy-statement
kvl_grep "disabled" "$ERR"
kvl_grep "--allow-unusable-secret" "$ERR"
cli 2 connection add --type sendgrid --name Expired --use-key-vault \
	--secret api_key=expired-partner-token --accept-privacy-statement
kvl_grep "expired" "$ERR"
cli 2 connection add --type sendgrid --name Cert --use-key-vault \
	--secret api_key=ci-tls-certificate --accept-privacy-statement \
	--allow-unusable-secret
kvl_grep "certificate" "$ERR"
cli 0 connection add --type sendgrid --name Future --use-key-vault \
	--secret api_key=next-year-api-key --accept-privacy-statement \
	--allow-unusable-secret --audience admins-and-contributors
kvl_grep "not valid yet" "$ERR"
cli 0 connection list --output json
kvl_json '[.connections[].name] | join(",")' "Files,Future"

# SendGrid with a typed key from standard input.
printf '%s\n' "$TYPED_KEY" >"$WORK/key.txt"
cli_stdin "$WORK/key.txt" 0 connection add --type SendGrid \
	--name "Typed Mail" --credential-stdin api_key \
	--accept-privacy-statement --output json
kvl_json .connection.useKeyVault false
kvl_json '.connection.typedCredentials | join(",")' api_key
no_clear_key "$OUT" "$ERR" "$ENV"
rm -f "$WORK/key.txt"
[ "$(stat -c %a "$ENV/credentials.key")" = 600 ] ||
	kvl_fail "credentials.key is not mode 600"
jq -e '.connections[] | select(.displayName == "Typed Mail") |
	.sealedCredentials.api_key | length > 40' "$ENV/environment.json" \
	>/dev/null || kvl_fail "no sealed credential in environment.json"

cli 0 connection show "typed mail"
kvl_grep "typed (encrypted)" "$OUT"
no_clear_key "$OUT" "$ERR"
cli 0 connection show Files --output json
kvl_json .connection.secrets.password sftp-password
cli 0 connection show Files
kvl_grep "secret 'sftp-password' in kv-ci-prod" "$OUT"
cli 0 connection list
kvl_grep "Typed Mail" "$OUT"
kvl_grep "Key Vault" "$OUT"
no_clear_key "$OUT"
cli 3 connection show Nowhere
kvl_grep "connection list" "$ERR"

# Names stay unique, ignoring case.
cli 1 connection add --type sftp --name FILES --field host=h.test \
	--field username=u --field folder=/f --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
kvl_grep "already exists" "$ERR"
cli 1 connection edit Future --rename "typed MAIL"
kvl_grep "already exists" "$ERR"
cli 2 connection add --type sftp --name "Files " --field host=h.test \
	--field username=u --field folder=/f --use-key-vault \
	--secret password=sftp-password --accept-privacy-statement
kvl_grep "invalid connection name 'Files ': it starts or ends with a space" \
	"$ERR"
cli 2 connection edit Future --rename " Future"
kvl_grep "starts or ends with a space" "$ERR"
cli 0 connection edit Future --rename "Newsletter" --output json
kvl_json .connection.name Newsletter

# A Key Vault connection never goes back to typed credentials.
cli 2 connection edit Files --no-use-key-vault
kvl_grep "create a new connection that uses typed credentials" "$ERR"
kvl_grep "delete this one separately" "$ERR"
cli 0 connection show Files --output json
kvl_json .connection.useKeyVault true
cli_stdin /dev/null 2 connection edit Files --credential-stdin password
kvl_grep "uses Key Vault" "$ERR"

# Edits: a field, a secret picked after confirmation.
cli 0 connection edit Files --field folder=/daily --output json
kvl_json .connection.fields.folder /daily
cli 2 connection edit Files --secret password=old-ftp-password
kvl_grep "disabled" "$ERR"
cli 0 connection edit Files --secret password=old-ftp-password \
	--allow-unusable-secret --output json
kvl_json .connection.secrets.password old-ftp-password

# Key Vault matches secret names ignoring case; the vault's spelling is
# stored.
cli 0 connection edit Files --secret password=SFTP-Password --output json
kvl_json .connection.secrets.password sftp-password
cli 3 connection edit Files --secret password=no-such-secret
kvl_grep "no secret named 'no-such-secret'" "$ERR"

# An edit that changes nothing says so and leaves the store alone.
inode=$(stat -c %i "$ENV/environment.json")
cli 0 connection edit Files --field folder=/daily
kvl_grep "Nothing to change in connection 'Files'." "$OUT"
[ "$(stat -c %i "$ENV/environment.json")" = "$inode" ] ||
	kvl_fail "an edit without changes rewrote environment.json"

# Clearing a field with a default restores the default; a key given
# twice is rejected; a secret name can be dropped while the type's rules
# still hold (SFTP needs a password or a private key).
cli 0 connection edit Files --field port=2222 --output json
kvl_json .connection.fields.port 2222
cli 0 connection edit Files --field port= --output json
kvl_json .connection.fields.port 22
cli 2 connection edit Files --field folder=/a --field folder=/b
kvl_grep "--field folder is given more than once" "$ERR"
cli 2 connection edit Files --secret password=
kvl_grep "SFTP: a password or a private key is required" "$ERR"
cli 0 connection edit Files --secret password= \
	--secret private_key=storage-connection-string --output json
kvl_json '.connection.secrets.password // "removed"' removed
kvl_json .connection.secrets.private_key storage-connection-string
cli 0 connection edit Files --secret private_key= \
	--secret password=sftp-password --output json
kvl_json .connection.secrets.password sftp-password
kvl_json '.connection.secrets.private_key // "removed"' removed

# New secret names must come from the vault the connection was made with.
jq '(.connections[] | select(.displayName == "Files") | .keyVault) = {
	name: "kv-elsewhere", vaultUri: "http://127.0.0.1:1/kv/kv-elsewhere/"
	}' "$ENV/environment.json" >"$WORK/moved.json"
cp "$ENV/environment.json" "$WORK/saved.json"
cat "$WORK/moved.json" >"$ENV/environment.json"
cli 1 connection edit Files --secret password=sftp-password
kvl_grep "kv-elsewhere" "$ERR"
kvl_grep "create a new connection" "$ERR"
cat "$WORK/saved.json" >"$ENV/environment.json"

# Deleting needs --yes without a terminal.
cli 2 connection delete Newsletter
kvl_grep "add --yes" "$ERR"
cli 0 connection delete Newsletter --yes
cli 0 connection list --output json
kvl_json '[.connections[].name] | join(",")' "Files,Typed Mail"
no_clear_key "$ENV"

# A lost or damaged credentials.key is never replaced while typed
# credentials sealed under it exist, and show says they cannot be read.
mv "$ENV/credentials.key" "$WORK/credentials.key.backup"
cli 0 connection show "Typed Mail"
kvl_grep "typed (cannot be decrypted: the key file credentials.key is" "$OUT"
cli 0 connection list
kvl_grep "typed (cannot be decrypted)" "$OUT"
cli 0 connection show "Typed Mail" --output json
kvl_json '.connection.undecryptableCredentials | join(",")' api_key
printf 'SG.second-key\n' >"$WORK/key2.txt"
cli_stdin "$WORK/key2.txt" 5 connection add --type sendgrid \
	--name "Second Mail" --credential-stdin api_key \
	--accept-privacy-statement
kvl_grep "credentials.key' is missing" "$ERR"
kvl_grep "sealed credentials of 'Typed Mail' cannot be decrypted" "$ERR"
kvl_grep "restore the file from a backup" "$ERR"
[ ! -e "$ENV/credentials.key" ] || kvl_fail "a new credentials.key was made"
: >"$ENV/credentials.key"
chmod 600 "$ENV/credentials.key"
cli_stdin "$WORK/key2.txt" 5 connection add --type sendgrid \
	--name "Second Mail" --credential-stdin api_key \
	--accept-privacy-statement
kvl_grep "is damaged" "$ERR"
[ ! -s "$ENV/credentials.key" ] || kvl_fail "the empty key was replaced"
mv "$WORK/credentials.key.backup" "$ENV/credentials.key"
cli_stdin "$WORK/key2.txt" 0 connection add --type sendgrid \
	--name "Second Mail" --credential-stdin api_key \
	--accept-privacy-statement
cli 0 connection show "Typed Mail"
kvl_grep "typed (encrypted)" "$OUT"
cli 0 connection show "Typed Mail" --output json
kvl_json '.connection.undecryptableCredentials | length' 0

# A sealed value moved to another connection fails to decrypt there.
cp "$ENV/environment.json" "$WORK/saved.json"
jq '(.connections[] | select(.displayName == "Second Mail") |
	.sealedCredentials.api_key) = (.connections[] |
	select(.displayName == "Typed Mail") | .sealedCredentials.api_key)' \
	"$WORK/saved.json" >"$ENV/environment.json"
cli 0 connection show "Second Mail"
kvl_grep "cannot be decrypted: it was changed, copied" "$OUT"
no_clear_key "$OUT" "$ERR"
cat "$WORK/saved.json" >"$ENV/environment.json"

# A typed connection can move to Key Vault (never back).
cli 2 connection edit "Second Mail" --use-key-vault
kvl_grep "API key" "$ERR"
cli 0 connection edit "Second Mail" --use-key-vault \
	--secret api_key=sendgrid-api-key --output json
kvl_json .connection.useKeyVault true
kvl_json .connection.secrets.api_key sendgrid-api-key
kvl_json .connection.vaultName kv-ci-prod
kvl_json '.connection.typedCredentials // "none"' none
cli 0 connection delete "Second Mail" --yes

# A vault of more than 10,000 secrets: checking a name reads every page.
ENV="$WORK/env-bulk"
cli 0 login
cli 0 env create --name Bulk --region eastus
cli 0 link --subscription "$S2" --vault kv-dev-bulk \
	--accept-privacy-statement
cli 0 connection add --type sendinblue --name Bulk --use-key-vault \
	--secret api_key=bulk-secret-10050 --accept-privacy-statement \
	--output json
kvl_json .connection.secrets.api_key bulk-secret-10050
cli 2 connection add --type sendinblue --name Bulk2 --use-key-vault \
	--secret api_key=bulk-secret-10000 --accept-privacy-statement
kvl_grep "disabled" "$ERR"
pages=$(kvl_sandbox_get /_sandbox/requests | jq '[.value[] |
	select(.method == "GET" and .path == "/kv/kv-dev-bulk/secrets")] |
	length')
[ "$pages" -ge 804 ] ||
	kvl_fail "expected two full listings of 402 pages, saw $pages"

# Nothing above tried to write to a vault.
kvl_json .count 0 <(kvl_sandbox_get /_sandbox/refused-writes)
