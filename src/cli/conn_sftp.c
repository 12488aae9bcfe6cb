/*
 * The host key step of `kvlink connection test` for SFTP-based
 * connections: before any secret is read, the key the server offers is
 * compared with the one trusted on first use. A new key needs
 * --trust-host-key with its fingerprint, or a yes on the terminal. A
 * changed key or a server that cannot be reached ends the test at its
 * step (tls, dns, connect), so no credential is sent.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/conn.h"
#include "core/sanitize.h"
#include "flow/conntest.h"
#include "flow/sftp_conn.h"
#include "i18n.h"

/* "host:port" of the connection's server, for messages. */
static void server_name(const struct kvl_connection *c, char *out,
			size_t size)
{
	struct kvl_sftp_target t;
	struct kvl_error err;

	kvl_error_init(&err);
	if (kvl_sftp_conn_target(c, &t, &err) == KVL_OK)
		snprintf(out, size, "%s:%u", t.host, t.port);
	else
		snprintf(out, size, "?");
	kvl_error_clear(&err);
}

static void print_changed_warning(const char *server, const char *pin,
				  const struct kvl_sftp_host_key *key)
{
	fputs(_("@@@ WARNING: THE SFTP SERVER'S HOST KEY HAS CHANGED @@@\n"),
	      stderr);
	fprintf(stderr, _("The server %s now offers\n  %s %s\n"
			  "but the key trusted for it is\n  %s\n"),
		server, key->type, key->fingerprint, pin);
	fputs(_("Someone may be intercepting the connection, or the server "
		"got a new key. No credential was sent.\n"), stderr);
}

/*
 * Trusts the offered key and prints that it did. Trusting changes the
 * connection, so it takes an Admin, as connection edit does.
 */
static kvl_result trust(struct kvl_cli *cli, const struct kvl_connection *c,
			const struct kvl_sftp_host_key *key,
			struct kvl_error *err)
{
	const struct kvl_identity *who;
	char *id = strdup(c->id);
	kvl_result r;

	/* Signing in may reload the environment, which frees c. */
	if (id == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	r = kvl_cli_require_admin(cli, _("trust a host key for a "
					 "connection"), &who, err);
	if (r == KVL_OK)
		r = kvl_sftp_conn_trust(&cli->session, id, key, err);
	free(id);

	if (r == KVL_OK)
		fprintf(stderr, _("Trusted host key %s %s for the "
				  "connection.\n"), key->type,
			key->fingerprint);
	return r;
}

/* A key seen for the first time: --trust-host-key, or ask. */
static kvl_result trust_new(struct kvl_cli *cli,
			    const struct kvl_connection *c,
			    const char *server,
			    const struct kvl_sftp_host_key *key,
			    struct kvl_error *err)
{
	const char *given = cli->opt.trust_host_key;

	fprintf(stderr, _("The server %s offers the host key\n  %s %s\n"),
		server, key->type, key->fingerprint);
	if (given != NULL && strcmp(given, key->fingerprint) == 0)
		return trust(cli, c, key, err);
	/* Status 5, as for a key not trusted yet: nothing changed. */
	if (given != NULL)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("the server %s offers the host key %s, "
				       "not %s given with --trust-host-key; "
				       "nothing was trusted and no credential "
				       "was sent"), server, key->fingerprint,
				     given);
	if (isatty(STDIN_FILENO) && cli->opt.output != KVL_OUTPUT_JSON) {
		fputs(_("Compare it with the fingerprint the server's "
			"administrator gives you.\n"), stderr);
		if (kvl_cli_confirm(_("Trust this host key?")))
			return trust(cli, c, key, err);
		return kvl_error_set(err, KVL_ERR_CANCELLED,
				     _("the host key was not trusted; no "
				       "credential was sent"));
	}
	return kvl_error_set(err, KVL_ERR_PREREQ,
			     _("the host key of %s is not trusted yet; if "
			       "%s is the fingerprint the server's "
			       "administrator gives you, run the test again "
			       "with --trust-host-key %s"), server,
			     key->fingerprint, key->fingerprint);
}

/*
 * Ends the test at report->step: res gets the step, the target and
 * message, and err is cleared.
 */
static kvl_result end_test(const struct kvl_connection *c,
			   const struct kvl_sftp_report *report,
			   struct kvl_conntest_result *res,
			   struct kvl_error *err)
{
	struct kvl_sftp_target t;

	memset(res, 0, sizeof(*res));
	if (kvl_sftp_conn_target(c, &t, err) != KVL_OK)
		return err->result;
	res->step = report->step;
	res->summary = kvl_conntest_sftp_text(err->result, report);
	res->target = kvl_sftp_conn_target_text(&t);
	res->detail = kvl_sanitize(err->message);
	kvl_error_clear(err);
	if (res->target == NULL || res->detail == NULL) {
		kvl_conntest_result_clear(res);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	return KVL_OK;
}

kvl_result kvl_cli_sftp_host_key(struct kvl_cli *cli,
				 const struct kvl_connection *c,
				 struct kvl_conntest_result *res,
				 struct kvl_error *err)
{
	const char *given = cli->opt.trust_host_key;
	const char *pin = kvl_sftp_conn_pin(c);
	struct kvl_sftp_report report;
	enum kvl_sftp_trust verdict;
	char server[300];
	kvl_result r;

	if (given != NULL && !kvl_sftp_fingerprint_valid(given))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("--trust-host-key expects a fingerprint "
				       "like SHA256:Xl0b... (SHA256: and 43 "
				       "base64 characters), as kvlink and "
				       "'ssh-keygen -l' print it"));
	server_name(c, server, sizeof(server));
	kvl_sink_progress(&cli->sink, _("Reading the server's host key"));
	r = kvl_sftp_conn_check_host_key(c, &report, &verdict, &cli->sink,
					 err);
	if ((r == KVL_ERR_NETWORK || r == KVL_ERR_TLS) &&
	    report.step != KVL_PROBE_OK)
		return end_test(c, &report, res, err);
	if (r != KVL_OK) {
		kvl_error_operation(err, _("read the SFTP server's host key"));
		return r;
	}

	switch (verdict) {
	case KVL_SFTP_TRUST_MATCH:
		if (given == NULL || strcmp(given, pin) == 0)
			return KVL_OK;
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("the server %s offers the host key %s, "
				       "which is already trusted, not %s "
				       "given with --trust-host-key; nothing "
				       "was changed and no credential was "
				       "sent"), server,
				     report.host_key.fingerprint, given);
	case KVL_SFTP_TRUST_CHANGED:
		print_changed_warning(server, pin, &report.host_key);
		if (given != NULL &&
		    strcmp(given, report.host_key.fingerprint) == 0)
			return trust(cli, c, &report.host_key, err);
		report.step = KVL_PROBE_TLS;
		report.key_state = KVL_SFTP_KEY_CHANGED;
		kvl_error_set(err, KVL_ERR_TLS,
			      _("the host key of %s has changed, so no "
				"credential was sent; trust the new key only "
				"when the server's administrator confirms it, "
				"by running the test again with "
				"--trust-host-key %s"), server,
			      report.host_key.fingerprint);
		return end_test(c, &report, res, err);
	case KVL_SFTP_TRUST_NEW:
		break;
	}
	return trust_new(cli, c, server, &report.host_key, err);
}
