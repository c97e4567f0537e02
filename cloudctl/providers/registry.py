"""Driver name → "module:Class", imported only when a provider of that driver is synced."""

from __future__ import annotations

import importlib

from cloudctl.errors import UsageError

DRIVERS: dict[str, str] = {
    "openstack": "cloudctl.providers.openstack:OpenStackDriver",
    "huawei": "cloudctl.providers.huawei:HuaweiDriver",
    "zstack": "cloudctl.providers.zstack:ZStackDriver",
}


def driver_class(name: str) -> type:
    try:
        ref = DRIVERS[name]
    except KeyError:
        raise UsageError(f"unknown driver {name!r}", hint=f"use one of: {', '.join(DRIVERS)}") from None
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)
