"""The policy file schema (strict pass of validation): policies, conditions, waivers.

A policy file is a mapping with ``policies:`` and/or ``waivers:``. The language is documented in
``docs/policies.md``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, Union

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

ID = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
Severity = Literal["critical", "high", "medium", "low"]
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")  # most severe first
OPERATORS: tuple[str, ...] = ("==", "!=", "in", "<", "<=", ">", ">=", "exists", "regex", "before", "after")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Compare(Strict):
    """``{field: F, op: OP, value: V}``; ``value`` is optional for ``exists`` (default true)."""

    field: str = Field(min_length=1)
    op: str  # checked against OPERATORS in the semantic pass, to say which operators exist
    value: Any = None


class And(Strict):
    and_: list["Condition"] = Field(alias="and", min_length=1)


class Or(Strict):
    or_: list["Condition"] = Field(alias="or", min_length=1)


class Not(Strict):
    not_: "Condition" = Field(alias="not")


def _branch(v: Any) -> str:
    if isinstance(v, dict):
        for key in ("and", "or", "not"):
            if key in v:
                return key
    return "compare"


# The branch is chosen by the key present, so an error names one shape, not all four.
Condition = Annotated[
    Union[Annotated[Compare, Tag("compare")], Annotated[And, Tag("and")], Annotated[Or, Tag("or")], Annotated[Not, Tag("not")]],
    Discriminator(_branch),
]


class Ratio(Strict):
    """A KPI: among records matching ``denominator``, the share also matching ``numerator``."""

    of: str = Field(description="record kind counted, e.g. system")
    denominator: list[Condition] = Field(default_factory=list)
    numerator: list[Condition] = Field(min_length=1)


class Rationale(Strict):
    zh: str = Field(min_length=1, description="the plan's sentence, quoted verbatim")
    en: str = Field(min_length=1)
    source: str = Field(min_length=1, description="where in the plan")


class Policy(Strict):
    id: str = Field(pattern=ID)
    title: Text
    severity: Severity
    resource: str
    filters: list[Condition] = Field(default_factory=list, description="all must match: a matching record violates")
    ratio: Ratio | None = None
    target: float | None = Field(None, ge=0, le=1)
    effective: dt.date | None = Field(None, description="checked from this date on")
    rationale: Rationale
    remediation: Text

    @model_validator(mode="after")
    def _kpi_shape(self) -> "Policy":
        if self.resource == "kpi":
            if self.ratio is None or self.target is None:
                raise ValueError("a kpi policy needs 'ratio' and 'target'")
            if self.filters:
                raise ValueError("a kpi policy has no 'filters' (put them in ratio.numerator/denominator)")
        elif self.ratio is not None or self.target is not None:
            raise ValueError("'ratio' and 'target' are only for resource: kpi")
        elif not self.filters:
            raise ValueError("a policy needs 'filters' (the records matching all of them violate it)")
        return self


class Waiver(Strict):
    """An exception (豁免): these records do not count against this policy until ``expires``."""

    policy: str = Field(pattern=ID)
    records: list[str] = Field(min_length=1)
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date


class PolicyFile(Strict):
    policies: list[Policy] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)


for _m in (And, Or, Not, Ratio, Policy, PolicyFile):
    _m.model_rebuild()
