/*
 * The health check in the wizard: the run of `kvlink check`
 * (kvl_health_run) as a background job, once when Home first shows and
 * again on request. Its findings replace the stored notifications.
 */
#ifndef KVL_TUI_CHECK_H
#define KVL_TUI_CHECK_H

#include <stdbool.h>

struct tui_app;

/*
 * Starts the check when a vault is linked, the user is signed in and no
 * other job runs. When asked is set (a key press), puts the reason it
 * did not start on the status line. Returns whether it started.
 */
bool tui_check_start(struct tui_app *app, bool asked);

/* Starts the check the first time it is called in a wizard run. */
void tui_check_start_once(struct tui_app *app);

/* Whether the check is running. */
bool tui_check_running(const struct tui_app *app);

#endif
