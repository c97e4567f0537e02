"""Plan files: written atomically and durably, read back only when they are exactly what ``plan`` wrote,
for the same store and inventory.

The file is the plan's JSON with ``digest`` = sha256 of its canonical form. A hand edit or a cut
file fails the check (exit 2, saying which); so do a plan made from another store or another
inventory, and one older than the store's latest snapshot (unless the operator says
``--allow-stale-plan``). The digest detects accidents and edits, not a forger who recomputes it;
who applied what is in the audit log.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from cloudctl.errors import PlanFileError
from cloudctl.inventory.loader import kind_files
from cloudctl.inventory.schema import KINDS
from cloudctl.plan.model import FORMAT, Plan

HINT_REPLAN = "run `cloudctl plan --out PLAN.json` again and apply the new file"


def _canonical(d: dict[str, Any]) -> bytes:
    return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest_of(d: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(_canonical({k: v for k, v in d.items() if k != "digest"})).hexdigest()


def inventory_digest(root: str | os.PathLike[str]) -> str:
    """sha256 over every inventory file (relative path and bytes), in a fixed order."""
    root = Path(root)
    h = hashlib.sha256()
    for kind in KINDS:
        for f in kind_files(root, kind):
            h.update(str(f.relative_to(root)).encode() + b"\0")
            h.update(f.read_bytes() + b"\0")
    return "sha256:" + h.hexdigest()


def write(plan: Plan, path: str | os.PathLike[str]) -> str:
    """Write the plan (temp file, fsync, rename, fsync the directory); returns its digest."""
    d = plan.to_dict()
    plan.digest = d["digest"] = digest_of(d)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".plan-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(d, f, ensure_ascii=False, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)
    return plan.digest


def read(path: str | os.PathLike[str]) -> Plan:
    """The plan in ``path``, or :class:`PlanFileError` saying why it cannot be trusted."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanFileError(f"no plan file at {path}", hint="write one with `cloudctl plan --out PLAN.json`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"cannot read the plan file {path}: {exc}") from None
    try:
        d = json.loads(text)
    except ValueError as exc:
        raise PlanFileError(f"{path}:{exc.lineno}:{exc.colno}: the plan file is truncated or not JSON ({exc.msg})", hint=HINT_REPLAN) from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise PlanFileError(f"{path}: not a cloudctl plan (format {d.get('format') if isinstance(d, dict) else None!r}, expected {FORMAT})",
                            hint=HINT_REPLAN)
    if d.get("digest") != digest_of(d):
        raise PlanFileError(f"{path}: the plan was changed after `cloudctl plan` wrote it (its digest does not match)",
                            hint="never edit a plan by hand: change the inventory and " + HINT_REPLAN.removeprefix("run "))
    try:
        plan = Plan.from_dict(d)
    except (KeyError, TypeError, ValueError) as exc:
        raise PlanFileError(f"{path}: the plan is not in the expected shape ({exc})", hint=HINT_REPLAN) from None
    plan.digest = d["digest"]
    return plan


def store_identity(store) -> str:  # noqa: ANN001 - a cloudctl.store.Store
    """What names a store in a plan: the SQLite file's absolute path, or the PostgreSQL URL as displayed (no password)."""
    where = store.path
    return str(Path(where).resolve()) if isinstance(where, Path) else str(where)


def check(plan: Plan, *, store, inventory_dir: Path, allow_stale: bool) -> None:  # noqa: ANN001 - a cloudctl.store.Store
    """Refuse a plan from another store or inventory, or (unless allowed) one older than the latest snapshot."""
    mine = store_identity(store)
    snapshots = store.snapshots()
    if plan.store.get("path") != mine:
        raise PlanFileError(f"the plan was made against another store ({plan.store.get('path')}); this store is {mine}",
                            hint="pass the same --store (or config) as for `cloudctl plan`, or " + HINT_REPLAN.removeprefix("run "))
    sid = plan.snapshot
    snap = next((s for s in snapshots if s.id == sid), None)
    if snap is None or snap.started != plan.store.get("snapshot_started"):
        raise PlanFileError(f"the plan was made against snapshot {sid} of another store at {mine} "
                            f"(started {plan.store.get('snapshot_started')}; here: {snap.started if snap else 'no such snapshot'})",
                            hint=HINT_REPLAN)
    digest = inventory_digest(inventory_dir)
    if plan.inventory.get("digest") != digest:
        raise PlanFileError(f"the plan was made from another inventory, or the inventory changed since "
                            f"(plan: {plan.inventory.get('path')} {plan.inventory.get('digest', '')[:19]}…; now: {inventory_dir} {digest[:19]}…)",
                            hint=HINT_REPLAN)
    latest = max((s.id for s in snapshots if "ok" in s.providers.values()), default=sid)
    if latest > sid and not allow_stale:
        raise PlanFileError(f"the plan is stale: made against snapshot {sid}, the store's latest snapshot is {latest}",
                            hint=HINT_REPLAN + " (or pass --allow-stale-plan: each change is still checked against the cloud before it is made)")
