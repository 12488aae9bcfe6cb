/*
 * Command-line parsing. Global options may stand before or after the
 * command; each command accepts only its own options. Every mistake is
 * KVL_ERR_INVALID (exit 2) with a one-line message that names the
 * option and points at --help.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/sanitize.h"
#include "env/envstore.h"
#include "i18n.h"

enum opt_id {
	OPT_SANDBOX,
	OPT_CLOUD,
	OPT_ENV_DIR,
	OPT_CLIENT_ID,
	OPT_TENANT,
	OPT_AUTH,
	OPT_LOG_FILE,
	OPT_OUTPUT,
	OPT_HELP,
	OPT_VERSION,
	OPT_NAME,
	OPT_REGION,
	OPT_SUBSCRIPTION,
	OPT_RESOURCE_GROUP,
	OPT_VAULT,
	OPT_ACCEPT,
	OPT_DRY_RUN,
	OPT_TYPE,
	OPT_FIELD,
	OPT_SECRET,
	OPT_USE_KEY_VAULT,
	OPT_NO_USE_KEY_VAULT,
	OPT_CREDENTIAL_STDIN,
	OPT_AUDIENCE,
	OPT_RENAME,
	OPT_YES,
	OPT_ALLOW_UNUSABLE,
	OPT_TIMEOUT,
	OPT_KIND,
	OPT_IDENTITY_TENANT,
	OPT_IDENTITY_CLIENT_ID,
	OPT_CERTIFICATE,
	OPT_CLIENT_SECRET_STDIN,
	OPT_TRUST_HOST_KEY,
	OPT_NO_COLOR,
	OPT_ASCII,
	OPT_PLAIN,
};

/* Largest --timeout, in seconds. */
#define MAX_TIMEOUT_S 3600

#define BIT(id) ((uint64_t)1 << (id))

struct opt_def {
	const char *name;
	enum opt_id id;
	bool has_arg;
};

/* In the order of enum opt_id, because messages index it by id. */
static const struct opt_def opt_defs[] = {
	{ "--sandbox", OPT_SANDBOX, false },
	{ "--cloud", OPT_CLOUD, true },
	{ "--env-dir", OPT_ENV_DIR, true },
	{ "--client-id", OPT_CLIENT_ID, true },
	{ "--tenant", OPT_TENANT, true },
	{ "--auth", OPT_AUTH, true },
	{ "--log-file", OPT_LOG_FILE, true },
	{ "--output", OPT_OUTPUT, true },
	{ "--help", OPT_HELP, false },
	{ "--version", OPT_VERSION, false },
	{ "--name", OPT_NAME, true },
	{ "--region", OPT_REGION, true },
	{ "--subscription", OPT_SUBSCRIPTION, true },
	{ "--resource-group", OPT_RESOURCE_GROUP, true },
	{ "--vault", OPT_VAULT, true },
	{ "--accept-privacy-statement", OPT_ACCEPT, false },
	{ "--dry-run", OPT_DRY_RUN, false },
	{ "--type", OPT_TYPE, true },
	{ "--field", OPT_FIELD, true },
	{ "--secret", OPT_SECRET, true },
	{ "--use-key-vault", OPT_USE_KEY_VAULT, false },
	{ "--no-use-key-vault", OPT_NO_USE_KEY_VAULT, false },
	{ "--credential-stdin", OPT_CREDENTIAL_STDIN, true },
	{ "--audience", OPT_AUDIENCE, true },
	{ "--rename", OPT_RENAME, true },
	{ "--yes", OPT_YES, false },
	{ "--allow-unusable-secret", OPT_ALLOW_UNUSABLE, false },
	{ "--timeout", OPT_TIMEOUT, true },
	{ "--kind", OPT_KIND, true },
	{ "--identity-tenant", OPT_IDENTITY_TENANT, true },
	{ "--identity-client-id", OPT_IDENTITY_CLIENT_ID, true },
	{ "--certificate", OPT_CERTIFICATE, true },
	{ "--client-secret-stdin", OPT_CLIENT_SECRET_STDIN, false },
	{ "--trust-host-key", OPT_TRUST_HOST_KEY, true },
	{ "--no-color", OPT_NO_COLOR, false },
	{ "--ascii", OPT_ASCII, false },
	{ "--plain", OPT_PLAIN, false },
};

#define N_OPT_DEFS (sizeof(opt_defs) / sizeof(opt_defs[0]))

/* Options that belong to single commands, and which command takes which. */
#define COMMAND_OPTS (BIT(OPT_NAME) | BIT(OPT_REGION) | \
		      BIT(OPT_SUBSCRIPTION) | BIT(OPT_RESOURCE_GROUP) | \
		      BIT(OPT_VAULT) | BIT(OPT_ACCEPT) | BIT(OPT_DRY_RUN) | \
		      CONNECTION_OPTS | IDENTITY_OPTS)

/* Options of env identity set. */
#define IDENTITY_OPTS (BIT(OPT_KIND) | BIT(OPT_IDENTITY_TENANT) | \
		       BIT(OPT_IDENTITY_CLIENT_ID) | BIT(OPT_CERTIFICATE) | \
		       BIT(OPT_CLIENT_SECRET_STDIN))

/* Options of the connection commands. */
#define CONNECTION_VALUES (BIT(OPT_FIELD) | BIT(OPT_SECRET) | \
			   BIT(OPT_CREDENTIAL_STDIN) | BIT(OPT_AUDIENCE) | \
			   BIT(OPT_ALLOW_UNUSABLE))
#define CONNECTION_OPTS (CONNECTION_VALUES | BIT(OPT_TYPE) | \
			 BIT(OPT_USE_KEY_VAULT) | \
			 BIT(OPT_NO_USE_KEY_VAULT) | BIT(OPT_RENAME) | \
			 BIT(OPT_YES) | BIT(OPT_TRUST_HOST_KEY))

struct command_def {
	const char *word;	/* first word */
	/* Second word, or NULL; "identity set" is a second and a third. */
	const char *sub;
	enum kvl_cli_command command;
	uint64_t allowed;	/* command options it accepts */
	uint64_t required;	/* command options it needs */
};

/* Options that may be given more than once. */
#define REPEATABLE_OPTS (BIT(OPT_FIELD) | BIT(OPT_SECRET))

static const struct command_def command_defs[] = {
	{ "login", NULL, KVL_CMD_LOGIN, 0, 0 },
	{ "logout", NULL, KVL_CMD_LOGOUT, 0, 0 },
	{ "whoami", NULL, KVL_CMD_WHOAMI, 0, 0 },
	{ "env", "create", KVL_CMD_ENV_CREATE,
	  BIT(OPT_NAME) | BIT(OPT_REGION), BIT(OPT_NAME) | BIT(OPT_REGION) },
	{ "env", "show", KVL_CMD_ENV_SHOW, 0, 0 },
	{ "env", "identity set", KVL_CMD_IDENTITY_SET, IDENTITY_OPTS,
	  BIT(OPT_KIND) },
	{ "env", "identity show", KVL_CMD_IDENTITY_SHOW, 0, 0 },
	{ "env", "identity clear", KVL_CMD_IDENTITY_CLEAR, 0, 0 },
	{ "status", NULL, KVL_CMD_STATUS, 0, 0 },
	{ "check", NULL, KVL_CMD_CHECK, 0, 0 },
	{ "repair", NULL, KVL_CMD_REPAIR, 0, 0 },
	{ "list", "subscriptions", KVL_CMD_LIST_SUBSCRIPTIONS, 0, 0 },
	{ "list", "resource-groups", KVL_CMD_LIST_RESOURCE_GROUPS,
	  BIT(OPT_SUBSCRIPTION), 0 },
	{ "list", "vaults", KVL_CMD_LIST_VAULTS,
	  BIT(OPT_SUBSCRIPTION) | BIT(OPT_RESOURCE_GROUP), 0 },
	{ "link", NULL, KVL_CMD_LINK,
	  BIT(OPT_SUBSCRIPTION) | BIT(OPT_VAULT) | BIT(OPT_RESOURCE_GROUP) |
	  BIT(OPT_ACCEPT) | BIT(OPT_DRY_RUN),
	  BIT(OPT_VAULT) },
	{ "unlink", NULL, KVL_CMD_UNLINK, BIT(OPT_VAULT) | BIT(OPT_YES),
	  BIT(OPT_VAULT) },
	{ "connection", "add", KVL_CMD_CONN_ADD,
	  BIT(OPT_TYPE) | BIT(OPT_NAME) | BIT(OPT_USE_KEY_VAULT) |
	  BIT(OPT_ACCEPT) | CONNECTION_VALUES,
	  BIT(OPT_TYPE) | BIT(OPT_NAME) | BIT(OPT_ACCEPT) },
	{ "connection", "list", KVL_CMD_CONN_LIST, 0, 0 },
	{ "connection", "show", KVL_CMD_CONN_SHOW, 0, 0 },
	{ "connection", "edit", KVL_CMD_CONN_EDIT,
	  BIT(OPT_RENAME) | BIT(OPT_USE_KEY_VAULT) |
	  BIT(OPT_NO_USE_KEY_VAULT) | CONNECTION_VALUES, 0 },
	{ "connection", "delete", KVL_CMD_CONN_DELETE, BIT(OPT_YES), 0 },
	{ "connection", "test", KVL_CMD_CONN_TEST, BIT(OPT_TRUST_HOST_KEY),
	  0 },
	{ "connection", "types", KVL_CMD_CONN_TYPES, 0, 0 },
	{ "privacy-statement", NULL, KVL_CMD_PRIVACY_STATEMENT, 0, 0 },
	{ "cloud", "list", KVL_CMD_CLOUD_LIST, 0, 0 },
	{ "cloud", "show", KVL_CMD_CLOUD_SHOW, 0, 0 },
	{ "help", NULL, KVL_CMD_HELP, 0, 0 },
};

#define N_COMMAND_DEFS (sizeof(command_defs) / sizeof(command_defs[0]))

/* Parser state: the options seen so far and the command words. */
struct parse_state {
	uint64_t seen;
	const char *words[3];
	int n_words;
	const char *opt_names[N_OPT_DEFS];	/* as typed, for messages */
	/* The first option value that check_value() rejected. It is
	 * reported only after the command is known, so that an option the
	 * command does not take is reported as such instead. */
	enum opt_id bad_id;
	const char *bad_value;
};

/* Sets err to the usage message fmt, which ends by pointing at the help. */
KVL_PRINTF(2, 3)
static kvl_result usage_error(struct kvl_error *err, const char *fmt, ...)
{
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) < 0)
		text = NULL;
	va_end(ap);

	kvl_error_set(err, KVL_ERR_INVALID, _("%s; see 'kvlink --help'"),
		      text != NULL ? text : fmt);
	free(text);
	return KVL_ERR_INVALID;
}

static const struct opt_def *find_opt(const char *arg, size_t len)
{
	for (size_t i = 0; i < N_OPT_DEFS; i++) {
		if (strlen(opt_defs[i].name) == len &&
		    strncmp(opt_defs[i].name, arg, len) == 0)
			return &opt_defs[i];
	}
	return NULL;
}

static bool is_guid(const char *s)
{
	static const int group_len[] = { 8, 4, 4, 4, 12 };

	for (int g = 0; g < 5; g++) {
		for (int i = 0; i < group_len[g]; i++, s++) {
			if (!isxdigit((unsigned char)*s))
				return false;
		}
		if (g < 4 && *s++ != '-')
			return false;
	}
	return *s == '\0';
}

/* Vault names: 3 to 24 letters, digits and single hyphens, starting with
 * a letter and ending with a letter or digit (Azure's rule). */
static bool is_vault_name(const char *s)
{
	size_t len = strlen(s);

	if (len < 3 || len > 24 || !isalpha((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isascii(c) && (isalnum(c) || c == '-')))
			return false;
		if (c == '-' && s[i + 1] == '-')
			return false;
	}
	return true;
}

/* Resource group names: up to 90 characters, not ending with a period;
 * letters (any script), digits, '_', '-', '.', '(' and ')'. Only the
 * ASCII characters are checked, which keeps the name safe in a URL. */
static bool is_resource_group(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > 90 || s[len - 1] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			continue;
		if (!(isalnum(c) || strchr("_-.()", c) != NULL))
			return false;
	}
	return true;
}

/* A DNS label: 1 to 63 letters, digits and hyphens, with no hyphen at
 * either end. */
static bool is_domain_label(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isascii(c) && (isalnum(c) || c == '-')))
			return false;
	}
	return true;
}

/* A domain name of at least two labels, such as contoso.onmicrosoft.com. */
static bool is_domain(const char *s)
{
	const char *dot;
	int labels = 0;

	if (strlen(s) > 253)
		return false;
	for (;; s = dot + 1) {
		dot = strchr(s, '.');
		if (!is_domain_label(s, dot ? (size_t)(dot - s) : strlen(s)))
			return false;
		labels++;
		if (dot == NULL)
			return labels >= 2;
	}
}

/* Tenant: a GUID or a domain name; with aliases also Entra's
 * "organizations", "common" and "consumers", which name no single
 * tenant and so suit only a person's sign-in. */
static bool is_tenant(const char *s, bool aliases)
{
	if (aliases && (strcmp(s, "organizations") == 0 ||
			strcmp(s, "common") == 0 ||
			strcmp(s, "consumers") == 0))
		return true;
	return is_guid(s) || is_domain(s);
}

/* A request timeout in whole seconds, 1 to MAX_TIMEOUT_S. */
static bool is_timeout(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && v >= 1 &&
	       v <= MAX_TIMEOUT_S;
}

static kvl_result set_auth(struct kvl_cli_options *opt, const char *value,
			   struct kvl_error *err)
{
	if (!kvl_auth_method_parse(value, &opt->auth_method))
		return usage_error(err, _("invalid value '%s' for --auth: "
					  "use auto, env, workload-identity, "
					  "managed-identity, cached, "
					  "azure-cli or device-code"), value);
	return KVL_OK;
}

static kvl_result set_output(struct kvl_cli_options *opt, const char *value,
			     struct kvl_error *err)
{
	if (strcmp(value, "text") == 0)
		opt->output = KVL_OUTPUT_TEXT;
	else if (strcmp(value, "json") == 0)
		opt->output = KVL_OUTPUT_JSON;
	else
		return usage_error(err, _("invalid value '%s' for --output: "
					  "use text or json"), value);
	return KVL_OK;
}

static kvl_result check_value(enum opt_id id, const char *value,
			      struct kvl_error *err)
{
	const char *problem;

	switch (id) {
	case OPT_SUBSCRIPTION:
		if (!is_guid(value))
			return usage_error(err, _("invalid subscription id "
				"'%s': expected a GUID; list them with "
				"'kvlink list subscriptions'"), value);
		break;
	case OPT_CLIENT_ID:
	case OPT_IDENTITY_CLIENT_ID:
		if (!is_guid(value))
			return usage_error(err, _("invalid client id '%s': "
				"expected an application id (a GUID)"), value);
		break;
	case OPT_TENANT:
		if (!is_tenant(value, true))
			return usage_error(err, _("invalid tenant '%s': "
				"expected a tenant id (a GUID), a domain name "
				"such as contoso.onmicrosoft.com, or "
				"organizations, common or consumers"), value);
		break;
	case OPT_IDENTITY_TENANT:
		if (!is_tenant(value, false))
			return usage_error(err, _("invalid tenant '%s': "
				"expected a tenant id (a GUID) or a domain "
				"name such as contoso.onmicrosoft.com"), value);
		break;
	case OPT_VAULT:
		if (!is_vault_name(value))
			return usage_error(err, _("invalid key vault name "
				"'%s': expected 3 to 24 letters, digits and "
				"hyphens, starting with a letter"), value);
		break;
	case OPT_RESOURCE_GROUP:
		if (!is_resource_group(value))
			return usage_error(err, _("invalid resource group "
				"name '%s'"), value);
		break;
	case OPT_NAME:
	case OPT_RENAME:
		problem = kvl_name_problem(value, KVL_ENV_NAME_MAX);
		if (problem != NULL)
			return usage_error(err, _("invalid name: %s; use at "
				"most %d characters of UTF-8 text without "
				"control characters"), _(problem),
				KVL_ENV_NAME_MAX);
		break;
	case OPT_KIND:
		if (strcmp(value, "client-secret") != 0 &&
		    strcmp(value, "certificate") != 0 &&
		    strcmp(value, "managed-identity") != 0)
			return usage_error(err, _("invalid value '%s' for "
				"--kind: use client-secret, certificate or "
				"managed-identity"), value);
		break;
	case OPT_TIMEOUT:
		if (!is_timeout(value))
			return usage_error(err, _("invalid value '%s' for "
				"--timeout: use a whole number of seconds from "
				"1 to %d"), value, MAX_TIMEOUT_S);
		break;
	case OPT_FIELD:
	case OPT_SECRET:
		if (strchr(value, '=') == NULL || value[0] == '=')
			return usage_error(err, _("invalid value '%s': "
				"expected KEY=VALUE"), value);
		break;
	default:
		break;
	}
	return KVL_OK;
}

/* Appends a KEY=VALUE argument of a repeatable option. */
static kvl_result add_pair(const char **list, size_t *n, const char *value,
			   struct kvl_error *err)
{
	if (*n == KVL_CLI_MAX_PAIRS)
		return usage_error(err, _("too many KEY=VALUE options; at "
					  "most %s are accepted"),
				   KVL_CLI_MAX_PAIRS_TEXT);
	list[(*n)++] = value;
	return KVL_OK;
}

static kvl_result store_value(struct kvl_cli_options *opt, enum opt_id id,
			      const char *value, struct kvl_error *err)
{
	kvl_result r = check_value(id, value, err);

	if (r != KVL_OK)
		return r;

	switch (id) {
	case OPT_CLOUD: opt->cloud_file = value; break;
	case OPT_ENV_DIR: opt->env_dir = value; break;
	case OPT_CLIENT_ID: opt->client_id = value; break;
	case OPT_TENANT: opt->tenant = value; break;
	case OPT_AUTH: return set_auth(opt, value, err);
	case OPT_LOG_FILE: opt->log_file = value; break;
	case OPT_TIMEOUT: opt->timeout_s = strtol(value, NULL, 10); break;
	case OPT_KIND: opt->kind = value; break;
	case OPT_IDENTITY_TENANT: opt->identity_tenant = value; break;
	case OPT_IDENTITY_CLIENT_ID: opt->identity_client_id = value; break;
	case OPT_CERTIFICATE: opt->certificate = value; break;
	case OPT_OUTPUT: return set_output(opt, value, err);
	case OPT_NAME: opt->name = value; break;
	case OPT_REGION: opt->region = value; break;
	case OPT_SUBSCRIPTION: opt->subscription = value; break;
	case OPT_RESOURCE_GROUP: opt->resource_group = value; break;
	case OPT_VAULT: opt->vault = value; break;
	case OPT_TYPE: opt->type = value; break;
	case OPT_CREDENTIAL_STDIN: opt->credential_stdin = value; break;
	case OPT_AUDIENCE: opt->audience = value; break;
	case OPT_RENAME: opt->rename = value; break;
	case OPT_TRUST_HOST_KEY: opt->trust_host_key = value; break;
	case OPT_FIELD:
		return add_pair(opt->fields, &opt->n_fields, value, err);
	case OPT_SECRET:
		return add_pair(opt->secrets, &opt->n_secrets, value, err);
	default: break;
	}
	return KVL_OK;
}

static void store_flag(struct kvl_cli_options *opt, enum opt_id id)
{
	switch (id) {
	case OPT_SANDBOX: opt->sandbox = true; break;
	case OPT_ACCEPT: opt->accept_privacy_statement = true; break;
	case OPT_DRY_RUN: opt->dry_run = true; break;
	case OPT_USE_KEY_VAULT: opt->use_key_vault = true; break;
	case OPT_NO_USE_KEY_VAULT: opt->no_use_key_vault = true; break;
	case OPT_YES: opt->yes = true; break;
	case OPT_ALLOW_UNUSABLE: opt->allow_unusable_secret = true; break;
	case OPT_CLIENT_SECRET_STDIN: opt->client_secret_stdin = true; break;
	case OPT_NO_COLOR: opt->no_colour = true; break;
	case OPT_ASCII: opt->ascii = true; break;
	case OPT_PLAIN: opt->plain = true; break;
	default: break;
	}
}

/*
 * Parses the option at argv[*i] (which starts with "--"), taking its
 * value from "=VALUE" or the next argument.
 */
static kvl_result parse_long(int argc, char **argv, int *i,
			     struct parse_state *ps,
			     struct kvl_cli_options *opt,
			     struct kvl_error *err)
{
	const char *arg = argv[*i];
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt_def *def = find_opt(arg, len);
	const char *value;

	/* Only the name: the value of a mistyped option may be a secret. */
	if (def == NULL)
		return usage_error(err, _("unknown option '%.*s'"), (int)len,
				   arg);
	if ((ps->seen & BIT(def->id) & ~REPEATABLE_OPTS) != 0)
		return usage_error(err, _("option '%s' given twice"),
				   def->name);
	ps->seen |= BIT(def->id);
	ps->opt_names[def->id] = def->name;

	if (!def->has_arg) {
		if (eq != NULL)
			return usage_error(err, _("option '%s' does not take "
						  "a value"), def->name);
		store_flag(opt, def->id);
		return KVL_OK;
	}

	if (eq != NULL) {
		value = eq + 1;
	} else if (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2) != 0) {
		value = argv[++*i];
	} else {
		return usage_error(err, _("option '%s' requires a value"),
				   def->name);
	}
	if (*value == '\0')
		return usage_error(err, _("option '%s' requires a non-empty "
					  "value"), def->name);
	if (check_value(def->id, value, err) != KVL_OK) {
		kvl_error_clear(err);
		if (ps->bad_value == NULL) {
			ps->bad_id = def->id;
			ps->bad_value = value;
		}
		return KVL_OK;
	}
	return store_value(opt, def->id, value, err);
}

/* How many words c's subcommand has: 0, 1 or 2. */
static int sub_words(const struct command_def *c)
{
	if (c->sub == NULL)
		return 0;
	return strchr(c->sub, ' ') != NULL ? 2 : 1;
}

/* Whether the command line's second (and third) word name c's
 * subcommand. *first_matches is set when the second word matches. */
static bool sub_matches(const struct command_def *c,
			const struct parse_state *ps, bool *first_matches)
{
	const char *space = strchr(c->sub, ' ');
	size_t len = space ? (size_t)(space - c->sub) : strlen(c->sub);
	const char *sub = ps->words[1];

	*first_matches = ps->n_words > 1 && strlen(sub) == len &&
			 strncmp(c->sub, sub, len) == 0;
	if (!*first_matches || space == NULL)
		return *first_matches;
	return ps->n_words > 2 && strcmp(space + 1, ps->words[2]) == 0;
}

static kvl_result find_command(const struct parse_state *ps,
			       const struct command_def **out,
			       struct kvl_error *err)
{
	const char *word = ps->words[0];
	const char *sub = ps->n_words > 1 ? ps->words[1] : NULL;
	const char *sub2 = ps->n_words > 2 ? ps->words[2] : NULL;
	bool word_known = false, sub_known = false, first;

	for (size_t i = 0; i < N_COMMAND_DEFS; i++) {
		const struct command_def *c = &command_defs[i];

		if (strcmp(c->word, word) != 0)
			continue;
		word_known = true;
		if (c->sub == NULL || sub_matches(c, ps, &first)) {
			*out = c;
			return KVL_OK;
		}
		sub_known |= first;
	}
	if (!word_known)
		return usage_error(err, _("unknown command '%s'"), word);
	if (sub == NULL)
		return usage_error(err, _("'%s' needs a subcommand"), word);
	if (!sub_known)
		return usage_error(err, _("unknown subcommand '%s'"), sub);
	if (sub2 == NULL)
		return usage_error(err, _("'%s %s' needs a subcommand"), word,
				   sub);
	return usage_error(err, _("unknown subcommand '%s'"), sub2);
}

/* Whether command takes one NAME argument after its words. */
static bool takes_name(enum kvl_cli_command command)
{
	return command == KVL_CMD_CONN_SHOW || command == KVL_CMD_CONN_EDIT ||
	       command == KVL_CMD_CONN_DELETE ||
	       command == KVL_CMD_CONN_TEST;
}

static kvl_result check_command(const struct parse_state *ps,
				struct kvl_cli_options *opt,
				struct kvl_error *err)
{
	const struct command_def *c = NULL;
	int expected_words;
	uint64_t extra, missing;
	kvl_result r;

	if (ps->n_words == 0) {
		if (ps->seen & COMMAND_OPTS)
			return usage_error(err, _("options such as '%s' need a "
						  "command"),
					   ps->opt_names[__builtin_ctzll(
						   ps->seen & COMMAND_OPTS)]);
		opt->command = KVL_CMD_WIZARD;
		return KVL_OK;
	}

	r = find_command(ps, &c, err);
	if (r != KVL_OK)
		return r;

	expected_words = 1 + sub_words(c) + (takes_name(c->command) ? 1 : 0);
	if (takes_name(c->command) && ps->n_words < expected_words)
		return usage_error(err, _("missing argument %s: the "
					  "connection's name"), "NAME");
	if (takes_name(c->command))
		opt->argument = ps->words[expected_words - 1];
	if (takes_name(c->command) && opt->argument[0] == '\0')
		return usage_error(err, _("the connection's name is empty; "
					  "give the name that 'kvlink "
					  "connection list' shows"));
	if (ps->n_words > expected_words)
		return usage_error(err, _("unexpected argument '%s'"),
				   ps->words[expected_words]);

	extra = ps->seen & COMMAND_OPTS & ~c->allowed;
	if (extra != 0)
		return usage_error(err, _("option '%s' does not apply to this "
					  "command"),
				   ps->opt_names[__builtin_ctzll(extra)]);
	missing = c->required & ~ps->seen;
	if (missing != 0)
		return usage_error(err, _("missing option '%s'"),
				   opt_defs[__builtin_ctzll(missing)].name);

	opt->command = c->command;
	return KVL_OK;
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0';
}

/* Whether the sign-in may use AZURE_TENANT_ID: --auth env or
 * workload-identity, or --auth auto with a service principal or
 * workload identity in the environment. --sandbox never uses it. */
static bool uses_env_tenant(const struct kvl_cli_options *opt)
{
	if (opt->sandbox || !env_set("AZURE_TENANT_ID"))
		return false;
	if (opt->auth_method == KVL_AUTH_ENVIRONMENT ||
	    opt->auth_method == KVL_AUTH_WORKLOAD_IDENTITY)
		return true;
	return opt->auth_method == KVL_AUTH_AUTO &&
	       env_set("AZURE_CLIENT_ID") &&
	       (env_set("AZURE_CLIENT_SECRET") ||
		env_set("AZURE_CLIENT_CERTIFICATE_PATH") ||
		env_set("AZURE_FEDERATED_TOKEN_FILE"));
}

/* AZURE_TENANT_ID must be a single tenant and must agree with
 * --tenant, which it would otherwise silently replace. */
static kvl_result check_env_tenant(const struct kvl_cli_options *opt,
				   struct kvl_error *err)
{
	const char *env_tenant = getenv("AZURE_TENANT_ID");

	if (!uses_env_tenant(opt))
		return KVL_OK;
	if (!is_tenant(env_tenant, false))
		return usage_error(err, _("invalid AZURE_TENANT_ID '%s': "
					  "expected a tenant id (a GUID) or a "
					  "domain name such as "
					  "contoso.onmicrosoft.com; correct or "
					  "unset it"), env_tenant);
	if (opt->tenant != NULL && strcasecmp(opt->tenant, env_tenant) != 0)
		return usage_error(err, _("--tenant %s conflicts with "
					  "AZURE_TENANT_ID=%s, the tenant of "
					  "the app in AZURE_CLIENT_ID; give "
					  "the same tenant in both, or leave "
					  "out --tenant"),
				   opt->tenant, env_tenant);
	return KVL_OK;
}

static kvl_result check_combinations(const struct kvl_cli_options *opt,
				     struct kvl_error *err)
{
	if (opt->sandbox && opt->cloud_file != NULL)
		return usage_error(err, _("options '%s' and '--cloud' cannot "
					  "be combined"), "--sandbox");
	if (opt->sandbox && (opt->command == KVL_CMD_CLOUD_LIST ||
			     opt->command == KVL_CMD_CLOUD_SHOW))
		return usage_error(err, _("the cloud commands do not start a "
					  "sandbox; leave out '%s', or give "
					  "--cloud with the sandbox's cloud "
					  "profile"), "--sandbox");
	if (opt->sandbox && opt->auth_method != KVL_AUTH_AUTO &&
	    opt->auth_method != KVL_AUTH_CACHED &&
	    opt->auth_method != KVL_AUTH_DEVICE_CODE)
		return usage_error(err, _("--auth %s cannot be combined with "
					  "'%s': the sandbox accepts only "
					  "kvlink's own sign-in; leave out "
					  "--auth or use --auth device-code"),
				   kvl_auth_method_name(opt->auth_method),
				   "--sandbox");
	return check_env_tenant(opt, err);
}

/* GNU rule: --help and --version win over everything else on the line. */
static bool find_help_or_version(int argc, char **argv,
				 struct kvl_cli_options *opt)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			opt->command = KVL_CMD_HELP;
			return true;
		}
		if (strcmp(argv[i], "--version") == 0) {
			opt->command = KVL_CMD_VERSION;
			return true;
		}
	}
	return false;
}

static kvl_result add_word(struct parse_state *ps, const char *word,
			   struct kvl_error *err)
{
	if (ps->n_words == (int)(sizeof(ps->words) / sizeof(ps->words[0])))
		return usage_error(err, _("unexpected argument '%s'"), word);
	ps->words[ps->n_words++] = word;
	return KVL_OK;
}

kvl_result kvl_cli_parse(int argc, char **argv, struct kvl_cli_options *opt,
			 struct kvl_error *err)
{
	struct parse_state ps = { 0 };
	bool options_done = false;
	kvl_result r = KVL_OK;

	memset(opt, 0, sizeof(*opt));
	if (find_help_or_version(argc, argv, opt))
		return KVL_OK;

	for (int i = 1; i < argc && r == KVL_OK; i++) {
		const char *arg = argv[i];

		if (!options_done && strcmp(arg, "--") == 0)
			options_done = true;
		else if (!options_done && arg[0] == '-' && arg[1] != '\0' &&
			 arg[1] != '-')
			r = usage_error(err, _("unknown option '%s'"), arg);
		else if (!options_done && strncmp(arg, "--", 2) == 0)
			r = parse_long(argc, argv, &i, &ps, opt, err);
		else
			r = add_word(&ps, arg, err);
	}
	if (r != KVL_OK)
		return r;

	r = check_command(&ps, opt, err);
	if (r == KVL_OK && ps.bad_value != NULL)
		r = check_value(ps.bad_id, ps.bad_value, err);
	if (r != KVL_OK)
		return r;
	return check_combinations(opt, err);
}

const char *kvl_cli_command_summary(void)
{
	return "login, logout, whoami, env create, env show, "
	       "env identity set|show|clear, status, check, repair, "
	       "list subscriptions|resource-groups|vaults, link, unlink, "
	       "connection add|list|show|edit|delete|test|types, "
	       "cloud list|show, privacy-statement";
}

void kvl_cli_print_version(FILE *out)
{
	fprintf(out, "%s %s\n", PACKAGE, PACKAGE_VERSION);
	fputs(_("Links an Azure key vault to a Dynamics 365 Customer Insights "
		"environment.\n"), out);
}

void kvl_cli_print_help(FILE *out)
{
	fputs(_("Usage: kvlink [OPTION]... [COMMAND [ARGUMENT]...]\n"
		"Link an Azure key vault to a Dynamics 365 Customer Insights\n"
		"environment. Without a command, kvlink opens the wizard "
		"(terminal only).\n"), out);
	fputs(_("\nCommands:\n"
		"  login                 sign in now (device code flow)\n"
		"  logout                forget the sign-in\n"
		"  whoami                show who is signed in\n"
		"  env create --name NAME --region REGION\n"
		"                        create the environment; you become "
		"its Admin\n"
		"  env show              show the environment\n"
		"  env identity set --kind KIND [--identity-tenant ID]\n"
		"       [--identity-client-id ID] [--certificate FILE]\n"
		"       [--client-secret-stdin]\n"
		"                        set the service identity that check "
		"reads secrets as;\n"
		"                        KIND is client-secret, certificate "
		"or managed-identity\n"
		"  env identity show     show the service identity (never its "
		"secret)\n"
		"  env identity clear    remove the service identity\n"
		"  status                show the environment and its linked "
		"vault\n"
		"  check                 check the linked vault and the "
		"connections' secrets;\n"
		"                        exit status 5 when a problem is "
		"found\n"
		"  repair                grant Customer Insights again the "
		"access the link\n"
		"                        gave it, when a check finds it "
		"missing\n"
		"  list subscriptions    list the subscriptions you can see\n"
		"  list resource-groups [--subscription ID]\n"
		"  list vaults [--subscription ID] [--resource-group RG]\n"
		"                        list key vaults; without "
		"--subscription, those of\n"
		"                        every enabled subscription, through "
		"Azure\n"
		"                        Resource Graph where it is allowed\n"
		"  link [--subscription ID] --vault NAME "
		"[--resource-group RG]\n"
		"       --accept-privacy-statement [--dry-run]\n"
		"                        check the prerequisites, grant "
		"Customer Insights\n"
		"                        read access and record the link\n"
		"  unlink --vault NAME [--yes]\n"
		"                        remove the access the link granted "
		"and the link;\n"
		"                        NAME must be the linked vault's name\n"
		"  privacy-statement     print the data privacy statement\n"
		"  cloud list            list the built-in clouds; * marks "
		"the one in use\n"
		"  cloud show            show the cloud, proxies and CA "
		"bundle in use,\n"
		"                        without sending a request\n"),
	      out);
	fputs(_("  connection types      list the connection types and "
		"their fields\n"
		"  connection list       list the export connections\n"
		"  connection show NAME  show one connection (never its "
		"credentials)\n"
		"  connection add --type TYPE --name NAME [--field KEY=VALUE]"
		"...\n"
		"       [--use-key-vault --secret FIELD=SECRET_NAME...]\n"
		"       [--credential-stdin FIELD] [--audience WHO]\n"
		"       [--allow-unusable-secret] --accept-privacy-statement\n"
		"                        add a connection; WHO is admins or\n"
		"                        admins-and-contributors\n"
		"  connection edit NAME [--rename NEW] [--field KEY=VALUE]...\n"
		"       [--use-key-vault] [--secret FIELD=SECRET_NAME]...\n"
		"       [--credential-stdin FIELD] [--audience WHO] "
		"[--allow-unusable-secret]\n"
		"                        change a connection; --field KEY= "
		"clears a\n"
		"                        field or restores its default, "
		"--secret\n"
		"                        FIELD= drops a secret name\n"
		"  connection delete NAME [--yes]\n"
		"                        delete a connection (--yes without "
		"a terminal)\n"
		"  connection test NAME  sign in to the connection's target "
		"with its\n"
		"                        credential once, read-only; exit "
		"status 8\n"
		"                        when the test fails\n"
		"       [--trust-host-key SHA256:...]\n"
		"                        SFTP: trust the server's host key "
		"with this\n"
		"                        fingerprint (first use, or after a "
		"change)\n"), out);
	fputs(_("\nOptions (before or after the command):\n"
		"  --sandbox             use a private kvlink-sandbox instead "
		"of Azure\n"
		"  --cloud NAME|FILE     AzureCloud, AzureUSGovernment, "
		"AzureChinaCloud or a\n"
		"                        cloud profile (JSON); default: az "
		"CLI's cloud\n"
		"  --env-dir DIR         directory of the environment store\n"
		"  --client-id ID        public client application id for "
		"sign-in\n"
		"                        (default: KVLINK_CLIENT_ID, else "
		"Azure CLI's)\n"
		"  --tenant ID           tenant to sign in to (id or domain)\n"
		"  --auth METHOD         sign-in method: auto (default), env,\n"
		"                        workload-identity, managed-identity,\n"
		"                        cached, azure-cli or device-code\n"
		"  --log-file FILE       write a debug log (secrets redacted)\n"
		"  --timeout SECONDS     time limit of each request to Azure "
		"(default 30)\n"
		"  --output FORMAT       text or json\n"
		"  --help                show this help and exit\n"
		"  --version             show the version and exit\n"), out);
	fputs(_("\nDisplay options (for the wizard):\n"
		"  --no-color            no colours, only bold, underline and "
		"reverse video;\n"
		"                        the same as setting NO_COLOR\n"
		"  --ascii               draw only ASCII characters: '+', '-' "
		"and '|' for\n"
		"                        lines, '?' for other characters\n"),
	      out);
	fputs(_("  --plain               line mode: the wizard's steps as "
		"numbered prompts on\n"
		"                        plain lines, also read from a pipe; "
		"the default when\n"
		"                        TERM is dumb, unset or unknown, or "
		"there is no terminal\n"), out);
	fputs(_("\nExit status: 0 success, 1 failure, 2 usage error, 3 not "
		"found,\n"
		"4 sign-in needed or failed, 5 prerequisite check failed,\n"
		"6 another kvlink is linking or unlinking, 7 environment "
		"store\nunusable, 8 connection test failed, 130 "
		"interrupted.\n"), out);
	fputs(_("\nSee kvlink(1). Known problems are listed in "
		"docs/KNOWN_BUGS.md\nof the source tree.\n"), out);
}
