"""List every key vault the way a script on the Azure SDK for Python would:
subscriptions first, then each enabled subscription's vaults, one
subscription after the other, following every nextLink.

Usage: sdk_list.py CLOUD_PROFILE SANDBOX_URL

Prints the number of vaults found. The access token comes from the
sandbox's test-only POST /_sandbox/token for its default user, so no
sign-in is timed, as kvlink's own run starts with a saved sign-in. Run
it with Debian's /usr/bin/python3 and the network guard of
tests/conformance/netguard on PYTHONPATH.
"""

import json
import sys
import time
import urllib.request

from azure.core.credentials import AccessToken
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource import SubscriptionClient

USER = "avery@contoso.test"


class SandboxCredential:
    """A token credential holding one token for Resource Manager."""

    def __init__(self, base, audience):
        body = json.dumps({"principal": USER, "audience": audience})
        request = urllib.request.Request(
            base + "/_sandbox/token", data=body.encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            self._token = json.load(response)["access_token"]

    def get_token(self, *scopes, **kwargs):
        return AccessToken(self._token, int(time.time()) + 3000)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cloud = json.load(f)
    arm = cloud["resourceManager"]
    options = {"base_url": arm, "credential_scopes": [arm + "/.default"]}
    credential = SandboxCredential(sys.argv[2], arm)
    count = 0
    for sub in SubscriptionClient(credential, **options).subscriptions.list():
        if str(sub.state) not in ("Enabled", "SubscriptionState.ENABLED"):
            continue
        client = KeyVaultManagementClient(credential, sub.subscription_id,
                                          **options)
        count += sum(1 for _ in client.vaults.list_by_subscription())
    print(count)


if __name__ == "__main__":
    main()
