/*
 * The secret picker: the linked vault's secret names and attributes,
 * never their values. Secrets that back certificates are not offered;
 * disabled, expired and not yet valid ones are dimmed with the reason and
 * need a confirmation. The list is read once per draft, in the worker.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "flow/link.h"
#include "i18n.h"
#include "tui/conn_draft.h"
#include "tui/confirm.h"
#include "tui/draw.h"
#include "tui/help.h"
#include "tui/list.h"
#include "tui/steps.h"

#define SECRET_COLUMNS 5

enum { ACTION_PICK_UNUSABLE = 1 };

static struct {
	struct tui_list list;
	size_t *item_of_row;	/* index into the draft's secrets */
	size_t managed;		/* secrets not offered */
	bool loaded;
	struct tui_confirm confirm;
} st;

/* Written by the worker, read by the main thread once it finished. */
static struct {
	struct kvl_secret_item *items;
	size_t n;
} job;

static kvl_result list_secrets(struct tui_app *app, void *arg,
			       struct kvl_error *err)
{
	const struct kvl_vault_link *link = &app->session->env.vault;

	(void)arg;
	return kvl_link_list_secrets(&app->session->az, link, &job.items,
				     &job.n, err);
}

static void load(struct tui_app *app)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	kvl_secret_items_free(draft->secrets, draft->n_secrets);
	draft->secrets = NULL;
	draft->n_secrets = 0;
	draft->secrets_loaded = false;
	st.loaded = false;
	tui_list_clear(&st.list);
	if (app->session->env.vault.state != KVL_LINK_LINKED) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("No key vault is linked to this environment; "
				 "link one in Admin > Security."));
		return;
	}
	(void)tui_app_start_job(app, 0, _("Listing secrets"), list_secrets,
				NULL);
}

static int by_name(const void *a, const void *b)
{
	const struct kvl_secret_item *x = a;
	const struct kvl_secret_item *y = b;

	return strcasecmp(x->name, y->name);
}

/* "2026-12-04" (UTC), or "-" when the time is not set. */
static void format_date(int64_t when, char *out, size_t size)
{
	time_t t = (time_t)when;
	struct tm tm;

	if (when == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d", &tm) == 0)
		snprintf(out, size, "-");
}

/* The State column: whether the secret is enabled, or why it is not
 * usable now. A disabled secret shows "disabled" whatever its dates. */
static const char *state_text(enum kvl_secret_usability usability)
{
	switch (usability) {
	case KVL_SECRET_DISABLED:
		return _("disabled");
	case KVL_SECRET_EXPIRED:
		return _("expired");
	case KVL_SECRET_NOT_YET_VALID:
		return _("not yet valid");
	case KVL_SECRET_USABLE:
	case KVL_SECRET_MANAGED:
		break;
	}
	return _("enabled");
}

static void add_secret(struct tui_app *app, const struct kvl_secret_item *s,
		       enum kvl_secret_usability usability)
{
	char not_before[16];
	char expires[16];
	const char *cells[SECRET_COLUMNS] = {
		s->name, state_text(usability), not_before, expires,
		s->content_type ? s->content_type : "-",
	};

	format_date(s->not_before, not_before, sizeof(not_before));
	format_date(s->expires, expires, sizeof(expires));
	tui_steps_row(app, &st.list, cells,
		      usability != KVL_SECRET_USABLE);
}

static void fill(struct tui_app *app)
{
	/* Names keep their width; the content type shrinks first. */
	static const int minimum[SECRET_COLUMNS] = { 22, 7, 10, 10, 6 };
	const char *head[SECRET_COLUMNS] = {
		_("Secret"), _("State"), _("Not before"), _("Expires"),
		_("Content type"),
	};
	struct tui_conn_draft *draft = tui_conn_draft();
	int64_t now = (int64_t)time(NULL);

	qsort(draft->secrets, draft->n_secrets, sizeof(*draft->secrets),
	      by_name);
	free(st.item_of_row);
	st.item_of_row = calloc(draft->n_secrets + 1, sizeof(size_t));
	st.managed = 0;
	tui_list_clear(&st.list);
	tui_steps_columns(app, &st.list, head, minimum, SECRET_COLUMNS);
	for (size_t i = 0; i < draft->n_secrets && st.item_of_row; i++) {
		const struct kvl_secret_item *s = &draft->secrets[i];
		enum kvl_secret_usability u = kvl_secret_usability(s, now);

		if (u == KVL_SECRET_MANAGED) {
			st.managed++;
			continue;
		}
		st.item_of_row[st.list.n] = i;
		add_secret(app, s, u);
	}
	if (st.item_of_row == NULL)
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
	st.loaded = true;
}

static void picker_enter(struct tui_app *app)
{
	memset(&st, 0, sizeof(st));
	tui_list_init(&st.list);
	if (tui_conn_draft()->secrets_loaded)
		fill(app);
	else
		load(app);
}

static void picker_leave(struct tui_app *app)
{
	(void)app;
	tui_list_clear(&st.list);
	tui_confirm_close(&st.confirm);
	free(st.item_of_row);
	memset(&st, 0, sizeof(st));
}

static void picker_done(struct tui_app *app, int tag, kvl_result result,
			const struct kvl_error *err)
{
	struct tui_conn_draft *draft = tui_conn_draft();

	(void)tag;
	if (result != KVL_OK) {
		kvl_secret_items_free(job.items, job.n);
		memset(&job, 0, sizeof(job));
		tui_steps_failed(app, _("Could not list the secrets"), result,
				 err);
		return;
	}
	draft->secrets = job.items;
	draft->n_secrets = job.n;
	draft->secrets_loaded = true;
	memset(&job, 0, sizeof(job));
	fill(app);
	if (st.list.n == 0)
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("The vault has no secrets that can be "
				 "picked; add one in Azure, then press r."));
}

static void picker_draw(struct tui_app *app, const struct tui_layout *lay)
{
	const struct tui_conn_draft *draft = tui_conn_draft();
	const struct tui_form_row *row = &draft->creds.rows[draft->picking];
	struct tui_rect r = tui_body_rect(lay, 2);
	char *title = NULL;
	char *hidden = NULL;

	(void)app;
	if (asprintf(&title, _("Secret for %s. Dimmed rows are not usable "
			       "now."), row->label) < 0)
		title = NULL;
	tui_steps_title(lay, title ? title : _("Pick a secret"));
	if (st.loaded && st.managed > 0 &&
	    asprintf(&hidden, ngettext("%zu secret that backs a certificate "
				       "is not offered.",
				       "%zu secrets that back certificates "
				       "are not offered.",
				       st.managed),
		     st.managed) >= 0)
		tui_draw_text(lay->body_top + 1, 1, lay->cols - 2, hidden,
			      TUI_ROLE_DISABLED, false);
	free(title);
	free(hidden);
	if (st.loaded)
		tui_list_draw(&st.list, &r);
	tui_confirm_draw(&st.confirm, lay);
}

/* Sets the secret of the credential being picked and goes back. */
static void pick(struct tui_app *app, const struct kvl_secret_item *s)
{
	struct tui_conn_draft *draft = tui_conn_draft();
	struct tui_form_row *row = &draft->creds.rows[draft->picking];
	char *name = strdup(s->name);

	if (name == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	free(draft->secret_names[row->tag]);
	draft->secret_names[row->tag] = name;
	tui_form_set_choice(row, name);
	(void)tui_conn_validate_cred(draft, row);
	tui_app_status(app, TUI_ROLE_PASSED, _("%s: secret %s."), row->label,
		       name);
	tui_app_pop(app);
}

static const struct kvl_secret_item *selected(void)
{
	long row = tui_list_selected(&st.list);
	struct tui_conn_draft *draft = tui_conn_draft();

	if (row < 0 || st.item_of_row == NULL)
		return NULL;
	return &draft->secrets[st.item_of_row[row]];
}

static void choose(struct tui_app *app)
{
	const struct kvl_secret_item *s = selected();
	enum kvl_secret_usability u;

	if (s == NULL)
		return;
	u = kvl_secret_usability(s, (int64_t)time(NULL));
	if (u == KVL_SECRET_USABLE) {
		pick(app, s);
		return;
	}
	tui_confirm_open(&st.confirm, ACTION_PICK_UNUSABLE,
			 tui_list_selected(&st.list),
			 _("Pick an unusable secret?"),
			 _("Secret '%s': %s. Exports that use this connection "
			   "fail until the secret is usable. Pick it "
			   "anyway?"),
			 s->name, _(kvl_secret_usability_reason(u)));
}

static enum tui_outcome picker_key(struct tui_app *app,
				   const struct tui_key *key)
{
	enum tui_outcome outcome;

	if (st.confirm.open) {
		if (tui_confirm_key(&st.confirm, key) == TUI_CONFIRM_YES &&
		    tui_list_selected(&st.list) == st.confirm.target &&
		    selected() != NULL)
			pick(app, selected());
		return TUI_KEY_HANDLED;
	}
	if (!tui_steps_list_key(app, &st.list, st.loaded, key, load,
				&outcome))
		return outcome;
	choose(app);
	return TUI_KEY_HANDLED;
}

static char *list_help(struct tui_app *app)
{
	(void)app;
	return tui_help_list_row(&st.list);
}

const struct tui_screen tui_screen_secret_picker = {
	.breadcrumb = N_("Admin > Connections > Credentials > Secret"),
	.legend = N_("Enter pick  / filter  r reload  Esc back"),
	.help = N_("Choose the Key Vault secret that holds this credential. "
		     "Only the names and attributes of secrets are listed, never "
		     "their values."),
	.help_for = list_help,
	.enter = picker_enter,
	.leave = picker_leave,
	.draw = picker_draw,
	.key = picker_key,
	.job_done = picker_done,
};
