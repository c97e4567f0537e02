"""What a policy can look at: per resource kind, the fields and their types.

Inventory kinds take their fields from the record schemas (``migration.state`` reaches into the
nested block) plus a few derived fields that need the whole inventory (a county's core uplink)
or the store (a system's servers). Cloud kinds take the fields of :class:`cloudctl.model.Resource`
and ``extra.NAME``. ``secret`` is one secret-holding field of a config file in the repository.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass

from pydantic import BaseModel

from cloudctl.inventory.schema import Migration, Node, Site, System, Tenant, Wave
from cloudctl.model import KINDS as CLOUD_KINDS
from cloudctl.model import Resource


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str  # bool | int | float | str | date | any
    choices: tuple[str, ...] = ()
    doc: str = ""
    unknown: str | None = None  # the value meaning "cannot be determined here" (records not verified)

    @property
    def ordered(self) -> bool:
        return self.type in ("int", "float", "date")


def _from_annotation(name: str, ann: object, doc: str = "") -> FieldSpec:
    args = typing.get_args(ann)
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        ann = next(a for a in args if a is not type(None))
        args = typing.get_args(ann)
    if typing.get_origin(ann) is typing.Literal:
        return FieldSpec(name, "str", tuple(str(a) for a in args), doc)
    simple = {bool: "bool", int: "int", float: "float", str: "str", dt.date: "date"}
    return FieldSpec(name, simple.get(ann, "any"), (), doc)  # type: ignore[arg-type]


def _model_fields(model: type[BaseModel], prefix: str = "") -> dict[str, FieldSpec]:
    out = {}
    for fname, info in model.model_fields.items():
        if fname in ("migration", "history"):
            continue
        out[prefix + fname] = _from_annotation(prefix + fname, info.annotation, info.description or "")
    return out


def _dataclass_fields(cls: type) -> dict[str, FieldSpec]:
    hints = typing.get_type_hints(cls)
    return {f.name: _from_annotation(f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.name != "extra"}


DERIVED: dict[str, dict[str, FieldSpec]] = {
    "system": {
        "cloud_vms": FieldSpec("cloud_vms", "int", doc="live servers tagged system-id=<id> in the store (absent without a store)"),
        "on_cloud": FieldSpec("on_cloud", "bool", doc="has a live server in the store; without a store: deployment == cloud"),
        "on_xinchuang": FieldSpec("on_xinchuang", "bool", doc="xinchuang: true, or a live server on a provider with platform: xinchuang "
                                  "(without a store: provider == xinchuang) — as migrate kpis counts it"),
        "migration.history_count": FieldSpec("migration.history_count", "int", doc="entries in migration.history"),
    },
    "node": {
        "county": FieldSpec("county", "str", doc="county site id above the node's site"),
        "site_level": FieldSpec("site_level", "str", ("city", "county", "township", "village")),
        "snmp_version": FieldSpec("snmp_version", "str", ("1", "2c", "3", "unknown"),
                                  "version: of the node's SNMP profile in the agent configs that poll it (unknown: none defines it)"),
        "snmp_community": FieldSpec("snmp_community", "str", ("public", "other", "unresolved"),
                                    "the profile's community, resolved: public (the well-known value), other, or unresolved "
                                    "(an env:/file: reference that does not resolve where the check runs); absent for v3",
                                    unknown="unresolved"),
        "snmp_community_ref": FieldSpec("snmp_community_ref", "str", doc="the community as written: env:NAME, file:PATH or <literal>"),
        "snmp_profile_defined": FieldSpec("snmp_profile_defined", "bool", doc="an agent config that polls the node defines the profile"),
        "snmp_auth_protocol": FieldSpec("snmp_auth_protocol", "str", ("md5", "sha", "sha224", "sha256", "sha384", "sha512"),
                                        "SNMPv3 authentication of the node's profile (absent for v1/v2c and undefined profiles)"),
        "snmp_priv_protocol": FieldSpec("snmp_priv_protocol", "str", ("des", "aes128", "aes192", "aes256", "aes192c", "aes256c"),
                                        "SNMPv3 privacy of the node's profile (absent without privacy)"),
    },
    "site": {
        "county": FieldSpec("county", "str", doc="county site id at or above this site"),
        "core_nodes": FieldSpec("core_nodes", "int", doc="core nodes at or below this site"),
        "core_uplink_max_mbps": FieldSpec("core_uplink_max_mbps", "int", doc="fastest expected uplink of those core nodes"),
    },
}

_INVENTORY: dict[str, dict[str, FieldSpec]] = {
    "system": {**_model_fields(System), **_model_fields(Migration, "migration."), **DERIVED["system"]},
    "node": {**_model_fields(Node), **DERIVED["node"]},
    "site": {**_model_fields(Site), **DERIVED["site"]},
    "tenant": _model_fields(Tenant),
    "wave": _model_fields(Wave),
}
SECRET_FIELDS: dict[str, FieldSpec] = {
    "file": FieldSpec("file", "str", doc="config file, as given"),
    "field": FieldSpec("field", "str", doc="dotted path of the field, e.g. providers[0].password"),
    "key": FieldSpec("key", "str", doc="the field's own name"),
    "kind": FieldSpec("kind", "str", ("env", "file", "literal"), "env:NAME, file:PATH, or a literal value"),
}
_CLOUD = {
    **_dataclass_fields(Resource),
    "system_known": FieldSpec("system_known", "bool", doc="the system-id tag names a system in the inventory"),
}

INVENTORY_KINDS = tuple(_INVENTORY)
RESOURCE_KINDS: tuple[str, ...] = (*INVENTORY_KINDS, "secret", *CLOUD_KINDS, "kpi")


def fields_of(resource: str) -> dict[str, FieldSpec]:
    """The fields a policy on ``resource`` may name (``kpi`` policies name those of ``ratio.of``)."""
    if resource in _INVENTORY:
        return _INVENTORY[resource]
    if resource == "secret":
        return SECRET_FIELDS
    if resource in CLOUD_KINDS:
        return _CLOUD
    raise KeyError(resource)


def lookup(resource: str, name: str) -> FieldSpec | None:
    """The spec of ``name``; ``extra.X`` of a cloud kind is any-typed."""
    specs = fields_of(resource)
    if name in specs:
        return specs[name]
    if resource in CLOUD_KINDS and name.startswith("extra.") and len(name) > 6:
        return FieldSpec(name, "any")
    return None
