/*
 * Testing a saved connection from the wizard. The worker resolves the
 * credential and makes the one request (flow/conntest.h); the main
 * thread shows only the sanitised result, never the credential.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "flow/conntest.h"
#include "flow/sftp_conn.h"
#include "i18n.h"
#include "tui/conn_host_key.h"
#include "tui/conn_test.h"

/* Written by the worker, read by the main thread once it finished. */
static struct {
	char *conn_id;
	char *vendor;		/* display name of the type */
	struct kvl_conntest_result result;
} job;

static kvl_result run_test(struct tui_app *app, void *arg,
			   struct kvl_error *err)
{
	const struct kvl_connection *conn;

	(void)arg;
	conn = kvl_conn_find(&app->session->env, job.conn_id);
	if (conn == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("the connection no longer exists"));
	return kvl_conntest_run(app->session, conn, &job.result, err);
}

static void job_reset(void)
{
	free(job.conn_id);
	free(job.vendor);
	kvl_conntest_result_clear(&job.result);
	memset(&job, 0, sizeof(job));
}

void tui_conn_test_start(struct tui_app *app, const char *conn_id)
{
	const struct kvl_connection *conn;
	const struct kvl_conntest_kind *kind;
	const struct kvl_conn_type *type;

	conn = kvl_conn_find(&app->session->env, conn_id);
	if (conn == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Save the connection before testing it."));
		return;
	}
	kind = kvl_conntest_kind_find(conn->type_id);
	type = kvl_conn_type_find(conn->type_id);
	if (kind == NULL || type == NULL || kind->run == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       kind != NULL && kind->why_not != NULL
			       ? _(kind->why_not)
			       : _("This connection type cannot be tested."));
		return;
	}
	if (tui_app_busy(app)) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Wait for the current operation to finish, "
				 "or press Esc to cancel it."));
		return;
	}
	/* SFTP signs in only against a trusted host key. */
	if (kvl_sftp_conn_type(conn->type_id))
		tui_host_key_start(app, conn->id);
	else
		tui_conn_test_run(app, conn->id);
}

void tui_conn_test_run(struct tui_app *app, const char *conn_id)
{
	const struct kvl_connection *conn;
	const struct kvl_conn_type *type;

	conn = kvl_conn_find(&app->session->env, conn_id);
	type = conn != NULL ? kvl_conn_type_find(conn->type_id) : NULL;
	if (type == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s",
			       _("Save the connection before testing it."));
		return;
	}
	job_reset();
	job.conn_id = strdup(conn->id);
	job.vendor = strdup(type->display_name);
	if (job.conn_id == NULL || job.vendor == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	(void)tui_app_start_job(app, TUI_JOB_CONN_TEST,
				_("Testing the connection"), run_test, NULL);
}

/* Appends the result's summary with the vendor's name. */
static void add_sentence(struct kvl_buf *buf,
			 const struct kvl_conntest_result *r)
{
	char *text = kvl_conntest_sentence(_(kvl_conntest_result_text(r)),
					   job.vendor);

	(void)kvl_buf_adds(buf, text != NULL ? text : "?");
	free(text);
}

/*
 * The summary, then one line for each field. The strings of a result
 * are sanitised, so no field can start a line of its own.
 */
static char *failure_text(const struct kvl_conntest_result *r)
{
	struct kvl_buf buf;

	kvl_buf_init(&buf);
	add_sentence(&buf, r);
	(void)kvl_buf_addf(&buf, _(".\n\nFailed step: %s"),
			   kvl_probe_step_name(r->step));
	if (r->http_status > 0)
		(void)kvl_buf_addf(&buf, _("\nHTTP status: %ld"),
				   r->http_status);
	if (r->vendor_message != NULL)
		(void)kvl_buf_addf(&buf, _("\nMessage from %s: %s"),
				   job.vendor, r->vendor_message);
	if (r->detail != NULL)
		(void)kvl_buf_addf(&buf, _("\nDetail: %s"), r->detail);
	(void)kvl_buf_addf(&buf, _("\nTarget: %s"),
			   r->target != NULL ? r->target : "?");
	return buf.data != NULL ? kvl_buf_detach(&buf) : NULL;
}

void tui_conn_test_done(struct tui_app *app, kvl_result result,
			const struct kvl_error *err)
{
	struct kvl_buf passed;
	char *text;

	if (result != KVL_OK) {
		tui_app_error(app, _("Could not test the connection"), err);
		goto out;
	}
	if (job.result.step == KVL_PROBE_OK) {
		kvl_buf_init(&passed);
		add_sentence(&passed, &job.result);
		tui_app_status(app, TUI_ROLE_PASSED, _("Test passed: %s."),
			       passed.data != NULL ? passed.data : "");
		kvl_buf_clear(&passed);
		goto out;
	}

	text = failure_text(&job.result);
	tui_app_error_lines(app, _("Connection test failed"),
			    text != NULL ? text : _("out of memory"));
	free(text);
out:
	job_reset();
}
