/*
 * The dispatch of connection tests by type, and the resolution of a
 * connection's credentials for the one exchange a test makes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/arm.h"
#include "core/crypto.h"
#include "core/keyvault.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "core/secret.h"
#include "flow/conntest.h"
#include "i18n.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct kvl_conntest_kind kinds[] = {
	{ "activecampaign", kvl_conntest_http, NULL },
	{ "autopilot", kvl_conntest_http, NULL },
	{ "dotdigital", kvl_conntest_http, NULL },
	{ "googleads", NULL,
	  N_("Google Ads connections cannot be tested here: Google Ads "
	     "signs in through a browser (OAuth) and needs a token that "
	     "kvlink does not hold; Customer Insights checks the sign-in "
	     "when you authenticate in its portal") },
	{ "klaviyo", kvl_conntest_http, NULL },
	{ "liveramp", kvl_conntest_sftp, NULL },
	{ "marketo", kvl_conntest_http, NULL },
	{ "omnisend", kvl_conntest_http, NULL },
	{ "sfmc", kvl_conntest_sftp, NULL },
	{ "sendgrid", kvl_conntest_http, NULL },
	{ "sendinblue", kvl_conntest_http, NULL },
	{ "sftp", kvl_conntest_sftp, NULL },
};

const struct kvl_conntest_kind *kvl_conntest_kind_find(const char *type_id)
{
	size_t i;

	for (i = 0; type_id != NULL && i < N_ELEMS(kinds); i++) {
		if (strcmp(kinds[i].type_id, type_id) == 0)
			return &kinds[i];
	}
	return NULL;
}

const char *kvl_conntest_step_text(enum kvl_probe_step step)
{
	switch (step) {
	case KVL_PROBE_OK:
		return N_("%s accepted the credential and answered the "
			  "read-only request");
	case KVL_PROBE_DNS:
		return N_("The host name of the %s server did not resolve; "
			  "check the host name and the DNS settings");
	case KVL_PROBE_CONNECT:
		return N_("Could not connect to the %s server; check the "
			  "host, the port and any firewall or proxy on the "
			  "way");
	case KVL_PROBE_TLS:
		return N_("The secure connection to the %s server failed; "
			  "check the host name, and that the server's TLS "
			  "certificate or SSH host key is the one expected");
	case KVL_PROBE_AUTH:
		return N_("%s rejected the credential; check that it is "
			  "current and belongs to this account");
	case KVL_PROBE_PERMISSION:
		return N_("%s accepted the credential but refused the read; "
			  "give the key the scopes or permissions that "
			  "exports need");
	case KVL_PROBE_RESPONSE:
		break;
	}
	return N_("%s answered in an unexpected way; try again later, and "
		  "check the vendor's status page if it persists");
}

const char *kvl_conntest_result_text(const struct kvl_conntest_result *r)
{
	if (r->summary != NULL)
		return r->summary;
	return kvl_conntest_step_text(r->step);
}

char *kvl_conntest_sentence(const char *text, const char *vendor)
{
	const char *mark = strstr(text, "%s");
	char *out = NULL;

	if (mark == NULL)
		return strdup(text);
	if (asprintf(&out, "%.*s%s%s", (int)(mark - text), text, vendor,
		     mark + 2) < 0)
		out = NULL;
	return out;
}

void kvl_conntest_result_clear(struct kvl_conntest_result *r)
{
	free(r->target);
	free(r->vendor_message);
	free(r->detail);
	memset(r, 0, sizeof(*r));
}

const char *kvl_conntest_value(const struct kvl_conntest_input *in,
			       const char *key)
{
	const struct kvl_field_def *f;
	size_t i;

	for (i = 0; i < in->n_credentials; i++) {
		if (strcmp(in->credentials[i].key, key) == 0)
			return in->credentials[i].value;
	}
	for (i = 0; i < in->conn->n_fields; i++) {
		if (strcmp(in->conn->fields[i].key, key) == 0)
			return in->conn->fields[i].value;
	}
	f = kvl_conn_type_field(in->type, key);
	return f != NULL ? f->default_value : NULL;
}

/* Resolved credentials, each wiped when the test is over. */
struct credentials {
	struct kvl_field_value *items;
	size_t *lengths;
	size_t n;
};

static void credentials_clear(struct credentials *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		kvl_secret_free(c->items[i].value, c->lengths[i]);
		free(c->items[i].key);
	}
	free(c->items);
	free(c->lengths);
	memset(c, 0, sizeof(*c));
}

/* Takes ownership of value (len bytes); the key is copied. */
static kvl_result credentials_add(struct credentials *c, const char *key,
				  char *value, size_t len,
				  struct kvl_error *err)
{
	struct kvl_field_value *items;
	size_t *lengths;

	items = realloc(c->items, (c->n + 1) * sizeof(*items));
	if (items != NULL)
		c->items = items;
	lengths = realloc(c->lengths, (c->n + 1) * sizeof(*lengths));
	if (lengths != NULL)
		c->lengths = lengths;
	if (items == NULL || lengths == NULL) {
		kvl_secret_free(value, len);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	c->items[c->n].key = strdup(key);
	c->items[c->n].value = value;
	c->lengths[c->n] = len;
	c->n++;
	if (c->items[c->n - 1].key == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	return KVL_OK;
}

/* Typed mode: unseals every sealed credential of conn. */
static kvl_result resolve_typed(struct kvl_session *s,
				const struct kvl_connection *conn,
				struct credentials *creds,
				struct kvl_error *err)
{
	const char *dir = kvl_envstore_dir(s->store);
	char *plain = NULL;
	size_t i, len = 0;
	kvl_result r = KVL_OK;

	for (i = 0; i < conn->n_sealed && r == KVL_OK; i++) {
		r = kvl_conn_open_credential(dir, conn, conn->sealed[i].key,
					     &plain, &len, err);
		if (r != KVL_OK) {
			kvl_error_operation(err, _("unseal the typed "
						   "credentials"));
			break;
		}
		r = credentials_add(creds, conn->sealed[i].key, plain, len,
				    err);
		plain = NULL;
	}
	return r;
}

/* The linked vault, checked to be the one the connection names. */
static kvl_result linked_vault(struct kvl_session *s,
			       const struct kvl_connection *conn,
			       struct kvl_vault *vault,
			       struct kvl_error *err)
{
	const struct kvl_vault_link *link = &s->env.vault;
	kvl_result r;

	if (link->state != KVL_LINK_LINKED || link->name == NULL ||
	    link->subscription_id == NULL || link->resource_group == NULL)
		return kvl_error_set(err, KVL_ERR_PREREQ,
				     _("connection '%s' takes its secrets "
				       "from Key Vault, but the environment "
				       "has no linked key vault; link vault "
				       "'%s' again"), conn->display_name,
				     conn->vault_name != NULL
					? conn->vault_name : "?");
	/* The name, unlike the URI, survives a sandbox on another port. */
	if (conn->vault_name != NULL &&
	    strcasecmp(conn->vault_name, link->name) != 0)
		return kvl_error_set(err, KVL_ERR_CONFLICT,
				     _("connection '%s' uses secrets of vault "
				       "'%s', but the environment now links "
				       "'%s'; create a new connection for the "
				       "linked vault"), conn->display_name,
				     conn->vault_name, link->name);
	r = kvl_arm_get_vault(&s->az, link->subscription_id,
			      link->resource_group, link->name, vault, err);
	if (r != KVL_OK)
		kvl_error_operation(err, _("find the linked key vault"));
	return r;
}

/* Key Vault mode: reads every named secret as the signed-in user. */
static kvl_result resolve_vault(struct kvl_session *s,
				const struct kvl_connection *conn,
				struct credentials *creds,
				struct kvl_error *err)
{
	struct kvl_vault vault = { 0 };
	struct kvl_secret_value value = { 0 };
	const char *tenant;
	size_t i;
	kvl_result r;

	r = linked_vault(s, conn, &vault, err);
	tenant = vault.tenant_id != NULL ? vault.tenant_id
					 : s->env.vault.tenant_id;
	for (i = 0; i < conn->n_secrets && r == KVL_OK; i++) {
		r = kvl_kv_get_secret_value(&s->az, vault.vault_uri, tenant,
					    conn->secrets[i].value, &value,
					    err);
		if (r != KVL_OK) {
			kvl_error_operation(err, _("read the secret the "
						   "connection names"));
			break;
		}
		kvl_log("conntest: read secret %s of vault %s",
			conn->secrets[i].value, vault.name);
		r = credentials_add(creds, conn->secrets[i].key, value.data,
				    value.len, err);
		value.data = NULL;
		value.len = 0;
	}
	kvl_secret_value_clear(&value);
	kvl_vault_clear(&vault);
	return r;
}

static kvl_result check_testable(const struct kvl_connection *conn,
				 const struct kvl_conntest_kind **kind,
				 const struct kvl_conn_type **type,
				 struct kvl_error *err)
{
	*type = kvl_conn_type_find(conn->type_id);
	*kind = kvl_conntest_kind_find(conn->type_id);
	if (*type == NULL || *kind == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("connection '%s' has the unknown type "
				       "'%s'; this version of kvlink cannot "
				       "test it"), conn->display_name,
				     conn->type_id);
	if ((*kind)->run == NULL)
		return kvl_error_set(err, KVL_ERR_INVALID, "%s",
				     _((*kind)->why_not));
	return KVL_OK;
}

kvl_result kvl_conntest_run(struct kvl_session *s,
			    const struct kvl_connection *conn,
			    struct kvl_conntest_result *out,
			    struct kvl_error *err)
{
	const struct kvl_conntest_kind *kind = NULL;
	struct kvl_conntest_input in = { .conn = conn };
	struct credentials creds = { 0 };
	kvl_result r;

	memset(out, 0, sizeof(*out));
	r = check_testable(conn, &kind, &in.type, err);
	if (r != KVL_OK)
		return r;

	if (conn->use_key_vault)
		r = resolve_vault(s, conn, &creds, err);
	else
		r = resolve_typed(s, conn, &creds, err);
	if (r != KVL_OK)
		goto out;

	in.base_url = kvl_cloud_connection_target(&s->az.cloud, conn->type_id);
	in.ca_bundle = s->az.cloud.ca_bundle;
	in.sink = s->sink;
	in.credentials = creds.items;
	in.n_credentials = creds.n;
	r = kind->run(&in, out, err);
	kvl_log("conntest: %s (%s) -> %s, HTTP %ld", conn->id,
		conn->type_id, r == KVL_OK ? kvl_probe_step_name(out->step)
					   : kvl_result_name(r),
		out->http_status);
out:
	credentials_clear(&creds);
	if (r != KVL_OK)
		kvl_conntest_result_clear(out);
	return r;
}
