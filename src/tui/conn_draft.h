/*
 * The connection being added or edited, shared by the Admin > Connections
 * screens: each step edits its part of the draft, and the review (add)
 * or the editor (edit) saves it through env/connections.h.
 */
#ifndef KVL_TUI_CONN_DRAFT_H
#define KVL_TUI_CONN_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/keyvault.h"
#include "env/connections.h"
#include "tui/app.h"
#include "tui/field.h"
#include "tui/form.h"

enum tui_conn_mode {
	TUI_CONN_ADD,
	TUI_CONN_EDIT,
};

struct tui_conn_draft {
	enum tui_conn_mode mode;
	const struct kvl_conn_type *type;
	char *edit_id;		/* edit: the connection's id */
	bool saved_with_key_vault;	/* edit: the toggle cannot go off */
	struct tui_field name;
	/* The type's plain fields; each row's tag is its index in
	 * type->fields. */
	struct tui_form fields;
	bool use_key_vault;
	/* The credential fields: secret choices with Key Vault, masked or
	 * stored entries without; tags as in fields. */
	struct tui_form creds;
	/* Per index of type->fields: the secret chosen for a credential
	 * (NULL: none), and whether a sealed value is stored (edit). */
	char **secret_names;
	bool *stored;
	size_t picking;		/* the creds row the secret picker fills */
	enum kvl_conn_audience audience;
	bool consent;
	/* The linked vault's secrets, listed once per draft. */
	struct kvl_secret_item *secrets;
	size_t n_secrets;
	bool secrets_loaded;
};

/* The one draft; empty (type NULL) outside the add and edit screens. */
struct tui_conn_draft *tui_conn_draft(void);
/* Wipes typed credentials and frees everything in the draft. */
void tui_conn_draft_clear(void);

/* Starts adding a connection of type, with empty fields (defaults
 * filled in). Returns false when out of memory. */
bool tui_conn_draft_add(const struct kvl_conn_type *type);
/* Starts editing conn: its values, secret names and which typed
 * credentials are stored. */
bool tui_conn_draft_edit(const struct kvl_connection *conn);
/* Turns an edit draft into a new connection of the same type and fields
 * with typed credentials: no name, Key Vault off, nothing stored. */
bool tui_conn_draft_copy_as_new(void);

/* Rebuilds the credential rows for the current Key Vault setting; keeps
 * the secret names when Key Vault stays on. */
bool tui_conn_draft_build_creds(struct tui_conn_draft *draft);

/* Whether an edit draft differs from the connection as saved: its name,
 * settings, Key Vault setting, secrets, audience or a typed credential. */
bool tui_conn_draft_changed(const struct tui_app *app,
			    const struct tui_conn_draft *draft);

/*
 * Whether a settings row differs from conn's value as the editor loaded
 * it (sanitised and cut to the field's size). An untouched row of a
 * value too long for the form therefore counts as unchanged, and saving
 * leaves that value whole.
 */
bool tui_conn_setting_changed(const struct tui_conn_draft *draft,
			      const struct tui_form_row *row,
			      const struct kvl_connection *conn);

/* A copy of the name as typed, or NULL when empty. The caller frees. */
char *tui_conn_draft_name(const struct tui_conn_draft *draft);
/* Why name cannot be used (translated), or NULL when it is free. */
const char *tui_conn_name_problem(const struct tui_app *app,
				  const struct tui_conn_draft *draft);

/*
 * Whether the draft's type may use the linked vault. When not, *why is
 * a translated sentence saying why the toggle is not offered.
 */
bool tui_conn_key_vault_offered(const struct tui_app *app,
				const struct tui_conn_draft *draft,
				const char **why);

/* Validates every row of form (plain fields, or credentials) in place.
 * Returns the number of rows with an error. */
size_t tui_conn_validate_fields(struct tui_conn_draft *draft);
/* Validates one plain-field row; returns whether it is valid. */
bool tui_conn_validate_field(struct tui_conn_draft *draft,
			     struct tui_form_row *row);
size_t tui_conn_validate_creds(struct tui_conn_draft *draft);
/* Validates one credential row on its own; returns whether it is valid. */
bool tui_conn_validate_cred(struct tui_conn_draft *draft,
			    struct tui_form_row *row);

/* Whether every settings row, or every credential row and the rules
 * across them, is valid; the rows' shown errors stay as they are. */
bool tui_conn_fields_valid(struct tui_conn_draft *d);
bool tui_conn_creds_valid(struct tui_conn_draft *d);

/*
 * Passes key to form and validates as the user goes: a marked row again
 * as it is corrected, a row once the focus leaves it. Returns the form's
 * event for the caller to act on submits and activations.
 */
enum tui_form_event tui_conn_form_key(struct tui_conn_draft *draft,
				      struct tui_form *form,
				      const struct tui_key *key,
				      bool (*validate)(
					      struct tui_conn_draft *draft,
					      struct tui_form_row *row));

/*
 * Saves the draft: adds a new connection or changes the edited one,
 * seals typed credentials (then wipes them), and writes the environment.
 * On failure the environment is reloaded from disk so no half-applied
 * change stays in memory.
 */
kvl_result tui_conn_draft_save(struct tui_app *app, struct kvl_error *err)
	KVL_NODISCARD;

/* Who may use a connection, as the wizard shows it (translated). */
const char *tui_conn_audience_text(enum kvl_conn_audience audience);

/* Goes on from a step: the next step when adding, back to the editor
 * when editing. */
void tui_conn_next(struct tui_app *app, const struct tui_screen *next);

/* Steps of Add connection, in order, and the other screens. */
extern const struct tui_screen tui_screen_connections;
extern const struct tui_screen tui_screen_conn_edit;
extern const struct tui_screen tui_step_conn_type;
extern const struct tui_screen tui_step_conn_name;
extern const struct tui_screen tui_step_conn_fields;
extern const struct tui_screen tui_step_conn_vault;
extern const struct tui_screen tui_step_conn_creds;
extern const struct tui_screen tui_screen_secret_picker;
extern const struct tui_screen tui_step_conn_audience;
extern const struct tui_screen tui_step_conn_privacy;
extern const struct tui_screen tui_step_conn_review;
/* The same steps opened from the editor: they go back to it. */
extern const struct tui_screen tui_edit_conn_name;
extern const struct tui_screen tui_edit_conn_fields;
extern const struct tui_screen tui_edit_conn_creds;
extern const struct tui_screen tui_edit_conn_audience;

#endif
