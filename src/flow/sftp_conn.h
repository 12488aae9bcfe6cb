/*
 * The SFTP-based connection types (sftp, liveramp, sfmc): the SSH server
 * a connection points at and the host key trusted for it. Trust is on
 * first use: the key the server offers is shown, a person confirms it,
 * and from then on a different key stops every test before any
 * credential is sent.
 */
#ifndef KVL_SFTP_CONN_H
#define KVL_SFTP_CONN_H

#include <stdbool.h>

#include "core/result.h"
#include "core/sftp.h"
#include "core/sink.h"
#include "env/connections.h"
#include "flow/session.h"

/* Whether connections of type_id are tested over SFTP. */
bool kvl_sftp_conn_type(const char *type_id);

/*
 * Fills target from conn's plain fields, or the type's defaults; the
 * strings point into conn or the type table. KVL_ERR_INVALID, naming the
 * field, when host, port, user name or folder is missing or bad.
 */
kvl_result kvl_sftp_conn_target(const struct kvl_connection *conn,
				struct kvl_sftp_target *target,
				struct kvl_error *err) KVL_NODISCARD;

/* "sftp://host:port/folder" for reports, sanitised; NULL when out of
 * memory. The caller frees it. */
char *kvl_sftp_conn_target_text(const struct kvl_sftp_target *target);

/* The fingerprint trusted for conn's current host and port, or NULL. */
const char *kvl_sftp_conn_pin(const struct kvl_connection *conn);

/* Comparison of the key a server offers with the trusted one. */
enum kvl_sftp_trust {
	KVL_SFTP_TRUST_NEW,	/* nothing trusted yet for this server */
	KVL_SFTP_TRUST_MATCH,	/* the trusted key */
	KVL_SFTP_TRUST_CHANGED,	/* another key: never authenticate */
};

/*
 * Reads the host key of conn's server without authenticating and
 * compares it with the trusted one. report->host_key is the offered key;
 * on failure report->step names the step that failed.
 */
kvl_result kvl_sftp_conn_check_host_key(const struct kvl_connection *conn,
					struct kvl_sftp_report *report,
					enum kvl_sftp_trust *trust,
					const struct kvl_sink *sink,
					struct kvl_error *err) KVL_NODISCARD;

/*
 * Trusts key for the connection with id conn_id in s->env, for its
 * current host and port, and saves the environment. When another kvlink
 * saved in between, the environment is reloaded and the change applied
 * once more.
 */
kvl_result kvl_sftp_conn_trust(struct kvl_session *s, const char *conn_id,
			       const struct kvl_sftp_host_key *key,
			       struct kvl_error *err) KVL_NODISCARD;

#endif
