/* kvlink list subscriptions|resource-groups|vaults. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/arm.h"
#include "core/resourcegraph.h"
#include "core/sanitize.h"
#include "flow/checks.h"
#include "i18n.h"

static const char *permission_model_key(const struct kvl_vault *v)
{
	return v->rbac ? "rbac" : "accessPolicy";
}

json_object *kvl_cli_vault_json(const struct kvl_vault *v)
{
	json_object *doc = json_object_new_object();
	json_object *fw = json_object_new_object();

	kvl_cli_json_add_string(doc, "name", v->name);
	kvl_cli_json_add_string(doc, "resourceGroup", v->resource_group);
	kvl_cli_json_add_string(doc, "subscriptionId", v->subscription_id);
	kvl_cli_json_add_string(doc, "location", v->location);
	kvl_cli_json_add_string(doc, "permissionModel",
				permission_model_key(v));
	kvl_cli_json_add_string(doc, "vaultUri", v->vault_uri);
	kvl_cli_json_add_string(doc, "id", v->id);
	json_object_object_add(doc, "softDelete",
			       json_object_new_boolean(v->soft_delete));
	json_object_object_add(doc, "purgeProtection",
			       json_object_new_boolean(v->purge_protection));

	json_object_object_add(fw, "open", json_object_new_boolean(
				       kvl_vault_firewall_open(v)));
	kvl_cli_json_add_string(fw, "defaultAction", v->default_action);
	kvl_cli_json_add_string(fw, "bypass", v->bypass);
	kvl_cli_json_add_string(fw, "publicNetworkAccess",
				v->public_network_access);
	json_object_object_add(doc, "firewall", fw);
	return doc;
}

/* The FIREWALL column: "off" means Customer Insights can reach it. */
static char *firewall_text(const struct kvl_vault *v)
{
	char *text = NULL;

	if (v->public_network_access != NULL &&
	    strcasecmp(v->public_network_access, "Disabled") == 0)
		return strdup(_("public access disabled"));
	if (kvl_vault_firewall_open(v))
		return strdup(_("off"));
	if (v->bypass != NULL && strcasecmp(v->bypass, "None") != 0) {
		if (asprintf(&text, _("on, bypass %s"), v->bypass) < 0)
			return NULL;
		return text;
	}
	return strdup(_("on"));
}

static kvl_result print_json_list(const char *key, json_object *items)
{
	json_object *doc = json_object_new_object();

	json_object_object_add(doc, key, items);
	kvl_cli_print_json(doc);
	json_object_put(doc);
	return KVL_OK;
}

static kvl_result print_table(struct kvl_cli_table *t, kvl_result r,
			      struct kvl_error *err)
{
	if (r == KVL_OK)
		kvl_cli_table_print(t, stdout);
	else
		kvl_error_set(err, r, _("out of memory"));
	kvl_cli_table_clear(t);
	return r;
}

static kvl_result show_subscriptions(const struct kvl_cli *cli,
				     const struct kvl_subscription *s,
				     size_t n, struct kvl_error *err)
{
	const char *cols[4] = { _("NAME"), _("SUBSCRIPTION ID"), _("STATE"),
				_("TENANT") };
	struct kvl_cli_table t;
	kvl_result r;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *items = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			kvl_cli_json_add_string(o, "subscriptionId",
						s[i].subscription_id);
			kvl_cli_json_add_string(o, "name", s[i].display_name);
			kvl_cli_json_add_string(o, "state", s[i].state);
			kvl_cli_json_add_string(o, "tenantId", s[i].tenant_id);
			kvl_cli_json_add_string(o, "tenantName",
						s[i].tenant_name);
			json_object_array_add(items, o);
		}
		return print_json_list("subscriptions", items);
	}

	r = kvl_cli_table_init(&t, 4, cols);
	for (size_t i = 0; i < n && r == KVL_OK; i++) {
		const char *tenant = s[i].tenant_name ? s[i].tenant_name
				     : s[i].tenant_id;
		const char *row[] = { s[i].display_name, s[i].subscription_id,
				      s[i].state, tenant };

		r = kvl_cli_table_add(&t, row);
	}
	return print_table(&t, r, err);
}

static kvl_result show_resource_groups(const struct kvl_cli *cli,
				       const struct kvl_resource_group *g,
				       size_t n, struct kvl_error *err)
{
	const char *cols[2] = { _("NAME"), _("REGION") };
	struct kvl_cli_table t;
	kvl_result r;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		json_object *items = json_object_new_array();

		for (size_t i = 0; i < n; i++) {
			json_object *o = json_object_new_object();

			kvl_cli_json_add_string(o, "name", g[i].name);
			kvl_cli_json_add_string(o, "location", g[i].location);
			json_object_array_add(items, o);
		}
		return print_json_list("resourceGroups", items);
	}

	r = kvl_cli_table_init(&t, 2, cols);
	for (size_t i = 0; i < n && r == KVL_OK; i++) {
		const char *row[] = { g[i].name, g[i].location };

		r = kvl_cli_table_add(&t, row);
	}
	return print_table(&t, r, err);
}

static kvl_result add_vault_row(struct kvl_cli_table *t,
				const struct kvl_vault *v)
{
	char *firewall = firewall_text(v);
	const char *row[] = {
		v->name, v->resource_group, v->location,
		v->rbac ? _("Azure RBAC") : _("access policies"), firewall
	};
	kvl_result r = firewall != NULL ? kvl_cli_table_add(t, row)
					: KVL_ERR_NOMEM;

	free(firewall);
	return r;
}

/* Adds how the vaults were found: "source", and for a search across
 * subscriptions the count and why Resource Graph was not used. */
static void add_source_json(json_object *doc,
			    const struct kvl_vault_discovery *d)
{
	json_object *reason;

	if (d == NULL || d->source == KVL_VAULTS_PER_SUBSCRIPTION)
		kvl_cli_json_add_string(doc, "source", "perSubscription");
	else
		kvl_cli_json_add_string(doc, "source", "resourceGraph");
	if (d == NULL)
		return;
	json_object_object_add(doc, "subscriptionsSearched",
			       json_object_new_int64(
				       (int64_t)d->n_subscriptions));
	if (d->source != KVL_VAULTS_PER_SUBSCRIPTION)
		return;
	reason = json_object_new_object();
	kvl_cli_json_add_string(reason, "code", d->fallback.azure_code ?
				d->fallback.azure_code :
				kvl_result_name(d->fallback.result));
	kvl_cli_json_add_string(reason, "message",
				d->fallback.azure_message ?
				d->fallback.azure_message :
				d->fallback.message);
	json_object_object_add(doc, "resourceGraphError", reason);
}

/* The one-line note on stderr saying how the vaults were found. */
static void print_source_note(const struct kvl_vault_discovery *d)
{
	char *code;

	if (d->source == KVL_VAULTS_RESOURCE_GRAPH) {
		fprintf(stderr, ngettext("kvlink: note: listed through Azure "
					 "Resource Graph across %zu "
					 "subscription\n",
					 "kvlink: note: listed through Azure "
					 "Resource Graph across %zu "
					 "subscriptions\n",
					 d->n_subscriptions),
			d->n_subscriptions);
		return;
	}
	code = kvl_sanitize(d->fallback.azure_code ? d->fallback.azure_code :
			    kvl_result_name(d->fallback.result));
	fprintf(stderr, _("kvlink: note: Azure Resource Graph is not "
			  "available (%s), so each subscription was listed "
			  "on its own\n"), code ? code : "");
	free(code);
}

/*
 * Output collected in blocks. stdout is line buffered (see main.c), so
 * a document of 100,000 vaults printed line by line took one write(2)
 * per line, about 17 per vault.
 */
struct output_block {
	char data[64 * 1024];
	size_t len;
	bool written;		/* whether anything went to stdout */
};

static void output_flush(struct output_block *out)
{
	if (out->len > 0)
		out->written = true;
	fwrite(out->data, 1, out->len, stdout);
	out->len = 0;
}

static void output_add(struct output_block *out, const char *text,
		       size_t len)
{
	if (len > sizeof(out->data) - out->len)
		output_flush(out);
	if (len > sizeof(out->data)) {
		out->written = true;
		fwrite(text, 1, len, stdout);
		return;
	}
	memcpy(out->data + out->len, text, len);
	out->len += len;
}

static void output_adds(struct output_block *out, const char *text)
{
	output_add(out, text, strlen(text));
}

/* Adds text with indent spaces after every line break. */
static void add_indented(struct output_block *out, const char *text,
			 int indent)
{
	static const char spaces[] = "        ";

	while (*text != '\0') {
		size_t line = strcspn(text, "\n");

		output_add(out, text, line);
		text += line;
		if (*text == '\0')
			break;
		output_add(out, "\n", 1);
		output_add(out, spaces, (size_t)indent < sizeof(spaces) - 1 ?
			   (size_t)indent : sizeof(spaces) - 1);
		text++;
	}
}

/* Adds one JSON value as kvl_cli_print_json() prints it, indented. */
static void add_json_value(struct output_block *out, json_object *value,
			   int indent)
{
	const char *text = json_object_to_json_string_ext(value,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	char *clean = kvl_json_safe(text != NULL ? text : "null");

	add_indented(out, clean != NULL ? clean : "null", indent);
	free(clean);
}

/*
 * The vault document, printed one vault at a time so that a list of
 * 100,000 vaults never exists at once as a JSON tree and as its text.
 * Its start is printed with the first vault, so a listing that fails
 * before any vault prints nothing.
 */
struct vaults_json {
	struct output_block out;
	size_t n;
};

static void vaults_json_add(struct vaults_json *doc,
			    const struct kvl_vault *v)
{
	json_object *item = kvl_cli_vault_json(v);

	if (doc->n == 0)
		output_adds(&doc->out, "{\n  \"vaults\": [");
	output_adds(&doc->out, doc->n > 0 ? ",\n    " : "\n    ");
	add_json_value(&doc->out, item, 4);
	json_object_put(item);
	doc->n++;
}

static void vaults_json_finish(struct vaults_json *doc,
			       const struct kvl_vault_discovery *d)
{
	json_object *rest = json_object_new_object();

	if (doc->n == 0)
		output_adds(&doc->out, "{\n  \"vaults\": []");
	else
		output_adds(&doc->out, "\n  ]");
	add_source_json(rest, d);
	json_object_object_foreach(rest, key, value) {
		output_adds(&doc->out, ",\n  \"");
		output_adds(&doc->out, key);
		output_adds(&doc->out, "\": ");
		add_json_value(&doc->out, value, 2);
	}
	output_adds(&doc->out, "\n}\n");
	output_flush(&doc->out);
	json_object_put(rest);
}

static void print_vaults_json(const struct kvl_vault *v, size_t n,
			      const struct kvl_vault_discovery *d)
{
	static struct vaults_json doc;

	memset(&doc, 0, sizeof(doc));
	for (size_t i = 0; i < n; i++)
		vaults_json_add(&doc, &v[i]);
	vaults_json_finish(&doc, d);
}

static kvl_result show_vaults(const struct kvl_cli *cli,
			      const struct kvl_vault *v, size_t n,
			      const struct kvl_vault_discovery *d,
			      struct kvl_error *err)
{
	const char *cols[5] = {
		_("NAME"), _("RESOURCE GROUP"), _("REGION"),
		_("PERMISSION MODEL"), _("FIREWALL")
	};
	struct kvl_cli_table t;
	kvl_result r;

	if (cli->opt.output == KVL_OUTPUT_JSON) {
		print_vaults_json(v, n, d);
		return KVL_OK;
	}

	r = kvl_cli_table_init(&t, 5, cols);
	for (size_t i = 0; i < n && r == KVL_OK; i++)
		r = add_vault_row(&t, &v[i]);
	r = print_table(&t, r, err);
	if (r == KVL_OK && d != NULL)
		print_source_note(d);
	return r;
}

static kvl_result list_subscriptions(struct kvl_cli *cli,
				     struct kvl_error *err)
{
	struct kvl_subscription *subs = NULL;
	size_t n = 0;
	kvl_result r;

	r = kvl_arm_list_subscriptions(&cli->session.az, &subs, &n, err);
	if (r == KVL_OK)
		r = show_subscriptions(cli, subs, n, err);
	kvl_subscriptions_free(subs, n);
	return r;
}

static kvl_result list_resource_groups(struct kvl_cli *cli,
				       struct kvl_error *err)
{
	struct kvl_resource_group *groups = NULL;
	size_t n = 0;
	kvl_result r;

	r = kvl_arm_list_resource_groups(&cli->session.az,
					 cli->opt.subscription, &groups, &n,
					 err);
	if (r == KVL_OK)
		r = show_resource_groups(cli, groups, n, err);
	kvl_resource_groups_free(groups, n);
	return r;
}

static kvl_result list_vaults(struct kvl_cli *cli, struct kvl_error *err)
{
	struct kvl_vault *vaults = NULL;
	size_t n = 0;
	kvl_result r;

	r = kvl_arm_list_vaults(&cli->session.az, cli->opt.subscription,
				cli->opt.resource_group, &vaults, &n, err);
	if (r == KVL_OK)
		r = show_vaults(cli, vaults, n, NULL, err);
	kvl_vaults_free(vaults, n);
	return r;
}

static kvl_result print_vault_json(struct kvl_vault *v, void *ctx)
{
	vaults_json_add(ctx, v);
	kvl_vault_clear(v);
	return ferror(stdout) ? KVL_ERR_IO : KVL_OK;
}

/* Drops the vaults added so far, unless some have been written. */
static bool rewind_vaults_json(void *ctx)
{
	struct vaults_json *doc = ctx;

	if (doc->out.written)
		return false;
	doc->out.len = 0;
	doc->n = 0;
	return true;
}

/*
 * Lists the vaults of every enabled subscription the caller can see.
 * JSON is printed page by page as Resource Graph returns the vaults,
 * and written to stdout in blocks of 64 KiB. A failure after the first
 * block therefore leaves a partial document on stdout, and the exit
 * status and stderr report what failed. A table needs every row for
 * its column widths, so it is printed at the end.
 */
static kvl_result discover_vaults(struct kvl_cli *cli, struct kvl_error *err)
{
	static struct vaults_json doc;
	struct kvl_subscription *subs = NULL;
	struct kvl_vault_discovery d;
	bool json = cli->opt.output == KVL_OUTPUT_JSON;
	size_t n_subs = 0;
	kvl_result r;

	memset(&d, 0, sizeof(d));
	memset(&doc, 0, sizeof(doc));
	r = kvl_arm_list_subscriptions(&cli->session.az, &subs, &n_subs, err);
	if (r == KVL_OK)
		r = kvl_resgraph_discover_vaults_each(
			&cli->session.az, subs, n_subs,
			cli->opt.resource_group,
			json ? print_vault_json : NULL,
			json ? rewind_vaults_json : NULL, json ? &doc : NULL,
			&d, err);
	if (r == KVL_OK && json)
		vaults_json_finish(&doc, &d);
	else if (r == KVL_OK)
		r = show_vaults(cli, d.vaults, d.n_vaults, &d, err);
	kvl_vault_discovery_clear(&d);
	kvl_subscriptions_free(subs, n_subs);
	return r;
}

kvl_result kvl_cli_cmd_list(struct kvl_cli *cli, struct kvl_error *err)
{
	kvl_result r = kvl_cli_sign_in(cli, err);

	if (r != KVL_OK)
		return r;

	switch (cli->opt.command) {
	case KVL_CMD_LIST_SUBSCRIPTIONS:
		return list_subscriptions(cli, err);
	case KVL_CMD_LIST_RESOURCE_GROUPS:
		r = kvl_cli_default_subscription(cli, err);
		if (r != KVL_OK)
			return r;
		return list_resource_groups(cli, err);
	default:
		if (cli->opt.subscription == NULL)
			return discover_vaults(cli, err);
		return list_vaults(cli, err);
	}
}
