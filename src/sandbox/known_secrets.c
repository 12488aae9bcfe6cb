/*
 * --known-secrets: the list of every secret in the sandbox's tenant or
 * issued by it. tests/integration/no_secrets_in_logs.sh searches the
 * suite's logs and files for each. Only tests turn it on.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"

static void write_known(struct sb_sandbox *sb, const char *kind,
			const char *value)
{
	json_object *line;

	if (sb->known_secrets == NULL || value == NULL || value[0] == '\0' ||
	    json_object_object_get_ex(sb->known_seen, value, NULL))
		return;
	json_object_object_add(sb->known_seen, value, NULL);
	line = json_object_new_object();
	json_object_object_add(line, "kind", json_object_new_string(kind));
	json_object_object_add(line, "value", json_object_new_string(value));
	fprintf(sb->known_secrets, "%s\n",
		json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN |
					       JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(sb->known_secrets);
	json_object_put(line);
}

void sb_known_issued(struct sb_sandbox *sb, const char *kind,
		     const char *value)
{
	if (sb->issued == NULL)
		sb->issued = json_object_new_array();
	json_object_array_add(sb->issued, json_object_new_string(kind));
	write_known(sb, kind, value);
}

/* Notes the "value" of each item of a "secrets" array. */
static void note_secret_values(struct sb_sandbox *sb, json_object *secrets)
{
	size_t n = json_object_array_length(secrets);

	for (size_t i = 0; i < n; i++)
		write_known(sb, "secret value",
			    sb_jstr(json_object_array_get_idx(secrets, i),
				    "value"));
}

/* Walks the tenant (vaults, deleted vaults, other tenants, service
 * principals) for secret values and client secrets. */
static void walk(struct sb_sandbox *sb, json_object *node)
{
	if (json_object_is_type(node, json_type_array)) {
		size_t n = json_object_array_length(node);

		for (size_t i = 0; i < n; i++)
			walk(sb, json_object_array_get_idx(node, i));
		return;
	}
	if (!json_object_is_type(node, json_type_object))
		return;
	json_object_object_foreach(node, key, child) {
		if (strcmp(key, "clientSecret") == 0)
			write_known(sb, "client secret",
				    json_object_get_string(child));
		else if (strcmp(key, "secrets") == 0 &&
			 json_object_is_type(child, json_type_array))
			note_secret_values(sb, child);
		else
			walk(sb, child);
	}
}

void sb_known_tenant(struct sb_sandbox *sb)
{
	if (sb->known_secrets != NULL)
		walk(sb, sb->tenant);
}

int sb_known_open(struct sb_sandbox *sb)
{
	int fd;

	if (sb->opt.known_secrets == NULL)
		return 0;
	fd = open(sb->opt.known_secrets,
		  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	/* An existing file may have been created with a wider mode. */
	if (fd >= 0 && fchmod(fd, 0600) == 0)
		sb->known_secrets = fdopen(fd, "a");
	if (sb->known_secrets == NULL) {
		fprintf(stderr, "kvlink-sandbox: cannot open the known "
			"secrets file '%s': %s\n", sb->opt.known_secrets,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	sb->known_seen = json_object_new_object();
	write_known(sb, "identity header", sb->identity_header);
	sb_known_tenant(sb);
	return 0;
}

void sb_known_close(struct sb_sandbox *sb)
{
	sb_known_tenant(sb);
	if (sb->known_secrets != NULL)
		fclose(sb->known_secrets);
	sb->known_secrets = NULL;
	json_object_put(sb->known_seen);
	sb->known_seen = NULL;
	json_object_put(sb->issued);
	sb->issued = NULL;
}
