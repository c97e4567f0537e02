"""Migration tracking (上云迁移): systems ↔ cloud evidence, wave progress, the plan's KPIs.

Everything works from the inventory alone; pass a store (anything with
``resources(kind="server")``) to use real cloud evidence (servers tagged ``system-id``).
"""

from cloudctl.migration.findings import Finding, findings
from cloudctl.migration.kpis import Kpi, kpis
from cloudctl.migration.progress import GROUPINGS, WaveProgress, state_of, status, wave_progress

__all__ = ["Finding", "GROUPINGS", "Kpi", "WaveProgress", "findings", "kpis", "state_of", "status", "wave_progress"]
