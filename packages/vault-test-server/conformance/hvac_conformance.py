#!/usr/bin/env python3
"""Drive the Vault test server with hvac, an independent Vault client (Debian's python3-hvac).

Reads VAULT_ADDR and VAULT_TOKEN (and, for the seal scenario, VAULT_UNSEAL_KEY) from the
environment, as printed by the package's `vault-test-server` CLI. Each scenario talks to the
server only through hvac's public API; a scenario passes when every call succeeds and every
answer has the shape Vault's API docs describe. Prints one PASS/FAIL line per scenario and exits
non-zero when any scenario fails.

Run it through run-hvac.sh, which starts and stops the server.
"""

import base64
import os
import sys
import traceback
import uuid

import hvac
from hvac import exceptions

ADDR = os.environ["VAULT_ADDR"]
TOKEN = os.environ["VAULT_TOKEN"]
UNSEAL_KEY = os.environ.get("VAULT_UNSEAL_KEY", "")


def new_client(token=TOKEN):
    return hvac.Client(url=ADDR, token=token)


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:8])


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


def expect_raises(error_type, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except error_type:
        return
    raise AssertionError("expected %s from %s" % (error_type.__name__, call.__name__))


def scenario_health():
    client = new_client()
    health = client.sys.read_health_status(method="GET")
    expect(health["initialized"] is True and health["sealed"] is False, "health: %r" % health)
    expect(isinstance(health["version"], str) and health["version"], "health has a version")
    expect(client.sys.is_initialized() is True, "sys/init reports initialized")
    seal = client.sys.read_seal_status()
    expect(seal["type"] == "shamir" and seal["sealed"] is False, "seal status: %r" % seal)
    leader = client.sys.read_leader_status()
    expect(leader["ha_enabled"] is False and "leader_address" in leader, "leader: %r" % leader)
    key_status = client.sys.get_encryption_key_status()
    expect(key_status["data"]["term"] == 1, "key status: %r" % key_status)


def scenario_kv_v2_versions():
    client = new_client()
    path = unique("hvac/app")
    kv = client.secrets.kv.v2
    first = kv.create_or_update_secret(path=path, secret={"password": "one"})
    expect(first["data"]["version"] == 1, "first write is version 1")
    kv.create_or_update_secret(path=path, secret={"password": "two"}, cas=1)
    latest = kv.read_secret_version(path=path)
    expect(latest["data"]["data"] == {"password": "two"}, "latest: %r" % latest["data"])
    expect(latest["data"]["metadata"]["version"] == 2, "latest is version 2")
    old = kv.read_secret_version(path=path, version=1)
    expect(old["data"]["data"] == {"password": "one"}, "version 1: %r" % old["data"])
    metadata = kv.read_secret_metadata(path=path)["data"]
    expect(metadata["current_version"] == 2, "metadata current_version")
    expect(sorted(metadata["versions"].keys()) == ["1", "2"], "metadata versions")
    expect_raises(exceptions.InvalidRequest, kv.create_or_update_secret, path=path, secret={"x": 1}, cas=1)
    kv.delete_metadata_and_all_versions(path=path)
    expect_raises(exceptions.InvalidPath, kv.read_secret_version, path=path)


def scenario_token_lifecycle():
    client = new_client()
    created = client.auth.token.create(policies=["default"], ttl="1h")
    token = created["auth"]["client_token"]
    expect(created["auth"]["lease_duration"] == 3600, "created ttl: %r" % created["auth"])
    looked_up = client.auth.token.lookup(token)["data"]
    expect(looked_up["policies"] == ["default"], "lookup policies")
    expect(0 < looked_up["ttl"] <= 3600, "lookup ttl")
    renewed = client.auth.token.renew(token, increment="2h")
    expect(renewed["auth"]["lease_duration"] == 7200, "renewed: %r" % renewed["auth"])
    self_lookup = new_client(token).auth.token.lookup_self()["data"]
    expect(self_lookup["accessor"] == looked_up["accessor"], "lookup-self matches")
    client.auth.token.revoke(token)
    expect_raises(exceptions.Forbidden, new_client(token).auth.token.lookup_self)


def scenario_token_roles():
    client = new_client()
    role = unique("role")
    client.auth.token.create_or_update_role(role, allowed_policies=["default"], orphan=True)
    read = client.auth.token.read_role(role)["data"]
    expect(read["name"] == role and read["orphan"] is True, "role: %r" % read)
    expect(role in client.auth.token.list_roles()["data"]["keys"], "role listed")
    created = client.auth.token.create(role_name=role)
    expect(created["auth"]["orphan"] is True, "role token is an orphan")
    client.auth.token.delete_role(role)
    expect_raises(exceptions.InvalidPath, client.auth.token.read_role, role)


def scenario_approle_login():
    client = new_client()
    mount = unique("approle")
    client.sys.enable_auth_method("approle", path=mount)
    client.auth.approle.create_or_update_approle("web", token_policies=["default"], token_ttl="1h", mount_point=mount)
    role_id = client.auth.approle.read_role_id("web", mount_point=mount)["data"]["role_id"]
    secret_id = client.auth.approle.generate_secret_id("web", mount_point=mount)["data"]["secret_id"]
    login = client.auth.approle.login(role_id, secret_id, use_token=False, mount_point=mount)
    expect(login["auth"]["lease_duration"] == 3600, "approle login: %r" % login["auth"])
    expect("default" in login["auth"]["policies"], "approle policies")
    expect(new_client(login["auth"]["client_token"]).is_authenticated(), "approle token works")
    expect_raises(exceptions.InvalidRequest, client.auth.approle.login, role_id, "wrong", use_token=False, mount_point=mount)


def scenario_userpass_login():
    client = new_client()
    mount = unique("userpass")
    client.sys.enable_auth_method("userpass", path=mount)
    client.auth.userpass.create_or_update_user("alice", "s3cret-pass", policies=["default"], mount_point=mount)
    login = client.auth.userpass.login("alice", "s3cret-pass", use_token=False, mount_point=mount)
    expect(login["auth"]["metadata"] == {"username": "alice"}, "userpass metadata: %r" % login["auth"])
    expect(new_client(login["auth"]["client_token"]).is_authenticated(), "userpass token works")
    expect_raises(exceptions.InvalidRequest, client.auth.userpass.login, "alice", "wrong", use_token=False, mount_point=mount)


def scenario_transit():
    client = new_client()
    mount = unique("transit")
    client.sys.enable_secrets_engine("transit", path=mount)
    client.secrets.transit.create_key("orders", mount_point=mount)
    plaintext = base64.b64encode(b"order #42").decode()
    encrypted = client.secrets.transit.encrypt_data("orders", plaintext, mount_point=mount)
    ciphertext = encrypted["data"]["ciphertext"]
    expect(ciphertext.startswith("vault:v1:"), "ciphertext: %r" % ciphertext)
    decrypted = client.secrets.transit.decrypt_data("orders", ciphertext, mount_point=mount)
    expect(decrypted["data"]["plaintext"] == plaintext, "round trip")


def scenario_sys_lists():
    client = new_client()
    mounts = client.sys.list_mounted_secrets_engines()
    expect("secret/" in mounts["data"] and mounts["secret/"]["type"] == "kv", "secret/ is listed")
    auths = client.sys.list_auth_methods()
    expect(auths["data"]["token/"]["type"] == "token", "token/ is listed")
    name = unique("hvac-policy")
    hcl = 'path "secret/data/hvac/*" {\n  capabilities = ["read"]\n}\n'
    client.sys.create_or_update_policy(name, hcl)
    policies = client.sys.list_policies()
    expect(name in policies["data"]["policies"] and policies["policies"][-1] == "root", "policies: %r" % policies)
    expect(client.sys.read_policy(name)["rules"] == hcl, "read_policy rules")
    client.sys.delete_policy(name)
    expect(name not in client.sys.list_policies()["data"]["policies"], "policy deleted")
    generic = unique("generic")
    client.sys.enable_secrets_engine("generic", path=generic)
    expect(client.sys.read_mount_configuration(generic)["data"]["max_lease_ttl"] > 0, "generic mount tune")


def scenario_leases():
    client = new_client()
    mount = unique("aws")
    client.sys.enable_secrets_engine("aws", path=mount)
    client.secrets.aws.configure_root_iam_credentials("AKIAHVACHVACHVACHVAC", "hvac-secret", region="eu-west-1", mount_point=mount)
    client.secrets.aws.configure_lease("1h", "3h", mount_point=mount)
    client.secrets.aws.create_or_update_role(
        "deploy", "iam_user", policy_arns=["arn:aws:iam::aws:policy/ReadOnlyAccess"], mount_point=mount
    )
    creds = client.secrets.aws.generate_credentials("deploy", mount_point=mount)
    lease_id = creds["lease_id"]
    expect(lease_id.startswith("%s/creds/deploy/" % mount), "lease id: %r" % lease_id)
    expect(creds["renewable"] is True and creds["lease_duration"] == 3600, "lease: %r" % creds)
    lookup = client.sys.read_lease(lease_id)["data"]
    expect(lookup["id"] == lease_id and lookup["renewable"] is True, "lookup: %r" % lookup)
    listed = client.sys.list_leases("%s/creds/deploy/" % mount)["data"]["keys"]
    expect(lease_id.rsplit("/", 1)[1] in listed, "listed: %r" % listed)
    renewed = client.sys.renew_lease(lease_id, increment=1800)
    expect(renewed["lease_id"] == lease_id and renewed["lease_duration"] == 1800, "renewed: %r" % renewed)
    client.sys.revoke_lease(lease_id)
    expect_raises(exceptions.InvalidRequest, client.sys.read_lease, lease_id)


def scenario_audit():
    client = new_client()
    path = unique("audit")
    client.sys.enable_audit_device("file", path=path, options={"file_path": "discard"})
    devices = client.sys.list_enabled_audit_devices()
    expect(devices["data"]["%s/" % path]["type"] == "file", "audit device listed: %r" % devices)
    hashed = client.sys.calculate_hash(path, "my-secret-vault")
    expect(hashed["data"]["hash"].startswith("hmac-sha256:"), "hash: %r" % hashed)
    client.sys.disable_audit_device(path)
    expect("%s/" % path not in client.sys.list_enabled_audit_devices()["data"], "audit device disabled")


def scenario_seal_unseal():
    if not UNSEAL_KEY:
        raise AssertionError("VAULT_UNSEAL_KEY is not set")
    client = new_client()
    client.sys.seal()
    expect(client.sys.is_sealed() is True, "sealed after sys/seal")
    expect_raises(exceptions.VaultDown, client.secrets.kv.v2.read_secret_version, path="anything")
    status = client.sys.submit_unseal_key(UNSEAL_KEY)
    expect(status["sealed"] is False, "unsealed: %r" % status)
    expect(client.sys.is_sealed() is False, "unsealed again")


SCENARIOS = [
    scenario_health,
    scenario_kv_v2_versions,
    scenario_token_lifecycle,
    scenario_token_roles,
    scenario_approle_login,
    scenario_userpass_login,
    scenario_transit,
    scenario_sys_lists,
    scenario_leases,
    scenario_audit,
    scenario_seal_unseal,
]


def main():
    print("hvac %s against %s" % (getattr(hvac, "__version__", "?"), ADDR))
    failures = 0
    for scenario in SCENARIOS:
        name = scenario.__name__[len("scenario_"):]
        try:
            scenario()
        except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
            failures += 1
            print("FAIL %s: %s: %s" % (name, type(error).__name__, error))
            traceback.print_exc(limit=3, file=sys.stdout)
        else:
            print("PASS %s" % name)
    print("%d of %d scenarios passed" % (len(SCENARIOS) - failures, len(SCENARIOS)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
