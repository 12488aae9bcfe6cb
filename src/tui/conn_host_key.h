/*
 * The host key step of the wizard's test of an SFTP-based connection. A
 * worker reads the server's key without signing in. A trusted key starts
 * the test. A new key opens a question that shows its type and
 * fingerprint. A changed key shows a warning and sends no credential.
 */
#ifndef KVL_TUI_CONN_HOST_KEY_H
#define KVL_TUI_CONN_HOST_KEY_H

#include "core/result.h"
#include "tui/app.h"
#include "tui/confirm.h"

/* Job tag of the host key read, for the screen's job_done. */
#define TUI_JOB_SFTP_HOST_KEY 41

/* Starts reading the host key of the saved connection with id conn_id. */
void tui_host_key_start(struct tui_app *app, const char *conn_id);

/*
 * Acts on the key read by the job started above; call from job_done.
 * A new key opens confirm with action trust_action, whose yes the
 * screen passes to tui_host_key_trust().
 */
void tui_host_key_done(struct tui_app *app, kvl_result result,
		       const struct kvl_error *err,
		       struct tui_confirm *confirm, int trust_action);

/* Trusts the key the question showed, saves, and starts the test. */
void tui_host_key_trust(struct tui_app *app);

#endif
