/*
 * Testing an export connection: its credentials are resolved at the
 * moment of use (read from the linked vault as the signed-in user in Key
 * Vault mode, unsealed from credentials.key in typed mode), held only in
 * memory, used for one read-only authenticated exchange with the target
 * and wiped at once. No automatic retry: some services lock an account
 * after repeated failed sign-ins.
 *
 * Each connection type has one entry in a dispatch table (conntest.c)
 * that names the function testing it, or why it cannot be tested.
 */
#ifndef KVL_CONNTEST_H
#define KVL_CONNTEST_H

#include <stddef.h>

#include "core/probe.h"
#include "core/result.h"
#include "core/sftp.h"
#include "core/sink.h"
#include "env/connections.h"
#include "flow/session.h"

/* The input of a tester: the connection and its resolved credentials. */
struct kvl_conntest_input {
	const struct kvl_connection *conn;
	const struct kvl_conn_type *type;
	/* connectionTargets entry of the cloud profile for this type, or
	 * NULL: the tester then uses the vendor's own host. */
	const char *base_url;
	const char *ca_bundle;		/* NULL: the system's trust store */
	const struct kvl_sink *sink;	/* for cancel; may be NULL */
	/* Credential field key -> plaintext value, wiped after the test. */
	struct kvl_field_value *credentials;
	size_t n_credentials;
};

/* The outcome of a test that ran; every string is already sanitised. */
struct kvl_conntest_result {
	enum kvl_probe_step step;	/* KVL_PROBE_OK: the test passed */
	long http_status;		/* 0 when there was no HTTP answer */
	char *target;			/* what was contacted, no credential */
	char *vendor_message;		/* the target's error text, or NULL */
	char *detail;			/* transport error text, or NULL */
	/* N_() summary with one %s for the vendor, set by a tester whose
	 * failures need more than the step's text; NULL uses that text. */
	const char *summary;
};

/*
 * Runs the test of one type. KVL_OK when the exchange was attempted,
 * whatever its outcome (in out); an error only when it could not be
 * attempted. The function must not retry and must not follow redirects.
 */
typedef kvl_result (*kvl_conntest_fn)(const struct kvl_conntest_input *in,
				      struct kvl_conntest_result *out,
				      struct kvl_error *err);

/* One entry of the dispatch table. */
struct kvl_conntest_kind {
	const char *type_id;
	kvl_conntest_fn run;		/* NULL: not testable, see why_not */
	const char *why_not;		/* N_(): reason shown to the user */
};

/* The dispatch entry of a type id; NULL for an unknown type. */
const struct kvl_conntest_kind *kvl_conntest_kind_find(const char *type_id);

/*
 * Tests conn, an export connection of the environment in s. In Key Vault
 * mode the session must be able to get a Key Vault token (signed in);
 * the secrets are read from the vault linked to the environment, which
 * must be the vault the connection was created with. Errors: the type
 * cannot be tested (KVL_ERR_INVALID, with the reason), a credential
 * cannot be resolved (the vault's or the store's error), KVL_ERR_NOMEM,
 * KVL_ERR_CANCELLED.
 */
kvl_result kvl_conntest_run(struct kvl_session *s,
			    const struct kvl_connection *conn,
			    struct kvl_conntest_result *out,
			    struct kvl_error *err) KVL_NODISCARD;

void kvl_conntest_result_clear(struct kvl_conntest_result *r);

/*
 * The value of field key for a tester: a resolved credential, else the
 * connection's plain field, else the type's default; NULL when none.
 */
const char *kvl_conntest_value(const struct kvl_conntest_input *in,
			       const char *key);

/*
 * N_(): one sentence on what a step means, with one %s for the target
 * ("%s rejected the credential"), shared by the command line and the
 * wizard.
 */
const char *kvl_conntest_step_text(enum kvl_probe_step step);

/* N_(): r->summary, or else kvl_conntest_step_text(r->step). */
const char *kvl_conntest_result_text(const struct kvl_conntest_result *r);

/*
 * Returns a copy of text, a kvl_conntest_step_text() as it is or
 * translated, with its one "%s" replaced by vendor; NULL when out of
 * memory. The caller frees it.
 */
char *kvl_conntest_sentence(const char *text, const char *vendor);

/*
 * conntest_sftp.c: SFTP, LiveRamp and Salesforce Marketing Cloud over
 * SFTP. Needs a host key trusted for the connection's server
 * (flow/sftp_conn.h), else KVL_ERR_PREREQ; a changed key is the step
 * "tls" and no credential is sent.
 */
kvl_result kvl_conntest_sftp(const struct kvl_conntest_input *in,
			     struct kvl_conntest_result *out,
			     struct kvl_error *err) KVL_NODISCARD;

/*
 * N_(): the summary of an SFTP test that ended with result r and
 * report, one %s for the vendor. It tells a changed host key from a
 * failed handshake, a private key that could not be opened (nothing
 * sent) from a rejected credential, and a missing folder from other
 * failures.
 */
const char *kvl_conntest_sftp_text(kvl_result r,
				   const struct kvl_sftp_report *report);

/* conntest_http.c: the vendors reached over HTTPS. */
kvl_result kvl_conntest_http(const struct kvl_conntest_input *in,
			     struct kvl_conntest_result *out,
			     struct kvl_error *err) KVL_NODISCARD;

#endif
