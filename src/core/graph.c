#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/graph.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/sanitize.h"
#include "i18n.h"

void kvl_service_principal_clear(struct kvl_service_principal *sp)
{
	free(sp->object_id);
	free(sp->app_id);
	free(sp->display_name);
	memset(sp, 0, sizeof(*sp));
}

kvl_result kvl_graph_parse_service_principals(json_object *body,
					      struct kvl_service_principal *out,
					      struct kvl_error *err)
{
	json_object *items = kvl_json_path(body, "value"), *first;

	memset(out, 0, sizeof(*out));
	if (items == NULL || !json_object_is_type(items, json_type_array))
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("Graph's service principal list has no "
				       "\"value\" array"));
	if (json_object_array_length(items) == 0)
		return kvl_error_set(err, KVL_ERR_NOT_FOUND,
				     _("no service principal matches"));
	first = json_object_array_get_idx(items, 0);
	out->object_id = kvl_json_strdup(first, "id");
	if (out->object_id == NULL)
		return kvl_error_set(err, KVL_ERR_PARSE,
				     _("Graph returned a service principal "
				       "without an id"));
	out->app_id = kvl_json_strdup(first, "appId");
	out->display_name = kvl_sanitize(kvl_json_str(first, "displayName"));
	return KVL_OK;
}

/* Only a GUID is accepted, because other text could change the filter. */
static bool guid_like(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++) {
		if (!isxdigit((unsigned char)s[n]) && s[n] != '-')
			return false;
	}
	return n == 36;
}

static char *service_principal_url(const struct kvl_azure *az,
				   const char *app_id)
{
	struct kvl_buf url, filter;

	kvl_buf_init(&url);
	kvl_buf_init(&filter);
	kvl_buf_addf(&filter, "appId eq '%s'", app_id);
	kvl_buf_addf(&url, "%s/v1.0/servicePrincipals?$filter=",
		     az->cloud.microsoft_graph);
	if (filter.data != NULL)
		kvl_buf_add_urlencoded(&url, filter.data);
	kvl_buf_adds(&url, "&$select=id,appId,displayName");
	kvl_buf_clear(&filter);
	return kvl_buf_detach(&url);
}

kvl_result kvl_graph_find_service_principal(struct kvl_azure *az,
					    const char *tenant,
					    const char *app_id,
					    struct kvl_service_principal *out,
					    struct kvl_error *err)
{
	json_object *body = NULL;
	const char *token;
	char *url = NULL;
	kvl_result res;

	memset(out, 0, sizeof(*out));
	if (app_id == NULL || !guid_like(app_id))
		return kvl_error_set(err, KVL_ERR_INVALID,
				     _("'%s' is not an application id (a "
				       "GUID)"),
				     app_id ? app_id : "");
	res = kvl_azure_graph_token(az, tenant, &token, err);
	if (res != KVL_OK)
		return res;
	url = service_principal_url(az, app_id);
	if (url == NULL)
		return kvl_error_set(err, KVL_ERR_NOMEM, _("out of memory"));
	kvl_sink_progress(az->sink, _("Looking up the service principal"));
	res = kvl_http_json(az->http, "GET", url, token, NULL,
			    _("find the service principal of the app"), &body,
			    err);
	if (res == KVL_OK)
		res = kvl_graph_parse_service_principals(body, out, err);
	if (res == KVL_ERR_NOT_FOUND && err->http_status == 0) {
		kvl_error_set(err, res, _("application %s has no service "
					  "principal in tenant %s; an "
					  "administrator must add it "
					  "(Enterprise applications) first"),
			      app_id, tenant ? tenant : "of the sign-in");
		kvl_error_operation(err, _("find service principal"));
	}
	json_object_put(body);
	free(url);
	return res;
}
