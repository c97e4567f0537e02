"""Record schemas of the inventory of record (strict pass of validation).

Field meanings are documented in ``docs/inventory.md``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cloudctl.inventory.address import parse_address

ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"

Level = Literal["city", "county", "township", "village"]
Role = Literal["core", "aggregation", "access"]
ProviderName = Literal["tianhe", "huawei", "xinchuang"]
MigrationState = Literal[
    "planned", "preparing", "migrating", "migrated", "retained_on_prem", "retired", "blocked"
]
Strategy = Literal["rehost", "replatform", "refactor", "repurchase", "retire", "retain"]

# The 13 county-level areas of Lüliang (DESIGN.md).
COUNTIES = (
    "离石区", "孝义市", "汾阳市", "文水县", "交城县", "兴县", "临县",
    "柳林县", "石楼县", "岚县", "方山县", "中阳县", "交口县",
)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: str = Field(pattern=ID, description="ASCII id, unique within its kind")


class Site(Record):
    """A place on the administrative ladder: city → county (县/市/区) → township (乡/镇/街道) → village (行政村)."""

    name: str = Field(min_length=1, description="Chinese name")
    level: Level
    parent: str | None = Field(None, pattern=ID, description="id of the site one level up; none for the city")
    pinyin: str | None = Field(None, description="Romanized name")
    division_code: str | None = Field(None, pattern=r"^\d{6,12}$", description="Administrative division code")
    synthetic: bool = Field(False, description="Generated placeholder, not a real place name")

    @model_validator(mode="after")
    def _parent_by_level(self) -> "Site":
        if self.level == "city" and self.parent is not None:
            raise ValueError("a city has no parent")
        if self.level != "city" and self.parent is None:
            raise ValueError(f"a {self.level} needs a parent site")
        return self


class Node(Record):
    """An e-government extranet node (电子政务外网节点) polled over SNMP."""

    site: str = Field(pattern=ID)
    role: Role
    address: str = Field(description="Management address: IPv4, IPv6, 'a.b.c.d:port' or '[v6]:port'")
    snmp: str = Field(pattern=ID, description="Name of an SNMP profile in the agent config")
    vendor: str | None = None
    model: str | None = None
    uplink_mbps: int = Field(gt=0, description="Expected uplink speed, Mbit/s")
    uplink_interface: str | None = Field(None, description="ifName or ifAlias of the uplink, when not the fastest up interface")

    @field_validator("address")
    @classmethod
    def _address(cls, v: str) -> str:
        parse_address(v)  # raises ValueError with a readable message
        return v


class StateChange(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: dt.date
    state: MigrationState
    note: str | None = None


class Migration(BaseModel):
    """Where a system is in its move to the cloud (上云迁移)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    state: MigrationState
    wave: str | None = Field(None, pattern=ID)
    strategy: Strategy | None = None
    target_provider: ProviderName | None = None
    target_tenant: str | None = Field(None, pattern=ID)
    history: list[StateChange] = Field(default_factory=list)


class ServerSelector(BaseModel):
    """Which cloud servers belong to a system: one server by id, or a name glob in one project."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    provider: ProviderName
    id: str | None = Field(None, min_length=1, description="The server's id on its cloud")
    project: str | None = Field(None, min_length=1, description="Project (tenant) name on the cloud")
    name: str | None = Field(None, min_length=1, description="Glob on the server name: * ? [abc]")

    @model_validator(mode="after")
    def _one_form(self) -> "ServerSelector":
        if self.id is not None and (self.project is not None or self.name is not None):
            raise ValueError("give either id, or project and name (a glob) — not both")
        if self.id is None and (self.project is None or self.name is None):
            raise ValueError("a selector needs id, or both project and name (a glob)")
        return self

    def describe(self) -> str:
        return f"{self.provider}/{self.id}" if self.id else f"{self.provider}/{self.project}/{self.name}"


class Quota(BaseModel):
    """Limits a tenant's project is meant to have on its cloud (per project)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instances: int | None = Field(None, ge=0, description="Servers")
    vcpus: int | None = Field(None, ge=0, description="Virtual CPUs")
    ram_mb: int | None = Field(None, ge=0, description="Memory, MiB")
    volumes: int | None = Field(None, ge=0, description="Volumes (disks)")
    volume_gb: int | None = Field(None, ge=0, description="Volume capacity, GiB")

    @model_validator(mode="after")
    def _some(self) -> "Quota":
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("a quota names at least one of instances, vcpus, ram_mb, volumes, volume_gb")
        return self

    def limits(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if v is not None}


class System(Record):
    """A government information system (政务信息系统)."""

    name: str = Field(min_length=1)
    department: str = Field(min_length=1, description="Owning department (委办局)")
    county: str | None = Field(None, pattern=ID, description="County site id for county systems; none for city-level")
    classified: bool = Field(description="涉密: never on the cloud")
    mlps_level: int = Field(ge=1, le=4, description="等保 level (MLPS 2.0)")
    deployment: Literal["on_prem", "cloud"]
    provider: ProviderName | None = None
    tenant: str | None = Field(None, pattern=ID)
    xinchuang: bool = Field(False, description="Runs on the domestic 信创 stack")
    network: Literal["extranet", "private", "internet"] = Field("extranet", description="private = a department 专网")
    go_live: dt.date
    dr_backup: bool = Field(False, description="Has disaster-recovery backup (容灾备份)")
    migration: Migration | None = None
    servers: list[ServerSelector] = Field(default_factory=list, description="The cloud servers that belong to the system")

    @model_validator(mode="after")
    def _cloud_fields(self) -> "System":
        if self.deployment == "cloud" and (self.provider is None or self.tenant is None):
            raise ValueError("a cloud deployment needs provider and tenant")
        if self.deployment == "on_prem" and (self.provider is not None or self.tenant is not None):
            raise ValueError("provider/tenant are only for deployment: cloud (put targets under migration)")
        return self


class Tenant(Record):
    """A department's project on one of the clouds (租户)."""

    department: str = Field(min_length=1)
    provider: ProviderName
    project: str = Field(min_length=1, description="Project name in the cloud")
    quota: Quota | None = Field(None, description="Limits the project is meant to have")


class Wave(Record):
    """A migration wave (迁移批次)."""

    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date
    status: Literal["planned", "active", "done"]

    @model_validator(mode="after")
    def _dates(self) -> "Wave":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


KINDS: dict[str, type[Record]] = {
    "sites": Site,
    "nodes": Node,
    "systems": System,
    "tenants": Tenant,
    "waves": Wave,
}
REQUIRED_KINDS = ("sites", "nodes", "systems", "tenants")
