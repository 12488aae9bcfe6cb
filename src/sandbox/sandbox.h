/*
 * kvlink-sandbox: a loopback stand-in for the parts of Azure that kvlink
 * calls. It serves Entra ID sign-in under /login, Resource Manager under
 * /arm, Microsoft Graph under /graph and the Key Vault data plane under
 * /kv/VAULT, with Azure's paths, payloads and error shapes, plus
 * test-only control routes under /_sandbox.
 *
 * The whole tenant (directory, subscriptions, role assignments, vaults
 * and secrets) is one json-c tree in the format documented in tenant.c
 * and kvlink-sandbox(1). libmicrohttpd serves each connection on a
 * thread of its own; the route handlers run with sb->lock held, so they
 * touch the tree one at a time, while delays (--latency and latency
 * faults) run outside the lock.
 */
#ifndef KVL_SANDBOX_H
#define KVL_SANDBOX_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#define SB_MAX_BODY (1024 * 1024)	/* larger request bodies get 413 */
#define SB_TOKEN_LIFETIME 3600		/* seconds an access token lasts */
#define SB_REFRESH_LIFETIME (90 * 24 * 3600)
#define SB_SECRET_PAGE_MAX 25		/* Key Vault's maxresults limit */
/* appId of the Customer Insights service principal, the default
 * principal of POST /_sandbox/break and /_sandbox/repair. */
#define SB_CI_APP_ID "0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff"
/* The sandbox's own token issuer for workload identity federation, and
 * the subject of the built-in automation app's federated credential.
 * The issuer URL is a name only; nothing is ever fetched from it. */
#define SB_FEDERATION_ISSUER "https://federation.kvlink-sandbox.test"
#define SB_FEDERATION_SUBJECT "system:serviceaccount:kvlink:automation"
#define SB_FEDERATION_AUDIENCE "api://AzureADTokenExchange"
#define SB_FEDERATION_KID "kvlink-sandbox-federation"

struct sb_options {
	unsigned int port;		/* 0: any free port */
	const char *tenant_path;	/* NULL: the built-in tenant */
	const char *state_path;		/* NULL: nothing persists */
	const char *cloud_out;
	const char *ca_out;		/* NULL: beside cloud_out, if any */
	const char *request_log;
	const char *user;		/* device code user; NULL: default */
	const char *faults_path;	/* --faults: rules to start with */
	const char *generate;		/* --generate: NULL or its value */
	int page_size;			/* ARM list page size */
	int latency_ms;			/* --latency: delay per response */
	int poll_interval;		/* device code interval, seconds */
	int code_lifetime;		/* device code expires_in, seconds */
	bool vault_ports;		/* each vault on a port of its own */
	bool single_use_refresh;	/* a redeemed refresh token is revoked */
	const char *known_secrets;	/* --known-secrets file, for tests */
};

/* The per-run TLS material of tls.c, as PEM text. */
struct sb_tls {
	char *ca_pem;			/* CA certificate, for --ca-out */
	char *cert_pem;			/* server certificate */
	char *key_pem;			/* server private key; wiped */
};

struct sb_sandbox {
	struct sb_options opt;
	json_object *pristine;		/* the tenant as loaded */
	json_object *tenant;		/* the current state */
	json_object *device_codes;	/* device_code hash -> grant */
	json_object *refresh_tokens;	/* token hash -> grant */
	json_object *requests;		/* array of request records */
	json_object *undo;		/* array of breaks to repair */
	json_object *faults;		/* array of fault rules, faults.c */
	json_object *checkpoint;	/* tenant copy, or NULL; faults.c */
	long refused_writes;
	unsigned char key[32];		/* HS256 key, fresh every run */
	char identity_header[33];	/* X-IDENTITY-HEADER of /msi */
	struct sb_tls tls;
	struct evp_pkey_st *federation_key;	/* federated token issuer's
						   RSA key; NULL until the
						   first token */
	char base[64];			/* https://127.0.0.1:PORT */
	FILE *request_log;
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;		/* held while a request runs */
	long in_flight;			/* requests arrived, not answered;
					   /_sandbox routes not counted */
	/* Counts the requests that may have changed the tenant: all but
	 * GET, HEAD and Resource Graph queries. */
	unsigned long tenant_version;
	struct sb_graph_cache *graph_cache;	/* routes_resourcegraph.c */
	struct sb_vault_port *vault_ports;	/* --vault-ports */
	size_t n_vault_ports;
	FILE *known_secrets;		/* --known-secrets; NULL: off */
	json_object *known_seen;	/* values written there, as keys */
	json_object *issued;		/* kinds of secret the current
					   request issued, for its record */
};

/* A vault whose data plane has a port of its own (--vault-ports). */
struct sb_vault_port {
	struct sb_sandbox *sb;
	char name[128];			/* vault name */
	char base[64];			/* https://127.0.0.1:PORT */
	struct MHD_Daemon *daemon;
};

/* One request as the route handlers see it. */
struct sb_request {
	struct sb_sandbox *sb;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;		/* full decoded path */
	char **segs;			/* path segments below the service */
	size_t n_segs;
	const char *body;		/* NUL-terminated, maybe empty */
	size_t body_len;
	json_object *claims;		/* verified token claims, or NULL */
	char caller[64];		/* caller object id for the log */
};

struct sb_header {
	char *name;
	char *value;
};

/* A handler's response, which server.c sends as HTTP. */
struct sb_reply {
	unsigned int status;
	json_object *json;		/* owned; NULL: text or empty body */
	char *text;			/* owned */
	const char *content_type;
	struct sb_header headers[4];
	size_t n_headers;
	/* Owned; what a route adds to the request's record, such as the
	 * body fields that decide a page. Never a token or a secret. */
	json_object *detail;
	char request_id[37];		/* x-ms-request-id, fresh */
	char correlation_id[37];	/* x-ms-correlation-request-id */
};

/* Outcomes of checking a bearer token. */
enum sb_token_status {
	SB_TOKEN_OK,
	SB_TOKEN_MISSING,
	SB_TOKEN_INVALID,
	SB_TOKEN_EXPIRED,
	SB_TOKEN_AUDIENCE,
};

/* server.c */
int sb_start(struct sb_sandbox *sb, char *errbuf, size_t errlen);
/* A vault's vaultUri, with the trailing slash: its own port's base with
 * --vault-ports, else BASE/kv/NAME/. Caller frees. */
char *sb_vault_uri(struct sb_sandbox *sb, const char *name);
void sb_stop(struct sb_sandbox *sb);
const char *sb_query(const struct sb_request *req, const char *name);
const char *sb_req_header(const struct sb_request *req, const char *name);
void sb_reply_json(struct sb_reply *reply, unsigned int status,
		   json_object *body);
void sb_reply_text(struct sb_reply *reply, unsigned int status,
		   const char *content_type, const char *text);
/* Replies with JSON text that the caller wrote, which reply takes
 * over: a large body written as text is not built as json-c objects. */
void sb_reply_json_text(struct sb_reply *reply, unsigned int status,
			char *text);
void sb_reply_add_header(struct sb_reply *reply, const char *name,
			 const char *value);
void sb_reply_clear(struct sb_reply *reply);
void sb_state_changed(struct sb_sandbox *sb);
enum sb_token_status sb_authenticate(struct sb_request *req,
				     const char *service);

/* tls.c: creates a new CA and a server certificate for 127.0.0.1 and
 * localhost signed by it. Returns 0, or -1 with a message in errbuf. */
int sb_tls_create(struct sb_tls *tls, char *errbuf, size_t errlen);
/* Wipes the private key and frees everything. */
void sb_tls_clear(struct sb_tls *tls);

/* util.c: ids, times, forms and JSON helpers */
void sb_guid(char out[37]);
/* Replaces control characters in text with '_', in place, so that a
 * message quoting a tenant file is safe to print on a terminal. */
void sb_sanitize_text(char *text);
void sb_hex_id(char out[33]);
void sb_random_text(char *out, size_t len);
void sb_sha256_hex(const char *text, char out[65]);
void sb_iso_time(int64_t when, char *out, size_t len);
int64_t sb_now(void);
char *sb_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sb_vprintf(const char *fmt, va_list ap);
json_object *sb_form_parse(const char *body);
bool sb_ieq(const char *a, const char *b);
bool sb_glob_match(const char *pattern, const char *text);
const char *sb_jstr(json_object *obj, const char *key);
bool sb_jbool(json_object *obj, const char *key, bool fallback);
int64_t sb_jint(json_object *obj, const char *key, int64_t fallback);
json_object *sb_jarr(json_object *obj, const char *key);
json_object *sb_jobj(json_object *obj, const char *key);
json_object *sb_find_by(json_object *array, const char *key,
			const char *value);
json_object *sb_strings(const char *const *values);
char *sb_skiptoken_encode(size_t offset);
bool sb_skiptoken_decode(const char *token, size_t *offset);
int sb_write_file_atomic(const char *path, const char *text, int mode,
			 char *errbuf, size_t errlen);

/* tenant.c */
json_object *sb_tenant_load(const char *path, char *errbuf, size_t errlen);
json_object *sb_tenant_parse(const char *text, const char *what,
			     char *errbuf, size_t errlen);
json_object *sb_tenant_from_json(json_object *root, const char *what,
			     char *errbuf, size_t errlen);
json_object *sb_tenant_copy(json_object *tenant);
const char *sb_tenant_id(json_object *tenant);
json_object *sb_tenant_find_user(json_object *tenant, const char *name);
json_object *sb_tenant_find_sp_by_app(json_object *tenant,
				      const char *app_id);
json_object *sb_tenant_principal(json_object *tenant, const char *oid,
				 const char **type);
json_object *sb_tenant_subscription(json_object *tenant, const char *id);
json_object *sb_tenant_resource_group(json_object *sub, const char *name);
json_object *sb_tenant_vault(json_object *tenant, const char *name);
json_object *sb_tenant_role_definition(json_object *tenant,
				       const char *guid_or_name);
char *sb_vault_scope(json_object *vault);

/* Fills in the defaults of a vault entry made after loading, as loading
 * does; false with a message in errbuf when it is invalid. */
bool sb_tenant_fill_vault(json_object *root, json_object *vault,
			  char *errbuf, size_t errlen);

/* generated.c: --generate's vaults, made up from three numbers */
#define SB_GEN_GROUPS 3			/* resource groups per subscription */
struct sb_gen {
	long subscriptions;
	long vaults;			/* per subscription */
	long secrets;			/* per vault */
	json_object *materialized;	/* names made real entries; borrowed */
};
/* The derived fields of one generated vault. */
struct sb_gen_fields {
	char name[128];
	char subscription_id[128];
	char group[128];
	const char *location;		/* static, or borrowed from JSON */
};
/* A vault in a list: an entry of the tenant's "vaults" (borrowed; valid
 * while sb->lock is held), or with vault NULL generated vault index of
 * generated subscription sub that no lookup has made real yet. */
struct sb_vault_ref {
	json_object *vault;
	long sub;
	long index;
};
struct sb_vault_refs {
	struct sb_vault_ref *items;
	size_t n;
	size_t cap;
};
/* Parses --generate's "subscriptions=N,vaults=N[,secrets=N]". */
bool sb_gen_parse(const char *text, struct sb_gen *gen, char *errbuf,
		  size_t errlen);
/* Adds gen's subscriptions to tenant, which it takes over, and returns
 * the result checked, or NULL with a message in errbuf. */
json_object *sb_gen_tenant(json_object *tenant, const struct sb_gen *gen,
			   char *errbuf, size_t errlen);
/* Reads the tenant's "generated" object; false when it has none. */
bool sb_gen_read(json_object *tenant, struct sb_gen *gen);
void sb_gen_subscription_id(long sub, char out[37]);
void sb_gen_fields(const struct sb_gen *gen, long sub, long vault,
		   struct sb_gen_fields *f);
/* The index, below SB_GEN_GROUPS, of the resource group that contains
 * vault number vault of each generated subscription. */
long sb_gen_group(const struct sb_gen *gen, long vault);
/* Writes the name of vault number vault of generated subscription sub. */
void sb_gen_name(long sub, long vault, char *out, size_t size);
/* Sets entries[S], for each of gen's subscriptions, to the entry that
 * sb_tenant_subscription() finds for generated subscription S's id, or
 * to NULL. */
void sb_gen_subscription_entries(json_object *tenant,
				 const struct sb_gen *gen,
				 json_object **entries);
/* Makes generated vault name a real entry of "vaults" and returns it;
 * NULL when name is no generated vault or was made real before. */
json_object *sb_gen_materialize(json_object *tenant, const char *name);
/* Lists the vaults of one subscription (NULL: all) in a stable order:
 * the tenant's own vaults, then the generated ones by number. */
void sb_vault_refs_list(json_object *tenant, const char *subscription_id,
			struct sb_vault_refs *refs);
void sb_vault_refs_clear(struct sb_vault_refs *refs);
/* The fields of ref's vault, without building a generated one. */
void sb_vault_ref_fields(json_object *tenant, const struct sb_vault_ref *ref,
			 struct sb_gen_fields *f);
/* The vault's scope, as sb_vault_scope() gives it. Caller frees. */
char *sb_vault_fields_scope(const struct sb_gen_fields *f);
/* A new reference to the vault of ref; a generated vault not made real
 * is built for the call. NULL when it cannot be built. */
json_object *sb_vault_ref_get(json_object *tenant,
			      const struct sb_vault_ref *ref);

/* tenants.c: the home tenant and otherTenants */
/* The directory (home "tenant" or an otherTenants entry) whose id or
 * defaultDomain is name, or NULL. */
json_object *sb_directory_find(json_object *root, const char *name);
/* The tenantId of a user, service principal or subscription entry. */
const char *sb_entry_tenant(json_object *root, json_object *entry);
/* The user entry of the person behind user in tenant tid: user itself,
 * or the guest entry there; NULL when they are not in tid. */
json_object *sb_user_in_tenant(json_object *root, json_object *user,
			       const char *tid);
/* The service principal of app_id in tenant tid, or NULL. */
json_object *sb_sp_in_tenant(json_object *root, const char *app_id,
			     const char *tid);
/* Checks otherTenants and fills in every entry's tenantId; returns what
 * is wrong (caller frees) or NULL. */
char *sb_tenants_check(json_object *root);
void sb_route_tenants(struct sb_request *req, struct sb_reply *reply);
/* The identity of user for a token from the tenant that the token
 * endpoint's path names ("organizations" and "common" mean the user's
 * home tenant): user itself or their guest entry. NULL after replying
 * with Entra's error when they are not in that tenant, or when refresh
 * is true and the tenant rejects refresh tokens (signInError). */
json_object *sb_login_user_for(struct sb_request *req,
			       struct sb_reply *reply, json_object *user,
			       bool refresh);
/* Replies 401 InvalidAuthenticationTokenTenant and returns false when
 * the token of req is not from the tenant of subscription sub. */
bool sb_arm_token_tenant_ok(struct sb_request *req, struct sb_reply *reply,
			    json_object *sub);
/* POST /_sandbox/sign-in-policy {"tenant", "signInError"}: sets or
 * (null) clears the signInError of one of otherTenants. */
void sb_control_sign_in_policy(struct sb_sandbox *sb, const char *text,
			       struct sb_reply *reply);

/* default_tenant.c */
json_object *sb_default_tenant(void);
json_object *sb_builtin_roles(void);
/* default_guest.c: adds the "Fabrikam Sandbox" tenant to the built-in
 * tenant's JSON before it is checked. */
void sb_add_guest_tenant(json_object *raw);

/* token.c */
json_object *sb_claims_new(struct sb_sandbox *sb, const char *aud,
			   int64_t lifetime);
char *sb_token_issue(struct sb_sandbox *sb, json_object *claims);

/*
 * --known-secrets FILE, for the test suite's search of its logs: one
 * JSON line {"kind", "value"} per secret in the tenant or issued
 * (secret values and client secrets of the tenant, the managed identity
 * header, every token, refresh token and device code), each value once.
 * The file has mode 0600. sb_known_issued() also notes the kind in the
 * current request's record, with or without the file.
 */
int sb_known_open(struct sb_sandbox *sb);
void sb_known_issued(struct sb_sandbox *sb, const char *kind,
		     const char *value);
/* Notes the secrets of the current tenant that are not noted yet. */
void sb_known_tenant(struct sb_sandbox *sb);
void sb_known_close(struct sb_sandbox *sb);
enum sb_token_status sb_token_check(struct sb_sandbox *sb,
				    const char *authorization,
				    const char *audience,
				    json_object **claims);
char *sb_base64url(const unsigned char *data, size_t len);
/* Decodes len characters of base64url without padding; NULL when
 * malformed. The result is NUL-terminated and freed by the caller. */
unsigned char *sb_base64url_decode(const char *in, size_t len,
				   size_t *out_len);

/* assertion.c: why a client assertion for client_id, sent to the token
 * endpoint audience, is not acceptable for sp; NULL when it is. */
const char *sb_assertion_problem(json_object *sp, const char *assertion,
				 const char *client_id,
				 const char *audience);
/* Whether the assertion's issuer is not the app itself, which makes it a
 * federated token rather than a certificate assertion. */
bool sb_assertion_is_federated(const char *assertion, const char *client_id);
/* Verifies the base64url signature sig64 over input with key's RSA
 * public key: RSASSA-PKCS1-v1_5 (RS256) or, when pss, RSASSA-PSS with
 * MGF1-SHA-256 and a salt as long as the digest (PS256). */
bool sb_jws_verify(struct evp_pkey_st *key, bool pss, const char *input,
		   size_t input_len, const char *sig64);
/* Decodes len characters of base64url JSON (a JWT part); NULL when it is
 * not a JSON object. */
json_object *sb_jwt_part(const char *start, size_t len);

/* federation.c: POST /_sandbox/federated-token, and why a federated
 * token is not acceptable for sp (NULL when it is). */
void sb_control_federated_token(struct sb_sandbox *sb, const char *text,
				struct sb_reply *reply);
const char *sb_federated_problem(struct sb_sandbox *sb, json_object *sp,
				 const char *assertion);
void sb_federation_free(struct sb_sandbox *sb);

/* rbac.c: role assignments evaluated the way Resource Manager does */
json_object *sb_rbac_permissions(json_object *tenant, const char *oid,
				 const char *scope);
bool sb_rbac_allows(json_object *tenant, const char *oid, const char *scope,
		    const char *action);
bool sb_rbac_allows_data(json_object *tenant, const char *oid,
			 const char *scope, const char *data_action);
bool sb_rbac_has_any_below(json_object *tenant, const char *oid,
			   const char *scope);
/* The scopes at which one principal may perform one control-plane
 * action, read from the tenant once. sb_rbac_grants_cover() then returns
 * what sb_rbac_allows() would for the same tenant, without walking every
 * role assignment for each scope. */
struct sb_rbac_grants;
struct sb_rbac_grants *sb_rbac_grants_new(json_object *tenant,
					  const char *oid,
					  const char *action);
bool sb_rbac_grants_cover(const struct sb_rbac_grants *grants,
			  const char *scope);
void sb_rbac_grants_free(struct sb_rbac_grants *grants);

/* The routes, one file per service. */
void sb_route_login(struct sb_request *req, struct sb_reply *reply);
/* routes_discovery.c: the OpenID Connect discovery document for the
 * tenant name the client used, after the caller checked that name. */
void sb_login_discovery(struct sb_request *req, struct sb_reply *reply,
			const char *tenant_name);
void sb_route_arm(struct sb_request *req, struct sb_reply *reply);
/* providers_index: where "providers/Microsoft.Authorization" starts. */
void sb_route_authorization(struct sb_request *req, struct sb_reply *reply,
			    size_t providers_index);
/* rg NULL: the subscription's vault list; rest: segments after vaults. */
void sb_route_vaults(struct sb_request *req, struct sb_reply *reply,
		     json_object *sub, json_object *rg, char **rest,
		     size_t n_rest);
/* The vault as Resource Manager returns it (id, name, properties, ...). */
json_object *sb_vault_json(struct sb_sandbox *sb, json_object *vault);
/* routes_vaults.c: accessPolicies entries checked and normalised for
 * vault (lowercase permissions, every category); NULL with reply filled
 * when one is invalid. */
json_object *sb_vault_policy_entries(struct sb_reply *reply,
				     json_object *list, json_object *vault);
/* Records the caller and time of a change to vault, and saves state. */
void sb_vault_touch(struct sb_request *req, json_object *vault);
/* routes_vault_put.c: PUT of an existing vault (create or update). */
void sb_vault_put(struct sb_request *req, struct sb_reply *reply,
		  json_object *sub, json_object *vault);
/* routes_resources.c: GET /subscriptions/{s}/resources */
void sb_route_resources(struct sb_request *req, struct sb_reply *reply,
			json_object *sub);
/* routes_resourcegraph.c: POST /providers/Microsoft.ResourceGraph/
 * resources, and POST /_sandbox/resource-graph that makes it fail. */
void sb_route_resource_graph(struct sb_request *req, struct sb_reply *reply);
void sb_control_resource_graph(struct sb_sandbox *sb, const char *text,
			       struct sb_reply *reply);
/* Frees the kept result of the last Resource Graph query. */
void sb_resource_graph_free(struct sb_sandbox *sb);
/* kql.c: the Resource Graph query forms the sandbox understands. */
enum sb_kql_compare { SB_KQL_EQ, SB_KQL_EQ_NOCASE, SB_KQL_NE,
		      SB_KQL_NE_NOCASE };
struct sb_kql_condition {
	char *column;
	enum sb_kql_compare compare;
	char *value;
};
#define SB_KQL_MAX_CONDITIONS 16
#define SB_KQL_MAX_COLUMNS 16
struct sb_kql_query {
	struct sb_kql_condition where[SB_KQL_MAX_CONDITIONS];
	size_t n_where;
	char *project[SB_KQL_MAX_COLUMNS];	/* NULL-free when projected */
	size_t n_project;
	bool projected;
	char *order_by;				/* NULL: no order */
	bool descending;
};
/* Parses text; on failure returns false with a message and the 0-based
 * offset of the token at fault. */
bool sb_kql_parse(const char *text, struct sb_kql_query *q, char *errbuf,
		  size_t errlen, size_t *error_at);
void sb_kql_clear(struct sb_kql_query *q);
void sb_route_graph(struct sb_request *req, struct sb_reply *reply);
void sb_route_kv(struct sb_request *req, struct sb_reply *reply);
void sb_route_msi(struct sb_request *req, struct sb_reply *reply);
/* routes_msi.c: the service principal the managed identity endpoint
 * issues tokens for ("managedIdentity": true), or NULL. */
json_object *sb_managed_identity(json_object *tenant);
void sb_route_control(struct sb_request *req, struct sb_reply *reply);
/* control_identity.c: POST /_sandbox/app-credentials and GET
 * /_sandbox/managed-identity */
void sb_control_app_credentials(struct sb_sandbox *sb, const char *text,
				struct sb_reply *reply);
void sb_control_managed_identity(struct sb_sandbox *sb,
				 struct sb_reply *reply);
/* routes_vendor.c: stand-ins for the export vendors under /vendor/TYPE,
 * and the NULL-terminated connection type ids they serve. */
void sb_route_vendor(struct sb_request *req, struct sb_reply *reply);
extern const char *const sb_vendor_types[];
/* control_break.c: POST /_sandbox/break */
void sb_control_break(struct sb_sandbox *sb, const char *text,
		      struct sb_reply *reply);
/* control_vault.c: the break actions on a vault's life and its audit
 * logging; false when the body's action is none of them. */
bool sb_control_vault_action(struct sb_sandbox *sb, json_object *in,
			     struct sb_reply *reply);
/* routes_deleted.c: rest is the path after
 * /subscriptions/{s}/providers/Microsoft.KeyVault. */
void sb_route_deleted_vaults(struct sb_request *req, struct sb_reply *reply,
			     json_object *sub, char **rest, size_t n_rest);
/* routes_diagnostics.c: rest starts at "diagnosticSettings". */
void sb_route_diagnostics(struct sb_request *req, struct sb_reply *reply,
			  json_object *vault, char **rest, size_t n_rest);
/* control_repair.c: POST /_sandbox/repair, and the record of a break
 * (its request body and what it removed or replaced) that it undoes. */
void sb_control_repair(struct sb_sandbox *sb, const char *text,
		       struct sb_reply *reply);
void sb_undo_push(struct sb_sandbox *sb, json_object *request,
		  const char *principal, json_object *saved);
/* A copy of the vault named name, live or soft-deleted, with its list
 * and its place there; NULL when the tenant has no such vault. */
json_object *sb_vault_snapshot(struct sb_sandbox *sb, const char *name);

/* faults.c: injected faults (POST /_sandbox/faults) and the tenant
 * checkpoint (POST /_sandbox/checkpoint and /_sandbox/restore). */
enum sb_fault_kind {
	SB_FAULT_NONE,
	SB_FAULT_STATUS,
	SB_FAULT_LATENCY,
	SB_FAULT_RESET,
	SB_FAULT_TRUNCATED,
	SB_FAULT_CUT_JSON,
	SB_FAULT_HTML,
	SB_FAULT_OVERSIZED,
};
/* The fault chosen for one request; see faults.c for each kind. */
struct sb_fault {
	enum sb_fault_kind kind;
	unsigned int status;
	int64_t retry_after;		/* seconds; -1: no Retry-After */
	int64_t ms;			/* latency */
	int64_t bytes;			/* oversized body length */
	bool chunked;			/* oversized without Content-Length */
	bool after_apply;		/* reset after the route ran */
};
struct MHD_Response;
void sb_control_faults(struct sb_request *req, struct sb_reply *reply);
/* Adds the rules of a --faults file ({"rules": [...]}, as for POST
 * /_sandbox/faults). Returns 0, or -1 with a message in errbuf. */
int sb_faults_load(struct sb_sandbox *sb, const char *path, char *errbuf,
		   size_t errlen);
json_object *sb_faults_list(struct sb_sandbox *sb);
void sb_faults_clear(struct sb_sandbox *sb);
void sb_faults_match(struct sb_sandbox *sb, const char *method,
		     const char *path, struct sb_fault *fault);
const char *sb_fault_kind_name(enum sb_fault_kind kind);
bool sb_fault_reply(const struct sb_fault *fault, const char *path,
		    struct sb_reply *reply);
/* Sleeps for a latency fault. Only the thread of the request's own
 * connection waits, and the caller must not hold sb->lock. */
void sb_fault_delay(const struct sb_fault *fault);
/* Sleeps for ms milliseconds, through signals; nothing when ms <= 0. */
void sb_sleep_ms(int64_t ms);
struct MHD_Response *sb_fault_response(const struct sb_fault *fault,
				       const char *body, size_t len,
				       bool *failed);

/* Error bodies in each service's own shape. */
void sb_arm_error(struct sb_reply *reply, unsigned int status,
		  const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sb_kv_error(struct sb_reply *reply, unsigned int status,
		 const char *code, const char *inner, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void sb_graph_error(struct sb_reply *reply, unsigned int status,
		    const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sb_login_error(struct sb_reply *reply, unsigned int status,
		    const char *error, unsigned int aadsts,
		    const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

extern const char *const sb_keyvault_versions[];

/* ARM helpers shared by the Resource Manager route files. */
bool sb_arm_authenticate(struct sb_request *req, struct sb_reply *reply);
bool sb_arm_check_version(struct sb_request *req, struct sb_reply *reply,
			  const char *const *versions);
const char *sb_caller_name(struct sb_request *req);
bool sb_arm_only_get(struct sb_request *req, struct sb_reply *reply);
bool sb_arm_writable(struct sb_request *req, struct sb_reply *reply,
		     json_object *sub);
void sb_arm_forbidden(struct sb_request *req, struct sb_reply *reply,
		      const char *action, const char *scope);
void sb_arm_page(struct sb_request *req, struct sb_reply *reply,
		 json_object *items);
/* sb_arm_page for a list of total items that item(ctx, i) builds, so
 * that only the page's items are built. */
void sb_arm_page_with(struct sb_request *req, struct sb_reply *reply,
		      size_t total,
		      json_object *(*item)(void *ctx, size_t i), void *ctx);

#endif
