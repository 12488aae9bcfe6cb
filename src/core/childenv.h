/*
 * The environment that kvlink hands to the programs it starts (az,
 * kvlink-sandbox): its own, without the variables that carry secrets.
 */
#ifndef KVL_CHILDENV_H
#define KVL_CHILDENV_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether the variable named name (len bytes, no "=") may carry a
 * secret: AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PASSWORD,
 * IDENTITY_HEADER, MSI_SECRET, and any name containing SECRET,
 * PASSWORD, PASSWD, TOKEN or CREDENTIAL unless it ends in _FILE, _PATH
 * or _DIR (a path, such as AZURE_FEDERATED_TOKEN_FILE).
 */
bool kvl_childenv_is_secret(const char *name, size_t len);

/*
 * Copies environ without the secret variables, as a NULL-terminated
 * array for execve(). Build it before fork(), because the child may not
 * allocate. Returns NULL when out of memory; free with
 * kvl_childenv_free().
 */
char **kvl_childenv_new(void);
void kvl_childenv_free(char **env);

#endif
