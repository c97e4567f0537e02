"""Driver name → "module:Class", imported only when a provider of that driver is synced."""

from __future__ import annotations

import importlib

from cloudctl.errors import UsageError

DRIVERS: dict[str, str] = {
    "openstack": "cloudctl.providers.openstack:OpenStackDriver",
    "huawei": "cloudctl.providers.huawei:HuaweiDriver",
    "zstack": "cloudctl.providers.zstack:ZStackDriver",
}


# What each driver can change, and the server states in which its cloud refuses a tag change —
# known without importing the driver, so `cloudctl plan` stays quick. Each driver class declares
# the same in ``writes`` / ``tag_refused`` (a test keeps the two in step).
WRITES: dict[str, frozenset[str]] = {
    "openstack": frozenset({"tag", "stop", "project", "quota"}),
    "huawei": frozenset({"tag", "stop", "project"}),  # HCS: no API to set a tenant's quota
    "zstack": frozenset({"tag", "stop", "project", "quota"}),
}
TAG_REFUSED: dict[str, frozenset[str]] = {"openstack": frozenset({"error", "building"})}


def driver_class(name: str) -> type:
    try:
        ref = DRIVERS[name]
    except KeyError:
        raise UsageError(f"unknown driver {name!r}", hint=f"use one of: {', '.join(DRIVERS)}") from None
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
