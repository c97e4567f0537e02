"""Policy checks: a small declarative language over the inventory, the store and config files.

``run_check(paths, inv, store)`` loads ``policies/*.yaml`` (two-phase validation, every problem
with ``file:line:col``), evaluates each policy, applies waivers and returns a
:class:`CheckResult`; ``cloudctl.policy.formats`` renders it as text, JSON, JUnit, GitHub
annotations or SARIF.
"""

from cloudctl.policy.check import CheckResult, Skipped, Violation, run_check
from cloudctl.policy.loader import PolicySet, load_policies
from cloudctl.policy.model import SEVERITIES

__all__ = ["CheckResult", "PolicySet", "SEVERITIES", "Skipped", "Violation", "load_policies", "run_check"]
