/*
 * The wizard's connection test: runs kvl_conntest_run() on a saved
 * connection in the worker and shows the outcome, a passed test on the
 * status line and a failed one in a dialog that names the step.
 */
#ifndef KVL_TUI_CONN_TEST_H
#define KVL_TUI_CONN_TEST_H

#include "core/result.h"
#include "tui/app.h"

/* Job tag of the test, for the screen's job_done. */
#define TUI_JOB_CONN_TEST 40

/*
 * Starts testing the saved connection with id conn_id. A type that
 * cannot be tested is reported on the status line and starts nothing.
 */
void tui_conn_test_start(struct tui_app *app, const char *conn_id);

/*
 * Starts the test job itself, skipping the host key step that
 * tui_conn_test_start() puts before the test of an SFTP-based type.
 */
void tui_conn_test_run(struct tui_app *app, const char *conn_id);

/* Shows the outcome of the job started above; call from job_done. */
void tui_conn_test_done(struct tui_app *app, kvl_result result,
			const struct kvl_error *err);

#endif
