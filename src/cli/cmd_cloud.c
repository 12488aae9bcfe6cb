/*
 * kvlink cloud list|show: the built-in clouds, and the cloud, proxies and
 * CA bundle a command would use. Neither signs in nor sends a request.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/cloud.h"
#include "core/netenv.h"
#include "core/sanitize.h"
#include "i18n.h"

static const char *origin_key(enum kvl_cloud_origin origin)
{
	switch (origin) {
	case KVL_CLOUD_ORIGIN_AZ_CLI:
		return "azCli";
	case KVL_CLOUD_ORIGIN_NAME:
		return "name";
	case KVL_CLOUD_ORIGIN_FILE:
		return "file";
	default:
		return "default";
	}
}

static const char *origin_text(enum kvl_cloud_origin origin)
{
	switch (origin) {
	case KVL_CLOUD_ORIGIN_AZ_CLI:
		return _("az CLI's current cloud (AZURE_CLOUD_NAME or its "
			 "config)");
	case KVL_CLOUD_ORIGIN_NAME:
		return _("--cloud NAME");
	case KVL_CLOUD_ORIGIN_FILE:
		return _("--cloud FILE");
	default:
		return _("default (az CLI names no cloud)");
	}
}

/* Selects the cloud as a command would, printing a warning like one. */
static kvl_result select_cloud(const struct kvl_cli *cli,
			       struct kvl_cloud *cloud,
			       enum kvl_cloud_origin *origin,
			       struct kvl_error *err)
{
	char *warning = NULL;
	kvl_result r;

	r = kvl_cloud_select(cli->opt.cloud_file, cloud, origin, &warning,
			     err);
	if (warning != NULL)
		kvl_sink_message(&cli->sink, KVL_LEVEL_WARNING, "%s", warning);
	free(warning);
	return r;
}

static json_object *builtin_json(const struct kvl_cloud_builtin *b,
				 bool selected)
{
	json_object *o = json_object_new_object();

	kvl_cli_json_add_string(o, "name", b->name);
	kvl_cli_json_add_string(o, "authorityHost", b->authority_host);
	kvl_cli_json_add_string(o, "resourceManager", b->resource_manager);
	kvl_cli_json_add_string(o, "microsoftGraph", b->microsoft_graph);
	kvl_cli_json_add_string(o, "keyVaultScope", b->key_vault_scope);
	kvl_cli_json_add_string(o, "keyVaultDnsSuffix",
				b->key_vault_dns_suffix);
	json_object_object_add(o, "selected",
			       json_object_new_boolean(selected));
	return o;
}

/* Prints the built-in clouds, marking current unless it is NULL. */
static void print_builtins(const struct kvl_cli *cli,
			   const struct kvl_cloud *current,
			   enum kvl_cloud_origin origin, const char *note)
{
	const struct kvl_cloud_builtin *b;
	json_object *items = NULL, *doc;

	if (cli->opt.output == KVL_OUTPUT_JSON)
		items = json_object_new_array();
	for (size_t i = 0; (b = kvl_cloud_builtin_at(i)) != NULL; i++) {
		bool selected = current != NULL &&
				strcmp(current->name, b->name) == 0 &&
				origin != KVL_CLOUD_ORIGIN_FILE;

		if (items != NULL)
			json_object_array_add(items, builtin_json(b, selected));
		else
			printf("%s %-18s %s\n", selected ? "*" : " ", b->name,
			       b->resource_manager);
	}
	if (items != NULL) {
		doc = json_object_new_object();
		json_object_object_add(doc, "clouds", items);
		if (note != NULL)
			kvl_cli_json_add_string(doc, "azCliCloudError", note);
		kvl_cli_print_json(doc);
		json_object_put(doc);
	} else if (current != NULL && origin == KVL_CLOUD_ORIGIN_FILE) {
		printf(_("Selected: the cloud profile '%s' (%s)\n"),
		       cli->opt.cloud_file, current->name);
	}
}

/*
 * Lists the built-in clouds. When az CLI's current cloud cannot be used,
 * the list still shows, with a note that names az's cloud and the reason;
 * a --cloud that cannot be used stays an error.
 */
static kvl_result cloud_list(struct kvl_cli *cli, struct kvl_error *err)
{
	enum kvl_cloud_origin origin = KVL_CLOUD_ORIGIN_DEFAULT;
	struct kvl_cloud current;
	kvl_result r;

	r = select_cloud(cli, &current, &origin, err);
	if (r != KVL_OK && cli->opt.cloud_file != NULL)
		return r;
	if (r != KVL_OK) {
		print_builtins(cli, NULL, origin, err->message);
		if (cli->opt.output != KVL_OUTPUT_JSON)
			kvl_sink_message(&cli->sink, KVL_LEVEL_INFO,
					 _("kvlink: note: %s"), err->message);
		kvl_error_clear(err);
		return KVL_OK;
	}
	print_builtins(cli, &current, origin, NULL);
	kvl_cloud_clear(&current);
	return KVL_OK;
}

/* "VALUE (from VAR)", with proxy credentials hidden; NULL for none. */
static char *setting_text(const struct kvl_netenv_value *v, bool proxy)
{
	char *redacted, *text = NULL;

	if (v->value == NULL)
		return NULL;
	redacted = proxy ? kvl_netenv_redact(v->value) : strdup(v->value);
	if (redacted == NULL ||
	    asprintf(&text, _("%s (from %s)"), redacted, v->var) < 0)
		text = NULL;
	free(redacted);
	return text;
}

static void add_setting(json_object *doc, const char *key,
			const struct kvl_netenv_value *v, bool proxy)
{
	json_object *o;
	char *redacted;

	if (v->value == NULL) {
		json_object_object_add(doc, key, NULL);
		return;
	}
	o = json_object_new_object();
	redacted = proxy ? kvl_netenv_redact(v->value) : strdup(v->value);
	kvl_cli_json_add_string(o, "value", redacted);
	kvl_cli_json_add_string(o, "variable", v->var);
	json_object_object_add(doc, key, o);
	free(redacted);
}

/* The CA bundle as http.c chooses it: the profile's, else the
 * environment's (see core/netenv.h). */
static struct kvl_netenv_value trust_of(const struct kvl_cloud *cloud,
					const struct kvl_netenv *net)
{
	struct kvl_netenv_value v = net->ca_file;

	if (cloud->ca_bundle != NULL) {
		v.value = cloud->ca_bundle;
		v.var = "caBundle";
	}
	return v;
}

static void show_json(const struct kvl_cloud *cloud,
		      enum kvl_cloud_origin origin,
		      const struct kvl_netenv *net)
{
	json_object *doc = json_object_new_object();
	struct kvl_netenv_value ca = trust_of(cloud, net);

	kvl_cli_json_add_string(doc, "name", cloud->name);
	kvl_cli_json_add_string(doc, "chosenBy", origin_key(origin));
	kvl_cli_json_add_string(doc, "authorityHost", cloud->authority_host);
	kvl_cli_json_add_string(doc, "resourceManager",
				cloud->resource_manager);
	kvl_cli_json_add_string(doc, "microsoftGraph",
				cloud->microsoft_graph);
	kvl_cli_json_add_string(doc, "keyVaultScope", cloud->key_vault_scope);
	kvl_cli_json_add_string(doc, "keyVaultDnsSuffix",
				cloud->key_vault_dns_suffix);
	kvl_cli_json_add_string(doc, "keyVaultUriPrefix",
				cloud->key_vault_uri_prefix);
	kvl_cli_json_add_string(doc, "tenant", cloud->tenant);
	add_setting(doc, "httpsProxy", &net->https_proxy, true);
	add_setting(doc, "httpProxy", &net->http_proxy, true);
	add_setting(doc, "noProxy", &net->no_proxy, false);
	add_setting(doc, "caBundle", &ca, false);
	add_setting(doc, "caDirectory", cloud->ca_bundle != NULL
		    ? &(struct kvl_netenv_value){ 0 } : &net->ca_dir, false);
	kvl_cli_print_json(doc);
	json_object_put(doc);
}

static void print_setting(const char *label,
			  const struct kvl_netenv_value *v, bool proxy,
			  const char *none)
{
	char *text = setting_text(v, proxy);

	kvl_cli_print_field(label, text != NULL ? text : none);
	free(text);
}

static void show_text(const struct kvl_cloud *cloud,
		      enum kvl_cloud_origin origin,
		      const struct kvl_netenv *net)
{
	struct kvl_netenv_value ca = trust_of(cloud, net);

	kvl_cli_print_field(_("Cloud"), cloud->name);
	kvl_cli_print_field(_("Chosen by"), origin_text(origin));
	kvl_cli_print_field(_("Sign-in authority"), cloud->authority_host);
	kvl_cli_print_field(_("Resource Manager"), cloud->resource_manager);
	kvl_cli_print_field(_("Microsoft Graph"), cloud->microsoft_graph);
	kvl_cli_print_field(_("Key Vault audience"), cloud->key_vault_scope);
	if (cloud->key_vault_uri_prefix != NULL)
		kvl_cli_print_field(_("Vault URI prefix"),
				    cloud->key_vault_uri_prefix);
	else
		kvl_cli_print_field(_("Vault DNS suffix"),
				    cloud->key_vault_dns_suffix);
	kvl_cli_print_field(_("Sign-in tenant"), cloud->tenant);
	print_setting(_("HTTPS proxy"), &net->https_proxy, true, _("none"));
	print_setting(_("HTTP proxy"), &net->http_proxy, true, _("none"));
	print_setting(_("No proxy for"), &net->no_proxy, false, "-");
	print_setting(_("CA bundle"), &ca, false,
		      _("the system's trust store"));
	if (cloud->ca_bundle == NULL)
		print_setting(_("CA directory"), &net->ca_dir, false, "-");
}

static kvl_result cloud_show(struct kvl_cli *cli, struct kvl_error *err)
{
	enum kvl_cloud_origin origin;
	struct kvl_cloud cloud;
	struct kvl_netenv net;
	kvl_result r;

	r = select_cloud(cli, &cloud, &origin, err);
	if (r != KVL_OK)
		return r;
	/* Sign-in uses --tenant over the profile's tenant. */
	if (cli->opt.tenant != NULL) {
		free(cloud.tenant);
		cloud.tenant = kvl_sanitize(cli->opt.tenant);
	}
	if (!kvl_netenv_read(&net)) {
		kvl_cloud_clear(&cloud);
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	}
	if (cli->opt.output == KVL_OUTPUT_JSON)
		show_json(&cloud, origin, &net);
	else
		show_text(&cloud, origin, &net);
	kvl_netenv_clear(&net);
	kvl_cloud_clear(&cloud);
	return KVL_OK;
}

int kvl_cli_cmd_cloud(struct kvl_cli *cli)
{
	struct kvl_error err;
	kvl_result r;

	kvl_error_init(&err);
	kvl_cli_sink_init(cli);
	if (cli->opt.command == KVL_CMD_CLOUD_LIST)
		r = cloud_list(cli, &err);
	else
		r = cloud_show(cli, &err);
	if (r != KVL_OK)
		kvl_cli_print_error(cli, &err);
	kvl_error_clear(&err);
	return kvl_result_exit_code(r);
}
