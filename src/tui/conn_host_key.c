/*
 * Reading and trusting an SFTP server's host key from the wizard. The
 * worker only reads the key (no credential is involved); trusting it
 * saves the environment on the main thread, like a connection's save.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "flow/sftp_conn.h"
#include "i18n.h"
#include "tui/conn_host_key.h"
#include "tui/conn_test.h"

/* Written by the worker, read by the main thread once it finished. */
static struct {
	char *conn_id;
	char server[300];	/* "host:port" */
	struct kvl_sftp_report report;
	enum kvl_sftp_trust trust;
} job;

static kvl_result read_key(struct tui_app *app, void *arg,
			   struct kvl_error *err)
{
	const struct kvl_connection *conn;
	struct kvl_sftp_target target;
	struct kvl_sink sink;
	kvl_result r;

	(void)arg;
	conn = kvl_conn_find(&app->session->env, job.conn_id);
	if (conn == NULL)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("the connection no longer exists"));
	r = kvl_sftp_conn_target(conn, &target, err);
	if (r != KVL_OK)
		return r;
	snprintf(job.server, sizeof(job.server), "%s:%u", target.host,
		 target.port);
	tui_sink_fill(&sink, app);
	return kvl_sftp_conn_check_host_key(conn, &job.report, &job.trust,
					    &sink, err);
}

void tui_host_key_start(struct tui_app *app, const char *conn_id)
{
	free(job.conn_id);
	memset(&job, 0, sizeof(job));
	job.conn_id = strdup(conn_id);
	if (job.conn_id == NULL) {
		tui_app_status(app, TUI_ROLE_ERROR, "%s", _("out of memory"));
		return;
	}
	(void)tui_app_start_job(app, TUI_JOB_SFTP_HOST_KEY,
				_("Reading the server's host key"), read_key,
				NULL);
}

static void show_changed(struct tui_app *app)
{
	const struct kvl_connection *conn;
	struct kvl_error shown;

	conn = kvl_conn_find(&app->session->env, job.conn_id);
	kvl_error_init(&shown);
	(void)kvl_error_set(&shown, KVL_ERR_TLS,
			    _("WARNING: the server %s now offers the host key "
			      "%s %s, but the key trusted for it is %s. "
			      "Someone may be intercepting the connection, or "
			      "the server got a new key. No credential was "
			      "sent. Trust the new key only when the server's "
			      "administrator confirms it, with 'kvlink "
			      "connection test \"%s\" --trust-host-key %s'."),
			    job.server, job.report.host_key.type,
			    job.report.host_key.fingerprint,
			    conn != NULL && kvl_sftp_conn_pin(conn) != NULL
			    ? kvl_sftp_conn_pin(conn) : "?",
			    conn != NULL ? conn->display_name : "NAME",
			    job.report.host_key.fingerprint);
	tui_app_error(app, _("The host key has changed"), &shown);
	kvl_error_clear(&shown);
}

void tui_host_key_done(struct tui_app *app, kvl_result result,
		       const struct kvl_error *err,
		       struct tui_confirm *confirm, int trust_action)
{
	if (result != KVL_OK) {
		tui_app_error(app, _("Could not read the server's host key"),
			      err);
		return;
	}
	switch (job.trust) {
	case KVL_SFTP_TRUST_MATCH:
		tui_conn_test_run(app, job.conn_id);
		return;
	case KVL_SFTP_TRUST_CHANGED:
		show_changed(app);
		return;
	case KVL_SFTP_TRUST_NEW:
		break;
	}
	tui_confirm_open(confirm, trust_action, 0, _("Trust the host key?"),
			 _("The server %s offers the host key %s %s. Compare "
			   "it with the fingerprint the server's "
			   "administrator gives you. Trust it and test the "
			   "connection?"), job.server,
			 job.report.host_key.type,
			 job.report.host_key.fingerprint);
}

void tui_host_key_trust(struct tui_app *app)
{
	struct kvl_error err;

	if (job.conn_id == NULL)
		return;
	kvl_error_init(&err);
	if (kvl_sftp_conn_trust(app->session, job.conn_id,
				&job.report.host_key, &err) != KVL_OK) {
		tui_app_error(app, _("Could not trust the host key"), &err);
		kvl_error_clear(&err);
		return;
	}
	kvl_log("wizard: trusted host key %s for connection %s",
		job.report.host_key.fingerprint, job.conn_id);
	tui_conn_test_run(app, job.conn_id);
}
