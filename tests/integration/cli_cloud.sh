#!/bin/bash
# Cloud selection, proxies and CA bundles as `kvlink cloud list|show`
# report them. These commands send no request, so the built-in clouds
# are checked here without reaching Azure.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init

export AZURE_CONFIG_DIR="$WORK/az"
mkdir -p "$AZURE_CONFIG_DIR"
unset REQUESTS_CA_BUNDLE CURL_CA_BUNDLE SSL_CERT_FILE SSL_CERT_DIR

# Without az CLI's configuration the cloud is AzureCloud.
kvl_run 0 cloud show --output json
kvl_json .name AzureCloud
kvl_json .chosenBy default
kvl_json .resourceManager https://management.azure.com
kvl_json .caBundle null
kvl_json .httpsProxy null

# az CLI's current cloud is the default; --cloud NAME wins over it.
printf '[core]\noutput = table\n\n[cloud]\nname = AzureChinaCloud\n' \
	>"$AZURE_CONFIG_DIR/config"
kvl_run 0 cloud show --output json
kvl_json .name AzureChinaCloud
kvl_json .chosenBy azCli
kvl_json .authorityHost https://login.chinacloudapi.cn
kvl_json .microsoftGraph https://microsoftgraph.chinacloudapi.cn
kvl_json .keyVaultDnsSuffix .vault.azure.cn
kvl_run 0 cloud list
kvl_grep "* AzureChinaCloud" "$OUT"
kvl_grep "  AzureCloud" "$OUT"

kvl_run 0 --cloud azureusgovernment cloud show --output json
kvl_json .name AzureUSGovernment
kvl_json .chosenBy name
kvl_json .keyVaultScope https://vault.usgovcloudapi.net
kvl_run 0 --cloud AzureUSGovernment cloud show
kvl_grep "Resource Manager:    https://management.usgovcloudapi.net" "$OUT"
kvl_grep "Chosen by:           --cloud NAME" "$OUT"

# AZURE_CLOUD_NAME overrides az CLI's configuration, as in az itself.
printf '[cloud]\nname = AzureChinaCloud\n' >"$AZURE_CONFIG_DIR/config"
AZURE_CLOUD_NAME=AzureUSGovernment kvl_run 0 cloud show --output json
kvl_json .name AzureUSGovernment
kvl_json .chosenBy azCli

# An unknown name lists the known ones.
kvl_run 2 --cloud AzureGermanCloud cloud show
kvl_grep "unknown cloud 'AzureGermanCloud'" "$ERR"
kvl_grep "AzureCloud, AzureUSGovernment, AzureChinaCloud" "$ERR"

# An az CLI cloud that kvlink lacks is an error, not public Azure.
printf '[cloud]\nname = MyAzureStack\n' >"$AZURE_CONFIG_DIR/config"
kvl_run 2 cloud show
kvl_grep "az CLI's current cloud is 'MyAzureStack'" "$ERR"

# A damaged line elsewhere is one line of warning, and the [cloud] name
# still counts.
printf '[cloud]\nname = AzureUSGovernment\n[core]\ncollect_telemetry\n' \
	>"$AZURE_CONFIG_DIR/config"
kvl_run 0 cloud show --output json
kvl_json .name AzureUSGovernment
kvl_json .chosenBy azCli
kvl_grep "kvlink: warning: ignoring a line of the az CLI configuration" \
	"$ERR"
kvl_grep "line 4 is not in INI syntax" "$ERR"
[ "$(wc -l <"$ERR")" -eq 1 ] || kvl_fail "expected one line: $(cat "$ERR")"

# A damage that may hide the name is an error, not public Azure.
printf '[cloud\nname = AzureChinaCloud\n' >"$AZURE_CONFIG_DIR/config"
kvl_run 2 cloud show --output json
kvl_grep "cannot tell which cloud az CLI uses" "$ERR"
kvl_grep "line 1 is not in INI syntax" "$ERR"
kvl_grep "choose the cloud with --cloud" "$ERR"
if grep -q AzureCloud "$OUT"; then
	kvl_fail "a damaged az configuration chose AzureCloud: $(cat "$OUT")"
fi
rm "$AZURE_CONFIG_DIR/config"

# Proxies: lower case wins, upper-case HTTP_PROXY counts, credentials
# never show.
HTTPS_PROXY=http://upper.test:3128 https_proxy=http://lower.test:3128 \
HTTP_PROXY='http://ops:hunter2@plain.test:8080' NO_PROXY=.corp.test \
	kvl_run 0 cloud show --output json
kvl_json .httpsProxy.value http://lower.test:3128
kvl_json .httpsProxy.variable https_proxy
kvl_json .httpProxy.value 'http://***@plain.test:8080'
kvl_json .httpProxy.variable HTTP_PROXY
kvl_json .noProxy.value .corp.test
if grep -q hunter2 "$OUT" "$ERR"; then
	kvl_fail "the proxy password was printed"
fi

# CA bundles: REQUESTS_CA_BUNDLE, then CURL_CA_BUNDLE, then SSL_CERT_FILE;
# a cloud profile's caBundle wins over all of them.
SSL_CERT_FILE=/ca/ssl.pem CURL_CA_BUNDLE=/ca/curl.pem SSL_CERT_DIR=/ca/d \
	kvl_run 0 cloud show --output json
kvl_json .caBundle.variable CURL_CA_BUNDLE
kvl_json .caBundle.value /ca/curl.pem
kvl_json .caDirectory.value /ca/d
REQUESTS_CA_BUNDLE=/ca/req.pem CURL_CA_BUNDLE=/ca/curl.pem \
	kvl_run 0 cloud show --output json
kvl_json .caBundle.variable REQUESTS_CA_BUNDLE

cat >"$WORK/lab.json" <<'EOF'
{ "name": "Lab", "authorityHost": "https://login.lab.test",
  "resourceManager": "https://arm.lab.test",
  "microsoftGraph": "https://graph.lab.test",
  "keyVaultScope": "https://vault.lab.test", "caBundle": "/lab/ca.pem" }
EOF
REQUESTS_CA_BUNDLE=/ca/req.pem SSL_CERT_DIR=/ca/d \
	kvl_run 0 --cloud "$WORK/lab.json" cloud show --output json
kvl_json .name Lab
kvl_json .chosenBy file
kvl_json .caBundle.value /lab/ca.pem
kvl_json .caBundle.variable caBundle
kvl_json .caDirectory null
kvl_run 0 --cloud "$WORK/lab.json" cloud list
kvl_grep "Selected: the cloud profile '$WORK/lab.json' (Lab)" "$OUT"
if grep -qF '*' "$OUT"; then
	kvl_fail "a built-in cloud is marked although a file was given"
fi

kvl_run 2 --sandbox cloud show
kvl_grep "do not start a sandbox" "$ERR"

# The sign-in tenant is the one --tenant sets, else the cloud's.
OTHER_TENANT=72f988bf-0000-4000-8000-00000000b002
kvl_run 0 --tenant "$OTHER_TENANT" cloud show
grep -q "^Sign-in tenant: *$OTHER_TENANT\$" "$OUT" ||
	kvl_fail "cloud show ignored --tenant: $(cat "$OUT")"
kvl_run 0 --tenant "$OTHER_TENANT" cloud show --output json
kvl_json .tenant "$OTHER_TENANT"
kvl_run 0 cloud show --output json
kvl_json .tenant organizations
