/* The connection type registry and the validation of field values. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "core/sanitize.h"
#include "env/conntypes.h"
#include "i18n.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))
#define FIELDS(a) (a), N_ELEMS(a)

/* Maximum lengths of field values; private keys get more room. */
#define VALUE_MAX 1024
#define PRIVATE_KEY_MAX 16384
#define HOSTNAME_MAX 253
#define LABEL_MAX 63
#define SECRET_NAME_MAX 127

static const struct kvl_field_def activecampaign_fields[] = {
	{ "api_key", N_("API key"),
	  N_("Settings > Developer in ActiveCampaign shows your API key"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
	{ "api_host", N_("REST endpoint host name"),
	  N_("Host of your API URL without https://, "
	     "e.g. contoso.api-us1.com"),
	  KVL_FIELD_HOSTNAME, false, true, NULL, NULL },
};

static const struct kvl_field_def autopilot_fields[] = {
	{ "api_key", N_("API key"),
	  N_("Settings > Autopilot API in Autopilot shows your API key"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def dotdigital_fields[] = {
	{ "api_user", N_("API user name"),
	  N_("The API user's email address, "
	     "e.g. apiuser-1a2b@apiconnector.com"),
	  KVL_FIELD_EMAIL, false, true, NULL, NULL },
	{ "password", N_("Password"),
	  N_("Password of the API user"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
	{ "address_book_id", N_("Address book ID"),
	  N_("Numeric ID of the address book that receives the contacts"),
	  KVL_FIELD_NUMERIC_ID, false, true, NULL, NULL },
};

static const struct kvl_field_def googleads_fields[] = {
	{ "customer_id", N_("Customer ID"),
	  N_("10-digit Google Ads customer ID, dashes allowed: "
	     "123-456-7890"),
	  KVL_FIELD_GOOGLE_ADS_ID, false, true, NULL, NULL },
	{ "developer_token", N_("Developer token"),
	  N_("Typed only: Key Vault is not offered for Google Ads because "
	     "its sign-in goes through the browser"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def klaviyo_fields[] = {
	{ "api_key", N_("Private API key"),
	  N_("Private key from Klaviyo's API keys page, starting pk_"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def liveramp_fields[] = {
	{ "username", N_("SFTP user name"),
	  N_("SFTP user from LiveRamp, not your LiveRamp Connect login"),
	  KVL_FIELD_USERNAME, false, true, NULL, NULL },
	{ "password", N_("Password"),
	  N_("Password of the SFTP user"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
	{ "host", N_("Host"),
	  N_("SFTP host name without a scheme"),
	  KVL_FIELD_HOSTNAME, false, true, "files.liveramp.com", NULL },
	{ "port", N_("Port"),
	  N_("SFTP port, 1-65535"),
	  KVL_FIELD_PORT, false, true, "22", NULL },
	{ "folder", N_("Folder"),
	  N_("Upload folder on the server, starting with /"),
	  KVL_FIELD_PATH, false, true, NULL, NULL },
};

static const struct kvl_field_def marketo_fields[] = {
	{ "client_id", N_("Client ID"),
	  N_("Client ID of the LaunchPoint custom service"),
	  KVL_FIELD_ID, false, true, NULL, NULL },
	{ "client_secret", N_("Client secret"),
	  N_("Client secret of the same LaunchPoint service"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
	{ "rest_host", N_("REST host name"),
	  N_("REST API host without https://, "
	     "e.g. xyz-abc-123.mktorest.com"),
	  KVL_FIELD_HOSTNAME, false, true, NULL, NULL },
};

static const struct kvl_field_def omnisend_fields[] = {
	{ "api_key", N_("API key"),
	  N_("Omnisend shows a new API key once, when it is created"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def sfmc_fields[] = {
	{ "username", N_("SFTP user name"),
	  N_("FTP account user from Setup > FTP Accounts"),
	  KVL_FIELD_USERNAME, false, true, NULL, NULL },
	{ "password", N_("Password"),
	  N_("Password of the FTP account"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
	{ "host", N_("Host"),
	  N_("Your account's SFTP host name, e.g. "
	     "mc1a2b3c.ftp.marketingcloudops.com"),
	  KVL_FIELD_HOSTNAME, false, true, NULL, NULL },
	{ "folder", N_("Export folder"),
	  N_("Folder that receives the exports, starting with /"),
	  KVL_FIELD_PATH, false, true, NULL, NULL },
	{ "port", N_("Port"),
	  N_("SFTP port, 1-65535"),
	  KVL_FIELD_PORT, false, true, "22", NULL },
};

static const struct kvl_field_def sendgrid_fields[] = {
	{ "api_key", N_("API key"),
	  N_("SendGrid API key with access to Marketing"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def sendinblue_fields[] = {
	{ "api_key", N_("API key"),
	  N_("v3 API key from SMTP & API > API Keys"),
	  KVL_FIELD_TEXT, true, true, NULL, NULL },
};

static const struct kvl_field_def sftp_fields[] = {
	{ "host", N_("Host"),
	  N_("SFTP server host name without a scheme"),
	  KVL_FIELD_HOSTNAME, false, true, NULL, NULL },
	{ "port", N_("Port"),
	  N_("SFTP port, 1-65535"),
	  KVL_FIELD_PORT, false, true, "22", NULL },
	{ "username", N_("User name"),
	  N_("User to sign in as"),
	  KVL_FIELD_USERNAME, false, true, NULL, NULL },
	{ "password", N_("Password"),
	  N_("Password of the user; give it or a private key"),
	  KVL_FIELD_TEXT, true, false, NULL, NULL },
	{ "private_key", N_("Private key"),
	  N_("PEM or OpenSSH private key; give it or a password"),
	  KVL_FIELD_PRIVATE_KEY, true, false, NULL, NULL },
	{ "passphrase", N_("Passphrase"),
	  N_("Passphrase of the private key, if it has one"),
	  KVL_FIELD_TEXT, true, false, NULL, "private_key" },
	{ "folder", N_("Folder"),
	  N_("Export folder on the server, starting with /"),
	  KVL_FIELD_PATH, false, true, NULL, NULL },
};

static const char *const sftp_one_of[] = { "password", "private_key", NULL };

const struct kvl_conn_type kvl_conn_types[] = {
	{ "activecampaign", "ActiveCampaign", true, NULL, NULL,
	  FIELDS(activecampaign_fields) },
	{ "autopilot", "Autopilot", true, NULL, NULL,
	  FIELDS(autopilot_fields) },
	{ "dotdigital", "DotDigital", true, NULL, NULL,
	  FIELDS(dotdigital_fields) },
	{ "googleads", "Google Ads", false, NULL, NULL,
	  FIELDS(googleads_fields) },
	{ "klaviyo", "Klaviyo", true, NULL, NULL, FIELDS(klaviyo_fields) },
	{ "liveramp", "LiveRamp", true, NULL, NULL, FIELDS(liveramp_fields) },
	{ "marketo", "Marketo", true, NULL, NULL, FIELDS(marketo_fields) },
	{ "omnisend", "Omnisend", true, NULL, NULL, FIELDS(omnisend_fields) },
	{ "sfmc", "Salesforce Marketing Cloud", true, NULL, NULL,
	  FIELDS(sfmc_fields) },
	{ "sendgrid", "SendGrid", true, NULL, NULL, FIELDS(sendgrid_fields) },
	{ "sendinblue", "Sendinblue", true, NULL, NULL,
	  FIELDS(sendinblue_fields) },
	{ "sftp", "SFTP", true,
	  N_("a password or a private key is required"), sftp_one_of,
	  FIELDS(sftp_fields) },
};

const size_t kvl_n_conn_types = N_ELEMS(kvl_conn_types);

const struct kvl_conn_type *kvl_conn_type_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < kvl_n_conn_types; i++) {
		if (strcasecmp(kvl_conn_types[i].id, name) == 0 ||
		    strcasecmp(kvl_conn_types[i].display_name, name) == 0)
			return &kvl_conn_types[i];
	}
	return NULL;
}

const struct kvl_field_def *kvl_conn_type_field(
	const struct kvl_conn_type *type, const char *key)
{
	size_t i;

	if (type == NULL || key == NULL)
		return NULL;
	for (i = 0; i < type->n_fields; i++)
		if (strcmp(type->fields[i].key, key) == 0)
			return &type->fields[i];
	return NULL;
}

size_t kvl_conn_type_n_credentials(const struct kvl_conn_type *type)
{
	size_t i, n = 0;

	for (i = 0; i < type->n_fields; i++)
		if (type->fields[i].credential)
			n++;
	return n;
}

/* Whether s is printable ASCII or UTF-8 without control characters. */
static bool printable(const char *s, bool allow_space, bool allow_newline)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\n' && allow_newline)
			continue;
		if (*p == '\r' && allow_newline)
			continue;
		if (*p == ' ' && !allow_space)
			return false;
		if (*p < 0x20 || *p == 0x7f)
			return false;
	}
	return true;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* One RFC 1123 label: 1-63 letters, digits, '-', not starting or ending
 * with '-'. */
static bool label_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool hostname_valid(const char *s)
{
	const char *dot;
	size_t len = strlen(s);

	if (len == 0 || len > HOSTNAME_MAX)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		if (dot == NULL)
			return label_valid(s, strlen(s));
		if (!label_valid(s, (size_t)(dot - s)))
			return false;
		s = dot + 1;
	}
}

/* The reason a host name is invalid, for the error message. */
static const char *hostname_problem(const char *s)
{
	if (strstr(s, "://") != NULL)
		return _("a host name without a scheme such as https://");
	if (strchr(s, '/') != NULL)
		return _("a host name without a path");
	if (strchr(s, ':') != NULL)
		return _("a host name without a port (use the port field)");
	if (!hostname_valid(s))
		return _("a host name of letters, digits, '-' and dots, such "
			 "as files.example.com");
	return NULL;
}

static bool port_valid(const char *s)
{
	long port;

	if (!all_digits(s) || strlen(s) > 5 || s[0] == '0')
		return false;
	port = strtol(s, NULL, 10);
	return port >= 1 && port <= 65535;
}

static bool id_valid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL)
			return false;
	return true;
}

/* 10 digits; single dashes allowed between digits (123-456-7890). */
static bool google_ads_id_valid(const char *s)
{
	size_t digits = 0;
	const char *p;

	if (s[0] == '-')
		return false;
	for (p = s; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (*p != '-' || p[1] == '-' || p[1] == '\0')
			return false;
	}
	return digits == 10;
}

static bool email_valid(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at - s > 64 || strchr(at + 1, '@'))
		return false;
	if (!printable(s, false, false) || strchr(at + 1, '.') == NULL)
		return false;
	return hostname_valid(at + 1);
}

static bool url_valid(const char *s)
{
	const char *host, *end;
	char name[HOSTNAME_MAX + 1];
	size_t len;

	if (strncasecmp(s, "https://", 8) != 0 || !printable(s, false, false))
		return false;
	host = s + 8;
	end = host + strcspn(host, "/?#");
	len = (size_t)(end - host);
	if (len == 0 || len > HOSTNAME_MAX)
		return false;
	memcpy(name, host, len);
	name[len] = '\0';
	return hostname_valid(name);
}

/* A PEM ("-----BEGIN ... PRIVATE KEY-----") or OpenSSH key block. */
static bool private_key_valid(const char *s)
{
	const char *begin = strstr(s, "-----BEGIN ");
	const char *end = strstr(s, "-----END ");

	if (begin == NULL || end == NULL || end < begin)
		return false;
	if (strstr(begin, "PRIVATE KEY-----") == NULL)
		return false;
	return printable(s, true, true);
}

/* Expected form of a value of kind, for error messages; NULL when the
 * value is valid. */
static const char *kind_problem(enum kvl_field_kind kind, const char *v)
{
	switch (kind) {
	case KVL_FIELD_TEXT:
		return printable(v, true, false) ? NULL
			: _("text without control characters");
	case KVL_FIELD_HOSTNAME:
		return hostname_problem(v);
	case KVL_FIELD_PORT:
		return port_valid(v) ? NULL : _("a port number from 1 to "
						"65535");
	case KVL_FIELD_PATH:
		return v[0] == '/' && printable(v, true, false) ? NULL
			: _("an absolute path starting with /");
	case KVL_FIELD_ID:
		return id_valid(v) ? NULL
			: _("an id of letters, digits, '-', '_' and '.'");
	case KVL_FIELD_NUMERIC_ID:
		return all_digits(v) && strlen(v) <= 20 ? NULL
			: _("a numeric id (digits only)");
	case KVL_FIELD_EMAIL:
		return email_valid(v) ? NULL
			: _("an email address such as name@example.com");
	case KVL_FIELD_USERNAME:
		return printable(v, false, false) && strchr(v, ':') == NULL
			? NULL : _("a user name without spaces or ':'");
	case KVL_FIELD_URL:
		return url_valid(v) ? NULL
			: _("an https:// URL such as https://example.com/api");
	case KVL_FIELD_PRIVATE_KEY:
		return private_key_valid(v) ? NULL
			: _("a PEM or OpenSSH private key (-----BEGIN ... "
			    "PRIVATE KEY-----)");
	case KVL_FIELD_GOOGLE_ADS_ID:
		return google_ads_id_valid(v) ? NULL
			: _("10 digits, dashes allowed, such as 123-456-7890");
	}
	return _("a value of a known kind");
}

/*
 * N_(): why value is not text a field can take, judged as display names
 * are (invalid UTF-8, C0 and C1 controls, bidi controls); NULL when it
 * passes. Line breaks are allowed in private keys only. The copy made for
 * that case may hold a credential and is wiped.
 */
static const char *encoding_problem(const struct kvl_field_def *field,
				    const char *value)
{
	const char *problem;
	size_t len;
	char *copy;

	if (field->kind != KVL_FIELD_PRIVATE_KEY)
		return kvl_name_problem(value, SIZE_MAX);
	len = strlen(value);
	copy = strdup(value);
	if (copy == NULL)
		return N_("out of memory");
	for (size_t i = 0; i < len; i++)
		if (copy[i] == '\n' || copy[i] == '\r')
			copy[i] = ' ';
	problem = kvl_name_problem(copy, SIZE_MAX);
	OPENSSL_cleanse(copy, len);
	free(copy);
	return problem;
}

kvl_result kvl_conn_field_validate(const struct kvl_field_def *field,
				   const char *value, struct kvl_error *err)
{
	size_t max = field->kind == KVL_FIELD_PRIVATE_KEY ? PRIVATE_KEY_MAX
							  : VALUE_MAX;
	const char *problem;

	if (value == NULL || value[0] == '\0') {
		if (!field->required)
			return KVL_OK;
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is required (%s)"),
				     _(field->label),
				     field->key, _(field->help));
	}
	if (strlen(value) > max)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is longer than %zu characters"),
				     _(field->label), field->key, max);

	/* The value is not quoted: it may be a credential or unprintable. */
	problem = encoding_problem(field, value);
	if (problem != NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid %s (%s): %s; expected UTF-8 "
				       "text without control characters"),
				     _(field->label), field->key, _(problem));

	problem = kind_problem(field->kind, value);
	if (problem == NULL)
		return KVL_OK;
	/* Credentials never appear in messages; other values are quoted. */
	if (field->credential)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid %s (%s): expected %s"),
				     _(field->label), field->key, problem);
	return kvl_error_set(err, KVL_ERR_INVALID,
			     _("invalid %s (%s) '%s': expected %s"),
			     _(field->label),
			     field->key, value, problem);
}

kvl_result kvl_conn_secret_name_validate(const char *label, const char *name,
					 struct kvl_error *err)
{
	size_t len = name != NULL ? strlen(name) : 0;
	size_t i;

	if (len == 0 || len > SECRET_NAME_MAX)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("invalid secret name for %s: expected "
				       "1 to %d characters"), label,
				     SECRET_NAME_MAX);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("invalid secret name for %s: "
					       "expected only 0-9, a-z, A-Z "
					       "and '-'"), label);
	}
	return KVL_OK;
}

static const struct kvl_field_value *find_value(
	const struct kvl_field_value *values, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (values[i].key != NULL && strcmp(values[i].key, key) == 0)
			return &values[i];
	return NULL;
}

/* Writes the keys of type's fields, comma-separated, into buf. */
static void list_keys(const struct kvl_conn_type *type, char *buf,
		      size_t size)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < type->n_fields && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s",
				 i > 0 ? ", " : "", type->fields[i].key);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Checks one entry of a value set: known key, not repeated, valid. */
static kvl_result check_entry(const struct kvl_conn_type *type,
			      const struct kvl_field_value *values,
			      size_t index, bool use_key_vault,
			      struct kvl_error *err)
{
	const struct kvl_field_value *v = &values[index];
	const struct kvl_field_def *field = kvl_conn_type_field(type, v->key);
	char keys[512];

	if (field == NULL) {
		list_keys(type, keys, sizeof(keys));
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s has no field '%s'; its fields are: "
				       "%s"), type->display_name,
				     v->key != NULL ? v->key : "", keys);
	}
	if (find_value(values, index, v->key) != NULL)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) is given twice; give it once"),
				     _(field->label), field->key);

	if (v->value == NULL) {
		if (field->credential)
			return KVL_OK;
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s (%s) has no value"), _(field->label),
				     field->key);
	}
	if (field->credential && use_key_vault)
		return kvl_conn_secret_name_validate(field->label, v->value,
						     err);
	return kvl_conn_field_validate(field, v->value, err);
}

/* Whether field counts as given: present, non-empty or sealed. */
static bool is_given(const struct kvl_field_value *values, size_t n,
		     const char *key)
{
	const struct kvl_field_value *v = find_value(values, n, key);

	return v != NULL && (v->value == NULL || v->value[0] != '\0');
}

static kvl_result check_rules(const struct kvl_conn_type *type,
			      const struct kvl_field_value *values, size_t n,
			      struct kvl_error *err)
{
	const struct kvl_field_def *f;
	size_t i;

	for (i = 0; i < type->n_fields; i++) {
		f = &type->fields[i];
		if (f->required && f->default_value == NULL &&
		    !is_given(values, n, f->key))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("missing %s (%s): %s"),
					     _(f->label), f->key, _(f->help));
		if (f->needs != NULL && is_given(values, n, f->key) &&
		    !is_given(values, n, f->needs))
			return kvl_error_set(err, KVL_ERR_INVALID,
					     _("%s (%s) is given without %s; "
					       "give both or neither"),
					     _(f->label),
					     f->key, f->needs);
	}

	if (type->one_of == NULL)
		return KVL_OK;
	for (i = 0; type->one_of[i] != NULL; i++)
		if (is_given(values, n, type->one_of[i]))
			return KVL_OK;
	return kvl_error_set(err, KVL_ERR_INVALID, "%s: %s",
			     type->display_name,
			     type->rule != NULL ? _(type->rule)
				: _("a credential is missing"));
}

kvl_result kvl_conn_values_validate(const struct kvl_conn_type *type,
				    const struct kvl_field_value *values,
				    size_t n_values, bool use_key_vault,
				    struct kvl_error *err)
{
	kvl_result rc;
	size_t i;

	if (use_key_vault && !type->key_vault)
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("%s cannot take its credentials from "
				       "Key Vault; type them instead"),
				     type->display_name);

	for (i = 0; i < n_values; i++) {
		rc = check_entry(type, values, i, use_key_vault, err);
		if (rc != KVL_OK)
			return rc;
	}
	return check_rules(type, values, n_values, err);
}
