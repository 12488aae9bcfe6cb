/*
 * Repairing a link from the wizard: a confirm dialog, kvl_repair as a
 * job that changes the environment, and the result on the status line.
 * A screen that offers it routes its keys and drawing here while the
 * dialog is open, and passes its job_done calls to tui_repair_done.
 */
#ifndef KVL_TUI_REPAIR_H
#define KVL_TUI_REPAIR_H

#include <stdbool.h>

#include "core/result.h"
#include "tui/layout.h"
#include "tui/screen.h"

struct tui_app;

/* The job tag of the repair, distinct from the tags screens use. */
#define TUI_REPAIR_JOB 0x5250

/* Whether a vault is linked and a stored notification reports the
 * link's grants missing, so that a repair is worth offering. */
bool tui_repair_offered(const struct tui_app *app);

/* Opens the confirm dialog, or puts on the status line why there is
 * nothing to repair. */
void tui_repair_ask(struct tui_app *app);

/* Takes a key while the dialog is open (y starts the repair); false
 * when the dialog is closed and the key is the screen's. */
bool tui_repair_key(struct tui_app *app, const struct tui_key *key);

/* Draws the dialog when it is open; call last. */
void tui_repair_draw(const struct tui_layout *layout);

/* Closes the dialog, for a screen that is left. */
void tui_repair_close(void);

/* Reports the result of the job tagged TUI_REPAIR_JOB; false for the
 * jobs of other tags, which the screen handles itself. */
bool tui_repair_done(struct tui_app *app, int tag, kvl_result result,
		     const struct kvl_error *err);

#endif
