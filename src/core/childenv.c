#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/childenv.h"

extern char **environ;

static const char *const secret_names[] = {
	"AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
	"IDENTITY_HEADER", "MSI_SECRET", NULL,
};

static const char *const secret_words[] = {
	"SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", NULL,
};

static const char *const path_suffixes[] = { "_FILE", "_PATH", "_DIR", NULL };

static bool contains_word(const char *name, size_t len, const char *word)
{
	size_t word_len = strlen(word);

	for (size_t at = 0; at + word_len <= len; at++) {
		if (strncasecmp(name + at, word, word_len) == 0)
			return true;
	}
	return false;
}

static bool ends_with(const char *name, size_t len, const char *suffix)
{
	size_t suffix_len = strlen(suffix);

	return len >= suffix_len &&
	       strncasecmp(name + len - suffix_len, suffix, suffix_len) == 0;
}

bool kvl_childenv_is_secret(const char *name, size_t len)
{
	for (size_t i = 0; secret_names[i] != NULL; i++) {
		if (strlen(secret_names[i]) == len &&
		    strncasecmp(name, secret_names[i], len) == 0)
			return true;
	}
	for (size_t i = 0; path_suffixes[i] != NULL; i++) {
		if (ends_with(name, len, path_suffixes[i]))
			return false;
	}
	for (size_t i = 0; secret_words[i] != NULL; i++) {
		if (contains_word(name, len, secret_words[i]))
			return true;
	}
	return false;
}

char **kvl_childenv_new(void)
{
	size_t n = 0, kept = 0;
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (env == NULL)
		return NULL;

	/* The strings stay environ's own: only the array is new. */
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');

		if (eq == NULL ||
		    kvl_childenv_is_secret(environ[i],
					   (size_t)(eq - environ[i])))
			continue;
		env[kept++] = environ[i];
	}
	env[kept] = NULL;
	return env;
}

void kvl_childenv_free(char **env)
{
	free(env);
}
