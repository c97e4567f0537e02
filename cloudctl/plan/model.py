"""A plan is a value (Terraform's habit): what to change, each change with its "before" and "after".

Computed from the inventory and a snapshot of the clouds, written to a file for review, applied
by an interpreter that checks every object's "before" again. Plain dataclasses; the file format
(``cloudctl-plan/1``) is their JSON with a checksum over the rest.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT = "cloudctl-plan/1"

# What a plan changes, in the order apply runs them on each provider: a project must exist
# before its quota is set; tags before stops, so a stopped server of a retired system is found
# by its system.
ACTIONS = ("create_project", "set_quota", "set_tag", "stop_server")
KIND_OF = {"create_project": "project", "set_quota": "quota", "set_tag": "server", "stop_server": "server"}


@dataclass
class Change:
    """One change to one object of one provider."""

    provider: str
    action: str  # one of ACTIONS
    id: str  # server id; for projects and quotas the project name
    name: str
    project: str  # project (tenant) name on the cloud
    before: dict[str, Any] | None  # None: the object does not exist yet (or its state is not known)
    after: dict[str, Any]
    reason: str  # why: the inventory record (and file:line) that asks for it
    project_id: str = ""  # the project's id on the cloud, when it exists
    system: str = ""  # the inventory system (tags and stops)
    note: str = ""  # for unsupported changes: why nothing can be done through the API

    @property
    def kind(self) -> str:
        return KIND_OF[self.action]

    @property
    def key(self) -> str:
        return f"{self.provider}/{self.kind}/{self.id}/{self.action}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Change":
        return cls(**d)


@dataclass
class Plan:
    created: str  # ISO 8601 UTC
    by: str  # user@host
    store: dict[str, Any]  # path, snapshot, snapshot_started
    inventory: dict[str, Any]  # path, digest
    providers: list[str]  # the providers this plan covers
    changes: list[Change] = field(default_factory=list)
    unsupported: list[Change] = field(default_factory=list)  # wanted, but the cloud offers no API for it
    unclaimed: list[dict[str, Any]] = field(default_factory=list)  # servers no selector claims and no known tag links
    warnings: list[str] = field(default_factory=list)
    journal: int = 0  # changes applied since the snapshot (from the audit log) taken into account
    digest: str = ""  # sha256 of the rest, set when written or read

    @property
    def snapshot(self) -> int:
        return int(self.store["snapshot"])

    def counts(self) -> dict[str, int]:
        out = {a: 0 for a in ACTIONS}
        for c in self.changes:
            out[c.action] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "created": self.created, "by": self.by, "store": self.store, "inventory": self.inventory,
            "providers": self.providers, "journal": self.journal, "changes": [c.to_dict() for c in self.changes],
            "unsupported": [c.to_dict() for c in self.unsupported], "unclaimed": self.unclaimed, "warnings": self.warnings,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Plan":
        return cls(
            created=d["created"], by=d["by"], store=d["store"], inventory=d["inventory"], providers=list(d["providers"]),
            changes=[Change.from_dict(c) for c in d["changes"]], unsupported=[Change.from_dict(c) for c in d["unsupported"]],
            unclaimed=list(d["unclaimed"]), warnings=list(d["warnings"]), journal=int(d.get("journal", 0)),
        )
