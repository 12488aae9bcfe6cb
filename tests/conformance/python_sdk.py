"""Drive kvlink-sandbox with the Azure SDK for Python (Debian's python3-azure).

Usage: python_sdk.py CLOUD_PROFILE SANDBOX_URL PAGE_SIZE

Signs in as the sandbox's kvlink-automation app (client credentials). Then
lists subscriptions, resource groups and vaults (also through Resource
Graph), gets a vault, adds an
access policy for itself, lists that vault's secrets, PUTs another vault
with one more access policy and creates a role assignment. Each result is checked against the sandbox's own state (GET
/_sandbox/state). Prints one "ok" line per check and exits 1 at the first
failed one. The sandbox must run with --vault-ports.
"""

import json
import re
import sys
import urllib.request
import uuid

from azure.identity import ClientSecretCredential
from azure.keyvault.secrets import SecretClient
from azure.mgmt.authorization import AuthorizationManagementClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.keyvault.models import (AccessPolicyEntry, Permissions,
                                        VaultAccessPolicyParameters,
                                        VaultAccessPolicyProperties,
                                        VaultCreateOrUpdateParameters)
from azure.mgmt.resource import ResourceManagementClient, SubscriptionClient
from azure.mgmt.resourcegraph import ResourceGraphClient
from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

APP_ID = "b0000000-0000-4000-8000-0000000000b1"
APP_OBJECT_ID = "b0000000-0000-4000-8000-0000000000b2"
APP_SECRET = "sandbox-automation-secret-not-real"
CI_OBJECT_ID = "c1000000-0000-4000-8000-0000000000c1"
SUB_DEV = "22222222-2222-4222-8222-222222222222"
SECRETS_USER_ROLE = "4633458b-17de-408a-b874-0445c86b69e6"


class CheckFailed(Exception):
    """A result that differs from the sandbox's state."""


def check(description, got, expected):
    if got != expected:
        raise CheckFailed(f"{description}: got {got!r}, "
                          f"expected {expected!r}")
    print(f"ok - {description}")


def sandbox_state(base):
    """Fetch the sandbox's whole tenant; urllib reads the same CA bundle
    as the SDK through the SSL_CERT_FILE the test script sets."""
    with urllib.request.urlopen(base + "/_sandbox/state", timeout=10) as r:
        return json.load(r)


def sandbox_requests(base):
    with urllib.request.urlopen(base + "/_sandbox/requests",
                                timeout=10) as r:
        return json.load(r)


def state_vault(state, name):
    return next(v for v in state["vaults"] if v["name"] == name)


def make_credential(cloud):
    # azure-identity 1.13.0b2 accepts a custom authority (https only) and,
    # with instance_discovery=False, skips MSAL's instance discovery at
    # login.microsoftonline.com: MSAL then reads only the authority's own
    # OpenID Connect discovery document before the token request.
    return ClientSecretCredential(cloud["tenant"], APP_ID, APP_SECRET,
                                  authority=cloud["authorityHost"],
                                  instance_discovery=False)


def arm_options(cloud):
    arm = cloud["resourceManager"]
    return {"base_url": arm, "credential_scopes": [arm + "/.default"]}


def check_subscriptions(cloud, credential, state):
    client = SubscriptionClient(credential, **arm_options(cloud))
    got = {s.subscription_id: (s.display_name, s.state)
           for s in client.subscriptions.list()}
    # The app has one role assignment: Owner on the development
    # subscription, so that is the only one Resource Manager lists.
    expected = {}
    for sub in state["subscriptions"]:
        if sub["subscriptionId"] == SUB_DEV:
            expected[SUB_DEV] = (sub["displayName"], sub["state"])
    check("subscriptions listed", got, expected)


def check_resource_groups(cloud, credential, state):
    client = ResourceManagementClient(credential, SUB_DEV,
                                      **arm_options(cloud))
    got = {g.name: g.location for g in client.resource_groups.list()}
    sub = next(s for s in state["subscriptions"]
               if s["subscriptionId"] == SUB_DEV)
    expected = {g["name"]: g["location"] for g in sub["resourceGroups"]}
    check("resource groups listed", got, expected)


def check_vault_list(cloud, base, credential, state, page_size):
    client = KeyVaultManagementClient(credential, SUB_DEV,
                                      **arm_options(cloud))
    got = sorted(v.name for v in client.vaults.list_by_subscription())
    expected = sorted(v["name"] for v in state["vaults"]
                      if v["subscriptionId"] == SUB_DEV)
    check("more vaults than one page", len(expected) > page_size, True)
    check("vaults listed over every page", got, expected)

    pages = [r for r in sandbox_requests(base)["value"]
             if r["path"].endswith(
                 f"/subscriptions/{SUB_DEV}/providers/"
                 "Microsoft.KeyVault/vaults")]
    check("vault list requests (one per page)", len(pages),
          -(-len(expected) // page_size))

    # vaults.list() is what az keyvault list calls: Resource Manager's
    # generic resource list, filtered to Microsoft.KeyVault/vaults.
    generic = list(client.vaults.list())
    check("vaults in the generic resource list",
          sorted(v.name for v in generic), expected)
    check("generic resource types", {v.type for v in generic},
          {"Microsoft.KeyVault/vaults"})
    check("generic resource locations",
          {v.name: v.location for v in generic},
          {v["name"]: v["location"] for v in state["vaults"]
           if v["subscriptionId"] == SUB_DEV})

    by_group = sorted(v.name for v in
                      client.vaults.list_by_resource_group("rg-dev"))
    expected = sorted(v["name"] for v in state["vaults"]
                      if v["subscriptionId"] == SUB_DEV and
                      v["resourceGroup"] == "rg-dev")
    check("vaults of rg-dev listed", by_group, expected)


def graph_query(client, query, skip_token=None):
    options = QueryRequestOptions(result_format="objectArray",
                                  skip_token=skip_token)
    return client.resources(QueryRequest(subscriptions=[SUB_DEV],
                                         query=query, options=options))


def check_resource_graph(cloud, credential, state, page_size):
    client = ResourceGraphClient(credential, **arm_options(cloud))
    query = ("resources | where type =~ 'microsoft.keyvault/vaults' "
             "| project id, name, location | order by name asc")
    rows, pages, token = [], 0, None
    while True:
        response = graph_query(client, query, token)
        rows += response.data
        pages += 1
        token = response.skip_token
        if not token:
            break
    expected = sorted((v["name"], v["location"]) for v in state["vaults"]
                      if v["subscriptionId"] == SUB_DEV)
    check("Resource Graph vault rows", [(r["name"], r["location"])
                                        for r in rows], expected)
    check("Resource Graph pages", pages, -(-len(expected) // page_size))

    # Like Resource Graph, the sandbox pages only results that keep the
    # id column; without it the first page is all there is.
    response = graph_query(client, query.replace("project id, ",
                                                 "project "))
    check("Resource Graph without id: truncated",
          (response.result_truncated, response.skip_token),
          ("true", None))


def check_vault_get(cloud, credential, state):
    client = KeyVaultManagementClient(credential, SUB_DEV,
                                      **arm_options(cloud))
    vault = client.vaults.get("rg-dev", "kv-dev-eastus")
    want = state_vault(state, "kv-dev-eastus")
    props = vault.properties
    check("vault id", vault.id,
          f"/subscriptions/{SUB_DEV}/resourceGroups/rg-dev/providers/"
          "Microsoft.KeyVault/vaults/kv-dev-eastus")
    check("vault location", vault.location, want["location"])
    check("vault tenant", props.tenant_id, want["tenantId"])
    check("vault sku", props.sku.name, want["sku"])
    # With --vault-ports each vault has a port of its own, the way each
    # Azure vault has a host name of its own.
    check("vault uri is the root of a port",
          re.fullmatch(r"https://127\.0\.0\.1:[0-9]+/", props.vault_uri)
          is not None, True)
    check("vault RBAC flag", bool(props.enable_rbac_authorization),
          want["enableRbacAuthorization"])
    check("vault access policy object ids",
          [p.object_id for p in props.access_policies],
          [p["objectId"] for p in want["accessPolicies"]])


def check_access_policy_add(cloud, base, credential):
    client = KeyVaultManagementClient(credential, SUB_DEV,
                                      **arm_options(cloud))
    entry = AccessPolicyEntry(tenant_id=cloud["tenant"],
                              object_id=APP_OBJECT_ID,
                              permissions=Permissions(secrets=["get",
                                                               "list"]))
    params = VaultAccessPolicyParameters(
        properties=VaultAccessPolicyProperties(access_policies=[entry]))
    result = client.vaults.update_access_policy("rg-dev", "kv-dev-eastus",
                                                "add", params)
    check("access policy response type", result.type,
          "Microsoft.KeyVault/vaults/accessPolicies")

    added = [p for p in state_vault(sandbox_state(base),
                                    "kv-dev-eastus")["accessPolicies"]
             if p["objectId"] == APP_OBJECT_ID]
    check("access policy entries for the app in state", len(added), 1)
    check("access policy secret permissions in state",
          sorted(added[0]["permissions"]["secrets"]), ["get", "list"])


def check_vault_put(cloud, base, credential):
    """Change access policies the way az keyvault set-policy does: read
    the vault, add an entry and PUT the whole vault back."""
    client = KeyVaultManagementClient(credential, SUB_DEV,
                                      **arm_options(cloud))
    vault = client.vaults.get("rg-dev2", "kv-dev-eastus2")
    before = [p.object_id for p in vault.properties.access_policies]
    vault.properties.access_policies.append(AccessPolicyEntry(
        tenant_id=vault.properties.tenant_id, object_id=CI_OBJECT_ID,
        permissions=Permissions(secrets=["get", "list"])))
    params = VaultCreateOrUpdateParameters(location=vault.location,
                                           tags=vault.tags,
                                           properties=vault.properties)
    result = client.vaults.begin_create_or_update(
        "rg-dev2", "kv-dev-eastus2", params).result()
    check("PUT vault result policies",
          [p.object_id for p in result.properties.access_policies],
          before + [CI_OBJECT_ID])

    stored = state_vault(sandbox_state(base), "kv-dev-eastus2")
    check("PUT vault policies in state",
          [p["objectId"] for p in stored["accessPolicies"]],
          before + [CI_OBJECT_ID])
    check("PUT vault secret permissions in state",
          sorted(stored["accessPolicies"][-1]["permissions"]["secrets"]),
          ["get", "list"])


def check_secret_list(cloud, base, credential, state):
    arm = KeyVaultManagementClient(credential, SUB_DEV, **arm_options(cloud))
    vault_uri = arm.vaults.get("rg-dev", "kv-dev-eastus").properties.vault_uri
    # azure-keyvault-secrets 4.7 accepts a challenge only when the vault's
    # host is below the resource's host (NAME.vault.azure.net below
    # vault.azure.net). Both are 127.0.0.1 here, with different ports, so
    # the client's documented switch turns that comparison off.
    client = SecretClient(vault_uri, credential,
                          verify_challenge_resource=False)
    got = sorted(p.name for p in client.list_properties_of_secrets())
    expected = sorted(secret["name"] for secret in
                      state_vault(state, "kv-dev-eastus")["secrets"])
    check("more secrets than one page of 25", len(expected) > 25, True)
    check("secrets listed over every page", got, expected)

    calls = [(r["status"], r["caller"])
             for r in sandbox_requests(base)["value"]
             if r["path"] == "/kv/kv-dev-eastus/secrets"]
    pages = -(-len(expected) // 25)
    check("secret list calls: the challenge, then one per page", calls,
          [(401, None)] + [(200, APP_OBJECT_ID)] * pages)


def check_role_assignment(cloud, base, credential):
    client = AuthorizationManagementClient(credential, SUB_DEV,
                                           **arm_options(cloud))
    scope = (f"/subscriptions/{SUB_DEV}/resourceGroups/rg-dev/providers/"
             "Microsoft.KeyVault/vaults/kv-dev-rbac")
    name = str(uuid.uuid4())
    role = (f"/subscriptions/{SUB_DEV}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{SECRETS_USER_ROLE}")
    result = client.role_assignments.create(scope, name, {
        "role_definition_id": role,
        "principal_id": CI_OBJECT_ID,
        "principal_type": "ServicePrincipal"})
    check("role assignment name", result.name, name)
    check("role assignment scope", result.scope, scope)

    stored = [a for a in sandbox_state(base)["roleAssignments"]
              if a["name"] == name]
    check("role assignments with that name in state", len(stored), 1)
    check("role assignment scope in state", stored[0]["scope"], scope)
    check("role assignment principal in state", stored[0]["principalId"],
          CI_OBJECT_ID)
    check("role assignment role in state", stored[0]["roleDefinitionId"],
          SECRETS_USER_ROLE)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cloud = json.load(f)
    base = sys.argv[2]
    page_size = int(sys.argv[3])
    state = sandbox_state(base)
    credential = make_credential(cloud)
    try:
        check_subscriptions(cloud, credential, state)
        check_resource_groups(cloud, credential, state)
        check_vault_list(cloud, base, credential, state, page_size)
        check_resource_graph(cloud, credential, state, page_size)
        check_vault_get(cloud, credential, state)
        check_access_policy_add(cloud, base, credential)
        check_secret_list(cloud, base, credential, state)
        check_vault_put(cloud, base, credential)
        check_role_assignment(cloud, base, credential)
    except CheckFailed as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
