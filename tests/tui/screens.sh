# One walk through every screen and dialog of the wizard, for the
# screen coverage tests (tests/tui/screens_*.sh). Source after
# tests/lib.sh, kvl_test_init and tests/tui/tmux.sh, then:
#
#   screens_walk 80 24 color en     # or 132 43, nocolor, no-color-option, de
#
# At each screen the walk checks, on one capture of the pane:
#   - row 1 is the title bar: "kvlink  " and the whole (translated)
#     breadcrumb;
#   - the last row is the whole (translated) legend, then "F1 help",
#     and nothing else;
#   - the screen's key text is shown, whole;
#   - the pane has exactly ROWS lines, none wider than COLS, and no byte
#     that curses could not draw (shown as "~X" or "M-X");
#   - in colour, colour SGR sequences appear; under NO_COLOR or
#     --no-color none do and the title bar and the selected row are in
#     reverse video.
#
# SCREENS below is the table of what the walk visits. screens_walk fails
# when a screen defined in src/tui (a `const struct tui_screen`) or a
# confirmation dialog opened there (tui_confirm_open) has no row, and
# when a row of the table was not visited, so that a new screen cannot
# be left out.

# One row a screen or a screen in one state:
#   ID|SOURCE|BREADCRUMB|KEY TEXT|LEGEND|SELECTED ROW|KEY TEXT ARGUMENT
# SOURCE is the C name of the screen, "confirm:TITLE" for the
# confirmation dialog with that title, "overlay:NAME" for the panel that
# src/tui/NAME.c draws over any screen (the help and the introduction),
# "error-dialog" or "too-small".
# BREADCRUMB, KEY TEXT and LEGEND are msgids, translated with the
# catalog the wizard uses. A dialog keeps the breadcrumb and legend of
# the screen under it. SELECTED ROW, if set, is text of the row that is
# selected when the walk arrives (translated too), which has to stand
# out without colour. A KEY TEXT ARGUMENT fills the %s of KEY TEXT.
SCREENS=(
"signin|tui_screen_signin|Sign in|Sign in to Microsoft Entra ID|Esc cancel  Enter retry  q quit|"
"too-small|too-small|||Enlarge the window, or press q to quit.|"
"env-create|tui_screen_env_create|New environment|Create the Customer Insights environment|Tab next field  Enter choose  / filter  Esc back (quit from the name)|West Europe"
"quit-env-create|confirm:Quit without saving|New environment|Quit without saving|Tab next field  Enter choose  / filter  Esc back (quit from the name)|"
"home|tui_screen_home|Home|Menu|Up/Down move  Enter choose  n notifications  / filter  q quit|Admin > Security"
"help|overlay:help|Home|Keys on every screen:|Up/Down move  Enter choose  n notifications  / filter  q quit|"
"intro|overlay:intro|Home|Welcome to kvlink|Up/Down move  Enter choose  n notifications  / filter  q quit|"
"notifications|tui_screen_notifications|Home > Notifications|Notifications|Up/Down/PgUp/PgDn scroll  r check again  Esc/q back|"
"notifications-repair|tui_screen_notifications|Home > Notifications|How to fix:|Up/Down/PgUp/PgDn scroll  r check again  f repair access  Esc/q back|"
"about|tui_screen_about|Admin > System > About|kvlink version|Esc back|"
"security-unlinked|tui_screen_security|Admin > Security > Key Vault|[ Setup ]|Enter setup  Esc back|[ Setup ]"
"subscription|tui_step_subscription|Admin > Security > Key Vault > 1/6 Subscription|Subscription ID|Enter choose  a all subscriptions  / filter  r reload  Esc back|Contoso Production"
"error-dialog|error-dialog|Admin > Security > Key Vault > 1/6 Subscription|Enter or Esc closes this message.|Enter choose  a all subscriptions  / filter  r reload  Esc back|"
"resource-group|tui_step_resource_group|Admin > Security > Key Vault > 2/6 Resource group|All resource groups|Enter choose  / filter  r reload  Esc back|All resource groups"
"vault|tui_step_vault|Admin > Security > Key Vault > 3/6 Vault|kv-ci-prod|Enter choose  / filter  r reload  Esc back|kv-ci-prod"
"checks|tui_step_checks|Admin > Security > Key Vault > 4/6 Checks|Prerequisite checks|Enter continue  r check again  Up/Down scroll  Esc back|"
"privacy|tui_step_privacy|Admin > Security > Key Vault > 5/6 Privacy|[ ] I agree (Space toggles)|Space agree  Enter continue  Up/Down scroll  Esc back|"
"save|tui_step_save|Admin > Security > Key Vault > 6/6 Save|Nothing has changed yet. Press Enter to grant and save.|Enter save  Up/Down scroll  Esc back|"
"security-linked|tui_screen_security|Admin > Security > Key Vault|[ u Unlink ]|u unlink  Esc back|"
"unlink|tui_screen_unlink|Admin > Security > Key Vault > Unlink|Unlink the key vault|Enter unlink  Up/Down scroll  Ctrl-U clear  Esc back|"
"connections-empty|tui_screen_connections|Admin > Connections|Export connections of this environment|a add  Enter/e edit  d delete  r reload  / filter  Esc back|"
"conn-type|tui_step_conn_type|Admin > Connections > Add 1/8 Type|Choose the type of the connection.|Enter choose  / filter  Esc back|SendGrid"
"conn-name|tui_step_conn_name|Admin > Connections > Add 2/8 Name|Display name:|Enter continue  Ctrl-U clear  Esc back|"
"conn-fields|tui_step_conn_fields|Admin > Connections > Add 3/8 Settings|Settings of the %s connection|Tab/S-Tab field  Enter continue  Esc back||SendGrid"
"conn-vault|tui_step_conn_vault|Admin > Connections > Add 4/8 Key Vault|Where do the credentials come from?|Space toggle  Enter continue  Esc back|"
"conn-creds|tui_step_conn_creds|Admin > Connections > Add 5/8 Credentials|API key|Tab field  Enter pick  c continue  x clear (Key Vault)  Esc back|"
"secret-picker|tui_screen_secret_picker|Admin > Connections > Credentials > Secret|Content type|Enter pick  / filter  r reload  Esc back|"
"pick-unusable|confirm:Pick an unusable secret?|Admin > Connections > Credentials > Secret|Pick an unusable secret?|Enter pick  / filter  r reload  Esc back|"
"conn-audience|tui_step_conn_audience|Admin > Connections > Add 6/8 Who may use|Who may use this connection in exports?|Up/Down move  Enter choose  Esc back|Administrators only"
"conn-privacy|tui_step_conn_privacy|Admin > Connections > Add 7/8 Privacy|[ ] I agree (Space toggles)|Space agree  Enter continue  Up/Down scroll  Esc back|"
"conn-review|tui_step_conn_review|Admin > Connections > Add 8/8 Review|Press Enter to save the connection.|Enter save  Up/Down scroll  Esc back|"
"connections|tui_screen_connections|Admin > Connections|Newsletter|a add  Enter/e edit  d delete  r reload  / filter  Esc back|Newsletter"
"delete-connection|confirm:Delete connection|Admin > Connections|Delete connection|a add  Enter/e edit  d delete  r reload  / filter  Esc back|"
"conn-edit|tui_screen_conn_edit|Admin > Connections > Edit|[ Save changes ]|Enter open  Space toggle  s save  t test  n new instead  Esc back|Newsletter"
"edit-name|tui_edit_conn_name|Admin > Connections > Edit > Name|Display name:|Enter keep this name  Ctrl-U clear  Esc back|"
"edit-fields|tui_edit_conn_fields|Admin > Connections > Edit > Settings|Settings of the %s connection|Tab/S-Tab field  Enter done  Esc back||SendGrid"
"edit-creds|tui_edit_conn_creds|Admin > Connections > Edit > Credentials|API key|Tab field  Enter pick  c done  x clear (vault)  r replace  Esc back|"
"edit-audience|tui_edit_conn_audience|Admin > Connections > Edit > Who may use|Who may use this connection in exports?|Up/Down move  Enter choose  Esc back|Administrators only"
"discard-changes|confirm:Discard changes|Admin > Connections > Edit|Discard changes|Enter open  Space toggle  s save  t test  n new instead  Esc back|"
"security-repair|tui_screen_security|Admin > Security > Key Vault|[ r Repair access ]|u unlink  r repair access  Esc back|"
"repair-access|confirm:Repair access|Admin > Security > Key Vault|Repair access|u unlink  r repair access  Esc back|"
)

# Rows that the walk cannot reach, as "SOURCE|the test that visits it
# instead" in the same sizes, colour modes and languages. The trust
# dialog needs an SFTP server (sshd), which the tests under tests/sftp
# start.
SCREENS_ELSEWHERE=(
"confirm:Trust the host key?|tests/sftp/screens_trust.sh"
)

SCREENS_VISITED=" "

# The size that shows the too-small message: one column and one row
# short of the wizard's minimum, 80x24.
SCREENS_SMALL_COLS=79
SCREENS_SMALL_ROWS=23

# screens_text MSGID: MSGID as the wizard shows it in this walk.
screens_text() {
	if [ "$SCREENS_LANG" = en ]; then
		printf '%s' "$1"
		return
	fi
	LANGUAGE=$SCREENS_LANG LC_ALL=C.UTF-8 \
		TEXTDOMAINDIR="$KVLINK_LOCALEDIR" gettext -d kvlink -- "$1"
}

# screens_row ID: prints the table row of ID.
screens_row() {
	local row

	for row in "${SCREENS[@]}"; do
		if [ "${row%%|*}" = "$1" ]; then
			printf '%s\n' "$row"
			return 0
		fi
	done
	kvl_fail "no row for screen '$1' in the SCREENS table"
}

# screens_check_table: every screen and confirmation dialog of src/tui
# has a row in SCREENS or SCREENS_ELSEWHERE.
screens_check_table() {
	local sources name row found

	sources=$(
		sed -n 's/^const struct tui_screen \([a-z_]*\) = {$/\1/p' \
			"$KVL_SRCDIR"/src/tui/*.c
		# The title is the argument after the format's "_(" on the
		# call's lines; tui_confirm_open calls keep it within 4 lines.
		grep -h -A4 'tui_confirm_open(' "$KVL_SRCDIR"/src/tui/*.c |
			grep -o '_("[^"]*"),$' |
			sed 's/^_("\(.*\)"),$/confirm:\1/'
		# A panel over the current screen is drawn by a call of
		# tui_panel_draw; dialog.c, which defines it, has the row
		# error-dialog.
		grep -l '^[[:space:]]\{1,\}tui_panel_draw(' \
			"$KVL_SRCDIR"/src/tui/*.c |
			grep -v '/dialog\.c$' |
			sed 's|.*/\(.*\)\.c$|overlay:\1|'
	)
	[ -n "$sources" ] || kvl_fail "found no screen in src/tui"
	while IFS= read -r name; do
		found=
		for row in "${SCREENS[@]}"; do
			case "$row" in
			*"|$name|"*) found=1 ;;
			esac
		done
		for row in "${SCREENS_ELSEWHERE[@]}"; do
			[ "${row%%|*}" = "$name" ] || continue
			[ -f "$KVL_SRCDIR/${row#*|}" ] ||
				kvl_fail "$name: ${row#*|} does not exist"
			found=1
		done
		[ -n "$found" ] ||
			kvl_fail "$name (src/tui) has no row in the SCREENS" \
				"table of tests/tui/screens.sh"
	done <<<"$sources"
	echo "$sources" | grep -q '^confirm:' ||
		kvl_fail "found no tui_confirm_open title in src/tui"
}

# screens_check_title CRUMB ROW: checks that the title row ROW is
# "kvlink  " and the breadcrumb CRUMB, whole or with its middle replaced
# by "~" (tui_cut_middle) so that it leaves room for the environment's
# name. A shortened one has to keep its start and its whole last step.
screens_check_title() {
	local crumb=$1 row=$2 rest head tail

	case "$row" in
	"kvlink  $crumb "* | "kvlink  $crumb") return 0 ;;
	"kvlink  "*"~"*) ;;
	*)
		echo "the title row '$row' is not 'kvlink  $crumb'"
		return 1
		;;
	esac
	rest=${row#kvlink  }
	head=${rest%%"~"*}
	tail=${rest#*"~"}
	case "$crumb" in
	"$head"?*) ;;
	*)
		echo "the title row '$row' does not start with '$crumb'"
		return 1
		;;
	esac
	case "$tail" in
	*"${crumb##*" > "}"*) ;;
	*)
		echo "the title row '$row' lacks the step '${crumb##*" > "}'"
		return 1
		;;
	esac
	[ -n "$head" ] || {
		echo "the title row '$row' lost the start of '$crumb'"
		return 1
	}
}

# screens_check_capture ID PLAIN ATTR [SELECTED]: checks the captures of
# screen ID (PLAIN from capture-pane -p, ATTR from capture-pane -e -p).
# SELECTED, if given, replaces the table's selected row. Prints the first
# problem and returns 1, or returns 0.
screens_check_capture() {
	local id=$1 plain=$2 attr=$3 row crumb key legend selected
	local line n width esc sgr_colour sgr_reverse key_arg
	local cols=$SCREENS_COLS rows=$SCREENS_ROWS

	if [ "$id" = too-small ]; then
		cols=$SCREENS_SMALL_COLS
		rows=$SCREENS_SMALL_ROWS
	fi
	row=$(screens_row "$id")
	IFS='|' read -r _ _ crumb key legend selected key_arg <<<"$row"
	[ $# -lt 4 ] || selected=$4
	esc=$(printf '\033')
	# Colour SGR parameters: 30-37, 38;..., 40-47, 48;..., 90-97 and
	# 100-107, alone or among others.
	sgr_colour="$esc\[([0-9]*;)*([34][0-8]|9[0-7]|10[0-7])(;[0-9]*)*m"
	sgr_reverse="$esc\[([0-9]*;)*7(;[0-9]*)*m"

	n=$(wc -l <"$plain")
	[ "$n" -eq "$rows" ] || {
		echo "the pane has $n lines, not $rows"
		return 1
	}
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		width=$(printf '%s' "$line" | wc -L)
		[ "$width" -le "$cols" ] || {
			echo "line $n is $width columns wide"
			return 1
		}
	done <"$plain"
	# The title row may contain the "~" of a shortened breadcrumb.
	if sed 1d "$plain" | grep -qE '~[A-Za-z@^\[]|M-'; then
		echo "a character was drawn as a curses escape"
		return 1
	fi

	if [ -n "$crumb" ]; then
		crumb=$(screens_text "$crumb")
		screens_check_title "$crumb" "$(sed -n 1p "$plain")" ||
			return 1
	fi
	if [ -n "$key" ]; then
		key=$(screens_text "$key")
		[ -z "$key_arg" ] || key=$(printf "$key" "$key_arg")
		grep -qF -- "$key" "$plain" || {
			echo "the key text '$key' is not shown"
			return 1
		}
	fi
	legend=$(screens_text "$legend")
	line=$(sed -n "${rows}p" "$plain" | sed 's/ *$//')
	# Every screen's legend ends in the help key.
	[ "$id" = too-small ] ||
		legend="$legend  $(screens_text "F1 help")"
	if [ "$id" = too-small ]; then
		# The message is centred and wrapped, not on the last row.
		grep -qxF -- "$legend" "$plain" || {
			echo "the line '$legend' is not shown whole"
			return 1
		}
	elif [ "$line" != "$legend" ]; then
		echo "the last row is '$line', not the legend '$legend'"
		return 1
	fi

	if [ "$SCREENS_COLOR" = color ]; then
		grep -qE -- "$sgr_colour" "$attr" || {
			echo "no colour SGR sequence on the colour screen"
			return 1
		}
	else
		if grep -qE -- "$sgr_colour" "$attr"; then
			echo "colour SGR sequences under NO_COLOR:" \
				"$(grep -E -- "$sgr_colour" "$attr" |
					head -2 | cat -v)"
			return 1
		fi
		if [ -n "$crumb" ] &&
			! sed -n 1p "$attr" | grep -qE -- "$sgr_reverse"; then
			echo "the title row is not in reverse video"
			return 1
		fi
	fi
	if [ -n "$selected" ]; then
		selected=$(screens_text "$selected")
		n=$(grep -nF -- "$selected" "$plain" | head -1 | cut -d: -f1)
		[ -n "$n" ] || {
			echo "the selected row '$selected' is not shown"
			return 1
		}
		# In colour a background colour may mark the row instead.
		if ! sed -n "${n}p" "$attr" | grep -qE -- "$sgr_reverse" &&
			{ [ "$SCREENS_COLOR" != color ] ||
				! sed -n "${n}p" "$attr" |
				grep -qE -- "$esc\[([0-9]*;)*4[0-7](;[0-9]*)*m"; }
		then
			echo "the selected row '$selected' does not stand out"
			return 1
		fi
	fi
	return 0
}

# screens_visit ID [SELECTED]: checks screen ID as the table describes
# it, polling until every check passes (a screen may still be drawing),
# and records the visit. SELECTED is the msgid of the selected row when
# it is not the table's.
screens_visit() {
	local id=$1 i problem=
	local plain="$WORK/screen.plain" attr="$WORK/screen.attr"

	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		kvl_screen >"$plain"
		kvl_screen_attributes >"$attr"
		problem=$(screens_check_capture "$id" "$plain" "$attr" \
			"${@:2}") &&
			break
		sleep 0.1
	done
	if [ -n "$problem" ]; then
		echo "--- screen with attributes (cat -v)" >&2
		cat -v "$attr" >&2
	fi
	[ -z "$problem" ] ||
		kvl_fail_screen "screen $id at ${SCREENS_COLS}x$SCREENS_ROWS," \
			"$SCREENS_COLOR, $SCREENS_LANG: $problem"
	SCREENS_VISITED="$SCREENS_VISITED$id "
}

# screens_wait MSGID: kvl_screen_wait for the translated MSGID.
screens_wait() {
	kvl_screen_wait "$(screens_text "$1")"
}

# screens_filter TEXT: types /TEXT into the list of the screen and waits
# until exactly one row matches.
screens_filter() {
	local shown

	kvl_type "/$1"
	# The whole count is unknown, so the format gets 0 and loses it.
	shown=$(printf "$(screens_text 'Filter: %s%s  (%zu of %zu)')" \
		"$1" _ 1 0)
	kvl_screen_wait "${shown%0)}"
}

# screens_back CRUMB: Esc, then waits for the screen whose breadcrumb is
# the msgid CRUMB. curses reads an Esc followed at once by another key
# as one Alt key, so the next key has to wait for this.
screens_back() {
	local i crumb

	crumb=$(screens_text "$1")
	kvl_keys Escape
	for i in $(seq 1 "$KVL_SCREEN_TRIES"); do
		screens_check_title "$crumb" "$(kvl_screen | sed -n 1p)" \
			>/dev/null && return 0
		sleep 0.1
	done
	kvl_fail_screen "Esc did not lead back to '$crumb'"
}

# screens_start ENV_DIR: starts the wizard on the sandbox in the walk's
# size, colour mode and language.
screens_start() {
	local no_color= options=()

	case "$SCREENS_COLOR" in
	nocolor) no_color=1 ;;
	no-color-option) options=(--no-color) ;;
	esac
	KVL_NO_COLOR=$no_color KVLINK=$SCREENS_KVLINK \
		kvl_tmux_start "$SCREENS_COLS" "$SCREENS_ROWS" \
		"${options[@]}" --cloud "$SANDBOX_CLOUD" --env-dir "$1"
}

screens_quit() {
	kvl_keys q
	kvl_tmux_exit_status 0
	kvl_tmux kill-server
}

# The sign-in screen, while the sandbox waits 30 s between polls.
screens_walk_signin() {
	kvl_sandbox_start --poll-interval 30
	screens_start "$WORK/env-signin"
	screens_visit signin
	kvl_keys Escape
	screens_wait "Sign-in cancelled."
	screens_quit
	kvl_sandbox_stop
}

# Sign-in, the first-run form and the too-small message, ending on Home.
screens_walk_first_run() {
	screens_start "$SCREENS_ENV"
	screens_visit env-create

	kvl_tmux resize-window -t kvl -x "$SCREENS_SMALL_COLS" \
		-y "$SCREENS_SMALL_ROWS"
	screens_visit too-small
	kvl_screen_has "$(printf "$(screens_text \
		'Terminal too small: %dx%d, need %dx%d')" \
		"$SCREENS_SMALL_COLS" "$SCREENS_SMALL_ROWS" 80 24)"
	kvl_tmux resize-window -t kvl -x "$SCREENS_COLS" -y "$SCREENS_ROWS"
	screens_visit env-create

	kvl_type "Contoso CI"
	# Esc after a name is typed opens a confirmation, and n keeps the
	# form open.
	kvl_keys Escape
	screens_visit quit-env-create
	kvl_keys n
	screens_visit env-create
	kvl_keys Enter
	screens_filter "westeurope"
	kvl_keys Enter
	kvl_screen_wait "avery@contoso.test"
	screens_visit home

	kvl_keys n
	screens_visit notifications
	kvl_keys Escape
	screens_visit home
	kvl_keys Down Down Down Enter
	screens_visit about
	screens_back Home
	kvl_keys Up Up Up
	screens_visit home

	# The help over Home, and the introduction that t in the help
	# shows again; any key then leaves it.
	kvl_keys F1
	screens_visit help
	kvl_type t
	screens_visit intro
	kvl_keys Enter
	screens_visit home
}

# Admin > Security: the six link steps with an error dialog on the
# first, then the linked tile and the unlink screen. Ends on Home.
screens_walk_link() {
	kvl_keys Enter
	screens_visit security-unlinked
	kvl_keys Enter
	kvl_screen_wait "Contoso Archive"
	screens_visit subscription

	# Every later list of subscriptions fails, so r shows the dialog.
	kvl_curl -f -H 'Content-Type: application/json' -d \
		'{"rules":[{"path":"/arm/subscriptions","count":0,"kind":"status","status":400}]}' \
		"$SANDBOX_URL/_sandbox/faults" >/dev/null ||
		kvl_fail "POST /_sandbox/faults failed"
	kvl_keys r
	screens_visit error-dialog
	kvl_curl -f -X DELETE "$SANDBOX_URL/_sandbox/faults" >/dev/null ||
		kvl_fail "DELETE /_sandbox/faults failed"
	kvl_keys Enter
	kvl_screen_wait_gone "$(screens_text 'Enter or Esc closes this message.')"
	kvl_keys r
	kvl_screen_wait "Contoso Production"
	screens_filter "Production"
	kvl_keys Enter

	screens_visit resource-group
	kvl_keys Enter
	# All ten vaults of the subscription, on two pages of the sandbox.
	kvl_screen_wait "$(printf "$(screens_text '%zu items; / to filter')" 10)"
	screens_visit vault
	screens_filter "kv-ci-prod"
	screens_visit vault
	kvl_keys Enter
	screens_visit checks
	screens_wait "All checks passed. Press Enter to continue."
	kvl_keys Enter
	screens_visit privacy
	kvl_keys Space Enter
	screens_visit save
	kvl_keys Enter
	screens_visit security-linked
	kvl_keys u
	screens_visit unlink
	kvl_keys Escape
	screens_visit security-linked
	kvl_keys Escape
	screens_visit home
}

# Admin > Connections: the eight add steps with the secret picker and
# its confirmation, the list, the delete confirmation, the edit screen
# with each of its forms and the discard confirmation. Ends on Home.
screens_walk_connections() {
	kvl_keys Down Enter
	screens_visit connections-empty
	kvl_keys a
	screens_filter "SendGrid"
	screens_visit conn-type
	kvl_keys Enter
	screens_visit conn-name
	kvl_type "Newsletter"
	kvl_keys Enter
	screens_visit conn-fields
	kvl_keys Enter
	screens_visit conn-vault
	kvl_keys Space Enter
	screens_visit conn-creds
	kvl_keys Enter
	kvl_screen_wait "sendgrid-api-key"
	screens_visit secret-picker
	screens_filter "old-ftp"
	kvl_keys Enter
	screens_visit pick-unusable
	kvl_keys n
	kvl_screen_wait_gone "$(screens_text 'Pick an unusable secret?')"
	# Esc clears the filter, which hides sendgrid-api-key.
	kvl_keys Escape
	kvl_screen_wait "sendgrid-api-key"
	screens_filter "sendgrid-api-key"
	kvl_keys Enter
	screens_visit conn-creds
	kvl_keys c
	screens_visit conn-audience
	kvl_keys Enter
	screens_visit conn-privacy
	kvl_keys Space Enter
	screens_visit conn-review
	kvl_keys Enter
	screens_visit connections

	kvl_keys d
	screens_visit delete-connection
	kvl_keys n
	screens_visit connections

	kvl_keys e
	screens_visit conn-edit
	kvl_keys Enter
	screens_visit edit-name
	screens_back "Admin > Connections > Edit"
	kvl_keys Down Enter
	screens_visit edit-fields
	screens_back "Admin > Connections > Edit"
	kvl_keys Down Down Enter
	screens_visit edit-creds
	screens_back "Admin > Connections > Edit"
	kvl_keys Down Enter
	screens_visit edit-audience
	kvl_keys Down Enter
	kvl_keys Escape
	screens_visit discard-changes
	kvl_keys y
	screens_visit connections
	kvl_keys Escape
	screens_visit home "Admin > Connections"
}

# A vault that lost its access policy: the notification with its repair
# key, the repair offer on Admin > Security and its confirmation.
screens_walk_repair() {
	kvl_curl -f -H 'Content-Type: application/json' \
		-d '{"vault":"kv-ci-prod","action":"remove-policy"}' \
		"$SANDBOX_URL/_sandbox/break" >/dev/null ||
		kvl_fail "POST /_sandbox/break failed"
	kvl_keys n
	screens_visit notifications
	kvl_keys r
	screens_visit notifications-repair
	screens_back Home
	kvl_keys Up Enter
	screens_visit security-repair
	kvl_keys r
	screens_visit repair-access
	kvl_keys n
	screens_visit security-repair
	kvl_keys Escape
	screens_visit home
}

# screens_walk COLS ROWS COLOUR LANGUAGE: one walk through every screen
# in that size, colour mode and language, with a sandbox of its own.
# COLOUR is color, nocolor (NO_COLOR=1) or no-color-option (the
# --no-color option); LANGUAGE is en or de. Call it once per
# combination.
screens_walk() {
	local row id

	screens_use "$@"
	screens_check_table

	screens_walk_signin
	kvl_sandbox_start
	screens_walk_first_run
	screens_walk_link
	screens_walk_connections
	screens_walk_repair
	screens_quit
	kvl_sandbox_stop

	for row in "${SCREENS[@]}"; do
		id=${row%%|*}
		case "$SCREENS_VISITED" in
		*" $id "*) ;;
		*) kvl_fail "the walk did not visit screen $id" ;;
		esac
	done
}

# screens_use COLS ROWS COLOUR LANGUAGE: sets the size, colour mode and
# language of the screens_start and screens_visit calls that follow,
# for screens_walk and for tests that visit a screen the walk cannot
# reach.
screens_use() {
	SCREENS_COLS=$1
	SCREENS_ROWS=$2
	SCREENS_COLOR=$3
	SCREENS_LANG=$4
	SCREENS_VISITED=" "
	SCREENS_ENV="$WORK/env-$1x$2-$3-$4"
	SCREENS_KVLINK=$KVLINK
	case "$SCREENS_COLOR" in
	color | nocolor | no-color-option) ;;
	*) kvl_fail "screens_walk: unknown colour mode '$3'" ;;
	esac
	if [ "$SCREENS_LANG" != en ]; then
		kvl_require_tools gettext
		[ -n "${KVLINK_LOCALEDIR:-}" ] || kvl_catalog "$SCREENS_LANG"
		# tmux starts its session in C.UTF-8; this wrapper adds the
		# language.
		SCREENS_KVLINK="$WORK/kvlink-$SCREENS_LANG.sh"
		cat >"$SCREENS_KVLINK" <<WRAPPER
#!/bin/sh
LANGUAGE=$SCREENS_LANG KVLINK_LOCALEDIR="$KVLINK_LOCALEDIR" exec "$KVLINK" "\$@"
WRAPPER
		chmod +x "$SCREENS_KVLINK"
	fi
}
