"""``cloudctl demo`` as a library: start the simulators, sync, check, poll, report (``run.py``);
the child processes are owned by ``procs.Children``, which always stops them."""

from cloudctl.demo.procs import Children
from cloudctl.demo.run import STEPS, DemoOptions, DemoResult, Step, run_demo

__all__ = ["STEPS", "Children", "DemoOptions", "DemoResult", "Step", "run_demo"]
