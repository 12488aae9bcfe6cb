/* Microsoft Graph: finding a service principal by its application id. */
#ifndef KVL_GRAPH_H
#define KVL_GRAPH_H

#include <json-c/json.h>

#include "core/azure.h"
#include "core/result.h"

/* Application id of Dynamics 365 AI for Customer Insights. */
#define KVL_CI_APP_ID "0bfc4568-a4ba-4c58-bd3e-5d3e76bd7fff"

struct kvl_service_principal {
	char *object_id;	/* Graph "id" */
	char *app_id;
	char *display_name;
};

/* Parses a servicePrincipals list body; KVL_ERR_NOT_FOUND when empty. */
kvl_result kvl_graph_parse_service_principals(json_object *body,
					      struct kvl_service_principal *out,
					      struct kvl_error *err)
	KVL_NODISCARD;

/*
 * GET /v1.0/servicePrincipals?$filter=appId eq '<app_id>' in tenant.
 * KVL_ERR_NOT_FOUND when the tenant has no such service principal.
 */
kvl_result kvl_graph_find_service_principal(struct kvl_azure *az,
					    const char *tenant,
					    const char *app_id,
					    struct kvl_service_principal *out,
					    struct kvl_error *err)
	KVL_NODISCARD;
void kvl_service_principal_clear(struct kvl_service_principal *sp);

#endif
