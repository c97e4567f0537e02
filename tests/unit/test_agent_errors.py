"""What the agent says when it cannot start (issue #13 items 9 and 10): a taken port is exit 2
naming HOST:PORT (not an internal error), --debug exists, a missing env var points at its line,
the missing-inventory hint speaks of the agent's own config, and only the kinds the agent reads
are validated."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

import pytest

from cloudctl.agent.service import load_plan, once
from cloudctl.errors import ConfigError, InventoryError
from cloudctl.snmp.base import DictClient
from tests.unit.test_agent_helpers import UNREACHABLE, fleet_tables, write_config, write_inventory


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("TEST_SNMP_COMMUNITY", "c0mmunity-value")
    write_inventory(tmp_path / "inventory")
    return write_config(tmp_path / "agent.yaml")


def agent(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "cloudctl.agent.main", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "CLOUDCTL_LANG": "en", "TEST_SNMP_COMMUNITY": "c0mmunity-value", **(env or {})})


def test_a_taken_port_is_exit_2_naming_the_address_and_the_config_line(setup):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        setup.write_text(setup.read_text().replace("listen: 127.0.0.1:0", f"listen: 127.0.0.1:{port}"))
        proc = agent("--config", str(setup))
    assert proc.returncode == 2, proc.stderr
    assert f"address already in use: 127.0.0.1:{port}" in proc.stderr
    assert "agent.yaml:2:" in proc.stderr and "internal error" not in proc.stderr


def test_the_agent_takes_debug():
    proc = agent("--help")
    assert "--debug" in proc.stdout and "--web.config.file" in proc.stdout
    bad = agent("--config", "/nonexistent/agent.yaml", "--debug")
    assert bad.returncode == 2 and "unrecognized arguments" not in bad.stderr


def test_a_missing_env_var_in_the_agent_config_names_its_line(setup, monkeypatch):
    monkeypatch.delenv("TEST_SNMP_COMMUNITY")
    with pytest.raises(ConfigError) as exc:
        load_plan(setup)
    assert "agent.yaml:5:" in str(exc.value) and "TEST_SNMP_COMMUNITY" in str(exc.value)


def test_a_missing_inventory_is_explained_in_terms_of_the_agent_config(setup):
    setup.write_text(setup.read_text().replace("inventory: inventory", "inventory: no-such-dir"))
    with pytest.raises(ConfigError) as exc:
        load_plan(setup)
    text = str(exc.value) + exc.value.hint
    assert "agent.yaml:1:" in text and "no-such-dir" in text and "inventory:" in text
    assert "--inventory" not in text and "cloudctl.yaml" not in text


def test_a_typo_in_systems_yaml_does_not_stop_monitoring(setup):
    (setup.parent / "inventory" / "systems.yaml").write_text("systems:\n  - {id: sys-0001, name: x, departmnt: typo}\n")
    text, down, total = asyncio.run(once(setup, lambda: DictClient(fleet_tables(), UNREACHABLE)))
    assert total == 9 and b"egov_node_up" in text
    # with migration metrics the agent reads systems, so the same typo is an error again
    setup.write_text(setup.read_text() + "migration: {}\n")
    with pytest.raises(InventoryError, match="systems.yaml:2"):
        load_plan(setup)
