/*
 * The connection test of the SFTP-based types (sftp, liveramp, sfmc):
 * one SFTP session that checks the trusted host key, signs in once and
 * lists the export folder (see core/sftp.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/sftp.h"
#include "flow/conntest.h"
#include "flow/sftp_conn.h"
#include "i18n.h"

/* A failed SSH handshake, or a host key that cannot be read. */
static const char *handshake_text(const struct kvl_sftp_report *report)
{
	if (report->key_state == KVL_SFTP_KEY_CHANGED)
		return N_("WARNING: the host key of the %s server has "
			  "changed, so someone may be intercepting the "
			  "connection and no credential was sent; trust the "
			  "new key only after the server's administrator "
			  "confirms it");
	return N_("The SSH handshake with the %s server failed, so no "
		  "credential was sent; check that the host and port "
		  "belong to an SSH server");
}

/* A failed sign-in. Before the handshake it can only be the private
 * key that could not be opened here. */
static const char *auth_text(const struct kvl_sftp_report *report)
{
	if (report->key_state == KVL_SFTP_KEY_NOT_SEEN)
		return N_("The private key could not be opened with its "
			  "passphrase, so nothing was sent to the %s server; "
			  "check the passphrase and that the key is intact");
	return N_("The %s server rejected the credential (one attempt "
		  "was made); check the user name and that the password "
		  "or private key is current");
}

const char *kvl_conntest_sftp_text(kvl_result r,
				   const struct kvl_sftp_report *report)
{
	switch (report->step) {
	case KVL_PROBE_OK:
		return N_("%s accepted the credential and listed the export "
			  "folder");
	case KVL_PROBE_DNS:
		break;
	case KVL_PROBE_CONNECT:
		return N_("Could not connect to the %s server; check the "
			  "host, the port and any firewall on the way");
	case KVL_PROBE_TLS:
		return handshake_text(report);
	case KVL_PROBE_AUTH:
		return auth_text(report);
	case KVL_PROBE_PERMISSION:
		return N_("The %s server accepted the credential, but the "
			  "user may not read the export folder; ask the "
			  "server's administrator for read access");
	case KVL_PROBE_RESPONSE:
		if (r == KVL_ERR_NOT_FOUND)
			return N_("The export folder does not exist on the "
				  "%s server; check the folder's path");
		return N_("The %s server stopped answering or ended the "
			  "SFTP session; try again later, and ask the "
			  "server's administrator if it persists");
	}
	return kvl_conntest_step_text(KVL_PROBE_DNS);
}

static void credential_of(const struct kvl_conntest_input *in,
			  struct kvl_sftp_credential *cred)
{
	size_t i;

	memset(cred, 0, sizeof(*cred));
	for (i = 0; i < in->n_credentials; i++) {
		const char *key = in->credentials[i].key;
		const char *value = in->credentials[i].value;

		if (strcmp(key, "password") == 0)
			cred->password = value;
		else if (strcmp(key, "passphrase") == 0)
			cred->passphrase = value;
		else if (strcmp(key, "private_key") == 0)
			cred->private_key = value;
	}
	if (cred->private_key != NULL)
		cred->private_key_len = strlen(cred->private_key);
}

kvl_result kvl_conntest_sftp(const struct kvl_conntest_input *in,
			     struct kvl_conntest_result *out,
			     struct kvl_error *err)
{
	struct kvl_sftp_target target;
	struct kvl_sftp_credential cred;
	struct kvl_sftp_report report;
	struct kvl_error test_err;
	const char *pin;
	kvl_result r;

	r = kvl_sftp_conn_target(in->conn, &target, err);
	if (r != KVL_OK)
		return r;
	pin = kvl_sftp_conn_pin(in->conn);
	if (pin == NULL)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("no host key is trusted yet for the "
				       "server of connection '%s'; test it "
				       "once and confirm the host key"),
				     in->conn->display_name);
	credential_of(in, &cred);

	kvl_error_init(&test_err);
	r = kvl_sftp_test(&target, pin, &cred, &report, in->sink, &test_err);
	if (r == KVL_ERR_INVALID || r == KVL_ERR_NOMEM ||
	    r == KVL_ERR_CANCELLED || r == KVL_ERR_PREREQ ||
	    r == KVL_ERR_IO) {
		kvl_error_move(err, &test_err);
		return r;
	}
	out->step = report.step;
	out->summary = kvl_conntest_sftp_text(r, &report);
	out->target = kvl_sftp_conn_target_text(&target);
	if (r != KVL_OK)
		out->detail = kvl_sanitize(test_err.message);
	kvl_error_clear(&test_err);
	if (out->target == NULL || (r != KVL_OK && out->detail == NULL))
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}
