/*
 * kvlink connection test NAME: resolves the connection's credentials
 * (see flow/conntest.h), makes one read-only authenticated exchange with
 * the target and reports the step that failed. Exit status 8 when the
 * test ran and failed; an error before the exchange (sign-in, a secret
 * that cannot be read) keeps its own status.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "flow/conntest.h"
#include "flow/sftp_conn.h"
#include "i18n.h"

static json_object *result_json(const struct kvl_connection *c,
				 const struct kvl_conn_type *type,
				 const struct kvl_conntest_result *res)
{
	json_object *doc = json_object_new_object();
	json_object *conn = json_object_new_object();
	const char *text = kvl_conntest_result_text(res);
	char *sentence = kvl_conntest_sentence(text, type->display_name);

	kvl_cli_json_add_string(conn, "id", c->id);
	kvl_cli_json_add_string(conn, "name", c->display_name);
	kvl_cli_json_add_string(conn, "type", c->type_id);
	kvl_cli_json_add_string(conn, "credentials",
				c->use_key_vault ? "keyVault" : "typed");
	json_object_object_add(doc, "connection", conn);
	json_object_object_add(doc, "passed", json_object_new_boolean(
				       res->step == KVL_PROBE_OK));
	kvl_cli_json_add_string(doc, "step",
				kvl_probe_step_name(res->step));
	json_object_object_add(doc, "httpStatus", res->http_status > 0
			       ? json_object_new_int64(res->http_status)
			       : NULL);
	kvl_cli_json_add_string(doc, "target", res->target);
	kvl_cli_json_add_string(doc, "vendorMessage", res->vendor_message);
	kvl_cli_json_add_string(doc, "detail", res->detail);
	kvl_cli_json_add_string(doc, "message", sentence);
	free(sentence);
	return doc;
}

/* "Result: passed", or the step that failed. */
static void print_result_line(const struct kvl_conntest_result *res)
{
	char *line = NULL;

	if (res->step == KVL_PROBE_OK) {
		kvl_cli_print_field(_("Result"), _("passed"));
		return;
	}
	if (asprintf(&line, _("failed at step %s"),
		     kvl_probe_step_name(res->step)) < 0)
		return;
	kvl_cli_print_field(_("Result"), line);
	free(line);
}

/* The step's sentence with the vendor's name, as a closing line. */
static void print_sentence(const struct kvl_conn_type *type,
			   const struct kvl_conntest_result *res)
{
	const char *text = _(kvl_conntest_result_text(res));
	char *sentence = kvl_conntest_sentence(text, type->display_name);
	char *line = NULL;

	if (sentence != NULL && asprintf(&line, "%s.", sentence) >= 0) {
		kvl_cli_print_lines(stdout, "", line);
		free(line);
	}
	free(sentence);
}

static void print_result(const struct kvl_connection *c,
			 const struct kvl_conn_type *type,
			 const struct kvl_conntest_result *res)
{
	char status[24];

	kvl_cli_print_field(_("Connection"), c->display_name);
	kvl_cli_print_field(_("Type"), type->display_name);
	kvl_cli_print_field(_("Credentials"), c->use_key_vault
			    ? _("from Key Vault") : _("typed (encrypted)"));
	kvl_cli_print_field(_("Target"), res->target);
	print_result_line(res);
	if (res->http_status > 0) {
		snprintf(status, sizeof(status), "%ld", res->http_status);
		kvl_cli_print_field(_("HTTP status"), status);
	}
	if (res->vendor_message != NULL)
		kvl_cli_print_field(_("Vendor message"), res->vendor_message);
	if (res->detail != NULL)
		kvl_cli_print_field(_("Detail"), res->detail);
	print_sentence(type, res);
}

/* Stops before any sign-in for a type that cannot be tested. */
static kvl_result check_testable(const struct kvl_connection *c,
				 struct kvl_error *err)
{
	const struct kvl_conntest_kind *kind;

	kind = kvl_conntest_kind_find(c->type_id);
	if (kind == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' has the unknown type "
				       "'%s'; this version of kvlink cannot "
				       "test it"), c->display_name,
				     c->type_id);
	if (kind->run == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID, "%s",
				     _(kind->why_not));
	return KVL_OK;
}

static kvl_result run_test(struct kvl_cli *cli,
			   const struct kvl_connection *c,
			   struct kvl_conntest_result *res,
			   struct kvl_error *err)
{
	kvl_result r = KVL_OK;

	/* Only Key Vault mode needs Azure: the secrets are read as you. */
	if (c->use_key_vault)
		r = kvl_cli_sign_in(cli, err);
	if (r != KVL_OK)
		return r;
	kvl_sink_progress(&cli->sink, _("Testing the connection"));
	return kvl_conntest_run(&cli->session, c, res, err);
}

kvl_result kvl_cli_conn_test(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_conntest_result res = { 0 };
	const struct kvl_conn_type *type;
	struct kvl_connection *c;
	kvl_result r;

	r = kvl_cli_require_env(cli, err);
	if (r != KVL_OK)
		return r;
	c = kvl_cli_conn_find(cli, &cli->session.env, err);
	if (c == NULL)
		return KVL_ERR_NOT_FOUND;
	type = kvl_conn_type_find(c->type_id);
	r = check_testable(c, err);
	if (r == KVL_OK && cli->opt.trust_host_key != NULL &&
	    !kvl_sftp_conn_type(c->type_id))
		r = kvl_error_set(err, KVL_ERR_INVALID,
				  _("--trust-host-key applies only to SFTP, "
				    "LiveRamp and Salesforce Marketing Cloud "
				    "connections"));
	/* The host key comes first: no secret is read for an untrusted
	 * server. Trusting a key may reload the environment. */
	if (r == KVL_OK && kvl_sftp_conn_type(c->type_id)) {
		r = kvl_cli_sftp_host_key(cli, c, &res, err);
		if (r == KVL_OK)
			c = kvl_cli_conn_find(cli, &cli->session.env, err);
		if (r == KVL_OK && c == NULL)
			r = KVL_ERR_NOT_FOUND;
	}
	if (r == KVL_OK && res.target == NULL)
		r = run_test(cli, c, &res, err);
	if (r != KVL_OK) {
		kvl_conntest_result_clear(&res);
		return r;
	}
	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *doc = result_json(c, type, &res);

		kvl_cli_print_json(doc);
		json_object_put(doc);
	} else {
		print_result(c, type, &res);
	}
	if (res.step != KVL_PROBE_OK) {
		cli->exit_code = KVL_EXIT_TEST_FAILED;
		r = kvl_error_set(err, KVL_ERR_HTTP,
				  _("the test of connection '%s' failed at "
				    "step '%s'"), c->display_name,
				  kvl_probe_step_name(res.step));
	}
	kvl_conntest_result_clear(&res);
	return r;
}
