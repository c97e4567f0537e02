"""cloudctl-agent: polls extranet nodes over SNMP and exports Prometheus metrics.

Nothing under this package imports Typer or Rich: the agent stays small and starts fast.
"""
