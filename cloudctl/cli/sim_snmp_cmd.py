"""Placeholder: registers its commands on cloudctl.cli.sim_cmd.app when implemented."""
