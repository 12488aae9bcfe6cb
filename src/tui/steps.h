/* Helpers shared by the six link steps. */
#ifndef KVL_TUI_STEPS_H
#define KVL_TUI_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/app.h"
#include "tui/list.h"
#include "tui/text.h"

/* The step's one-line instruction at the top of the body. */
void tui_steps_title(const struct tui_layout *layout, const char *text);

/* tui_list_set_columns and tui_list_add_cells that report running out
 * of memory on the status line. */
void tui_steps_columns(struct tui_app *app, struct tui_list *list,
		       const char *const *headings, const int *minimum,
		       size_t n);
void tui_steps_row(struct tui_app *app, struct tui_list *list,
		   const char *const *cells, bool disabled);

/* "Enabled", or "Disabled: unusable" for an unusable state.
 * The caller frees. */
char *tui_steps_state_text(const char *state, bool usable);

/* Reports a failed or cancelled load; r (tui_steps_retry_key) retries. */
void tui_steps_failed(struct tui_app *app, const char *title,
		      kvl_result result, const struct kvl_error *err);
bool tui_steps_retry_key(const struct tui_key *key);

/*
 * Key handling of a list step: r calls reload, other keys go to the list
 * once it is loaded. Returns true when Enter chose a row; otherwise
 * *outcome is the result of the key.
 */
bool tui_steps_list_key(struct tui_app *app, struct tui_list *list,
			bool loaded, const struct tui_key *key,
			void (*reload)(struct tui_app *app),
			enum tui_outcome *outcome);
/* The step's instruction, and the list below it once it is loaded. */
void tui_steps_draw_list(const struct tui_layout *layout, const char *title,
			 struct tui_list *list, bool loaded);
bool tui_steps_enter_key(const struct tui_key *key);

#endif
