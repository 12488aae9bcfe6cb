#!/bin/bash
# The command line in German (LANGUAGE=de in the C.UTF-8 locale, with the
# catalog compiled from po/de.po): help, errors and text output are
# German, while every --output json document and its stderr stay
# byte-identical to the English run.
set -eu
. "$KVL_SRCDIR/tests/lib.sh"
kvl_test_init
kvl_catalog de
kvl_sandbox_start

S1=11111111-1111-4111-8111-111111111111
ENV="$WORK/env"
export LC_ALL=C.UTF-8
unset LANG LC_MESSAGES
de() { LANGUAGE=de kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	"${@:2}"; }
en() { LANGUAGE= kvl_run "$1" --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	"${@:2}"; }

# Help and usage errors, which need no sandbox.
LANGUAGE=de kvl_run 0 --help
kvl_grep "Aufruf: kvlink [OPTION]... [BEFEHL [ARGUMENT]...]" "$OUT"
kvl_grep "Befehle:" "$OUT"
kvl_grep "  connection types      die Verbindungstypen und ihre Felder" "$OUT"
if awk 'length($0) > 79 { bad = 1 } END { exit !bad }' "$OUT"; then
	kvl_fail "the German help has lines over 79 columns: $(cat "$OUT")"
fi
LANGUAGE= kvl_run 0 --help
kvl_grep "Usage: kvlink [OPTION]... [COMMAND [ARGUMENT]...]" "$OUT"

LANGUAGE=de kvl_run 2 --output yaml status
kvl_grep "ungültiger Wert 'yaml' für --output: verwenden Sie text oder json" \
	"$ERR"
LANGUAGE=de kvl_run 2 frobnicate
kvl_grep "unbekannter Befehl 'frobnicate'" "$ERR"

# Text output of commands against the sandbox.
de 0 login
de 0 env create --name Contoso --region westeurope
kvl_grep "Umgebung erstellt; Sie sind ihr Admin." "$OUT"
de 0 status
kvl_grep "Schlüsseltresor" "$OUT"
kvl_grep "noch keiner verknüpft" "$OUT"
de 0 list subscriptions
kvl_grep "ABONNEMENT-ID" "$OUT"
kvl_grep "Contoso Production" "$OUT"
de 0 connection types
kvl_grep "Kennwort" "$OUT"
de 3 link --subscription "$S1" --vault kv-does-not-exist \
	--accept-privacy-statement
kvl_grep "kein Schlüsseltresor" "$ERR"
de 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement
kvl_grep "Voraussetzungen für den Schlüsseltresor 'kv-ci-firewall':" "$OUT"
kvl_grep "  FEHLER   Firewall des Schlüsseltresors deaktiviert" "$OUT"

# JSON and its stderr are the same bytes in German and in English, for
# successes, refusals with prerequisite texts, and errors.
same_json() {
	local status=$1
	shift

	de "$status" "$@" --output json
	cp "$OUT" "$WORK/de.out"
	cp "$ERR" "$WORK/de.err"
	en "$status" "$@" --output json
	cmp -s "$WORK/de.out" "$OUT" ||
		kvl_fail "German JSON of '$*' differs:" \
			"$(diff "$WORK/de.out" "$OUT")"
	cmp -s "$WORK/de.err" "$ERR" ||
		kvl_fail "German stderr of '$*' --output json differs:" \
			"$(diff "$WORK/de.err" "$ERR")"
	[ -s "$OUT" ] || [ -s "$ERR" ] ||
		kvl_fail "'$*' --output json printed nothing"
}
same_json 0 whoami
same_json 0 env show
same_json 0 status
same_json 0 list subscriptions
same_json 0 list vaults --subscription "$S1"
same_json 0 connection types
same_json 0 cloud show
same_json 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement --dry-run
same_json 3 link --subscription "$S1" --vault kv-does-not-exist \
	--accept-privacy-statement
same_json 0 link --subscription "$S1" --vault kv-ci-prod \
	--accept-privacy-statement --dry-run
kvl_json '.checks | length > 0' true
same_json 3 connection show nothing-here
same_json 3 check

# The prerequisite texts inside the JSON are English, not just equal.
en 5 link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement --dry-run --output json
if grep -q 'Schlüsseltresor\|Voraussetzung' "$OUT" "$ERR"; then
	kvl_fail "German text in JSON output: $(cat "$OUT" "$ERR")"
fi
LANGUAGE=de kvl_run 5 --cloud "$SANDBOX_CLOUD" --env-dir "$ENV" \
	link --subscription "$S1" --vault kv-ci-firewall \
	--accept-privacy-statement --dry-run --output json
if grep -q 'Schlüsseltresor\|Voraussetzung\|Firewall des' "$OUT" "$ERR"; then
	kvl_fail "German text in JSON output: $(cat "$OUT" "$ERR")"
fi
