/*
 * Test-only routes under /_sandbox (not Azure's): the current state, the
 * request records, the count of refused writes, a reset, and minting a
 * token with chosen claims so tests can present expired or foreign ones.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "sandbox/sandbox.h"

/*
 * Vaults with more secrets than this show only "secretCount" in the state
 * dump, so that the dump of the built-in tenant stays small (kv-dev-bulk
 * alone would add about 1.5 MB).
 */
#define STATE_SECRETS_MAX 1000

/* Drops the values of a vault's secrets, or the whole list when long. */
static void redact_vault(json_object *vault)
{
	json_object *secrets = sb_jarr(vault, "secrets");
	size_t j, n = json_object_array_length(secrets);

	if (n > STATE_SECRETS_MAX) {
		json_object_object_del(vault, "secrets");
		json_object_object_add(vault, "secretCount",
				       json_object_new_int64((int64_t)n));
		return;
	}
	for (j = 0; j < n; j++)
		json_object_object_del(json_object_array_get_idx(secrets, j),
				       "value");
}

/* The tenant with secret values and client secrets left out. */
static json_object *redacted_state(json_object *tenant)
{
	json_object *copy = sb_tenant_copy(tenant);
	json_object *vaults = sb_jarr(copy, "vaults");
	json_object *sps = sb_jarr(copy, "servicePrincipals");
	size_t i;

	for (i = 0; i < json_object_array_length(sps); i++)
		json_object_object_del(json_object_array_get_idx(sps, i),
				       "clientSecret");
	for (i = 0; i < json_object_array_length(vaults); i++)
		redact_vault(json_object_array_get_idx(vaults, i));
	vaults = sb_jarr(copy, "deletedVaults");
	for (i = 0; vaults != NULL && i < json_object_array_length(vaults);
	     i++)
		redact_vault(json_object_array_get_idx(vaults, i));
	return copy;
}

static void reset(struct sb_sandbox *sb, struct sb_reply *reply)
{
	json_object *body = json_object_new_object();

	json_object_put(sb->tenant);
	sb->tenant = sb_tenant_copy(sb->pristine);
	json_object_put(sb->requests);
	sb->requests = json_object_new_array();
	json_object_put(sb->undo);
	sb->undo = json_object_new_array();
	sb->refused_writes = 0;
	sb_faults_clear(sb);
	sb_state_changed(sb);
	json_object_object_add(body, "reset", json_object_new_boolean(1));
	sb_reply_json(reply, 200, body);
}

/* POST /_sandbox/token {"principal", "audience", "expiresIn"}. */
static void mint_token(struct sb_sandbox *sb, const char *text,
		       struct sb_reply *reply)
{
	json_object *in = json_tokener_parse(text);
	const char *principal = sb_jstr(in, "principal");
	const char *aud = sb_jstr(in, "audience");
	json_object *p = sb_tenant_find_user(sb->tenant, principal);
	json_object *claims, *body;
	const char *upn;
	char *token;

	if (p == NULL)
		p = sb_find_by(sb_jarr(sb->tenant, "servicePrincipals"), "id",
			       principal);
	if (p == NULL || aud == NULL) {
		sb_arm_error(reply, 400, "BadRequest", "Give \"principal\" (a "
			     "user or service principal of the tenant) and "
			     "\"audience\".");
		goto out;
	}
	claims = sb_claims_new(sb, aud, sb_jint(in, "expiresIn", 3600));
	json_object_object_add(claims, "oid", json_object_new_string(
				       sb_jstr(p, "id")));
	upn = sb_jstr(p, "userPrincipalName");
	if (upn != NULL)
		json_object_object_add(claims, "upn",
				       json_object_new_string(upn));
	else
		json_object_object_add(claims, "idtyp",
				       json_object_new_string("app"));
	token = sb_token_issue(sb, claims);
	body = json_object_new_object();
	json_object_object_add(body, "access_token",
			       json_object_new_string(token));
	sb_reply_json(reply, 200, body);
	json_object_put(claims);
	free(token);
out:
	json_object_put(in);
}

void sb_route_control(struct sb_request *req, struct sb_reply *reply)
{
	struct sb_sandbox *sb = req->sb;
	const char *route = req->n_segs == 1 ? req->segs[0] : "";
	bool get = strcmp(req->method, "GET") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	json_object *body;

	if (get && strcmp(route, "state") == 0) {
		sb_reply_json(reply, 200, redacted_state(sb->tenant));
	} else if (get && strcmp(route, "requests") == 0) {
		body = json_object_new_object();
		json_object_object_add(body, "value",
				       json_object_get(sb->requests));
		sb_reply_json(reply, 200, body);
	} else if (get && strcmp(route, "refused-writes") == 0) {
		body = json_object_new_object();
		json_object_object_add(body, "count", json_object_new_int64(
					       sb->refused_writes));
		sb_reply_json(reply, 200, body);
	} else if (post && strcmp(route, "reset") == 0) {
		reset(sb, reply);
	} else if (post && strcmp(route, "token") == 0) {
		mint_token(sb, req->body, reply);
	} else if (post && strcmp(route, "break") == 0) {
		sb_control_break(sb, req->body, reply);
	} else if (post && strcmp(route, "repair") == 0) {
		sb_control_repair(sb, req->body, reply);
	} else if (post && strcmp(route, "resource-graph") == 0) {
		sb_control_resource_graph(sb, req->body, reply);
	} else if (post && strcmp(route, "app-credentials") == 0) {
		sb_control_app_credentials(sb, req->body, reply);
	} else if (get && strcmp(route, "managed-identity") == 0) {
		sb_control_managed_identity(sb, reply);
	} else if (post && strcmp(route, "federated-token") == 0) {
		sb_control_federated_token(sb, req->body, reply);
	} else if (post && strcmp(route, "sign-in-policy") == 0) {
		sb_control_sign_in_policy(sb, req->body, reply);
	} else if (strcmp(route, "faults") == 0 &&
		   (get || post || strcmp(req->method, "DELETE") == 0)) {
		sb_control_faults(req, reply);
	} else if (post && (strcmp(route, "checkpoint") == 0 ||
			    strcmp(route, "restore") == 0)) {
		sb_control_faults(req, reply);
	} else {
		sb_arm_error(reply, 404, "NotFound", "The control routes are "
			     "GET state, GET requests, GET refused-writes, "
			     "GET managed-identity, POST reset, POST token, "
			     "POST break, POST repair, POST resource-graph, "
			     "POST app-credentials, POST federated-token, "
			     "POST sign-in-policy, GET, POST and DELETE "
			     "faults, POST checkpoint and POST restore "
			     "under /_sandbox.");
	}
}
