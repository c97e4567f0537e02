"""agent.yaml: strict validation with file:line, secrets as references, exit 2 without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cloudctl.agent import config as agent_config
from cloudctl.agent.config import parse_duration
from cloudctl.errors import ConfigError
from tests.unit.test_agent_helpers import write_config, write_inventory


def run_agent(*args: str, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cloudctl.agent.main", *args],
        capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})},
    )


def test_the_design_example_is_valid(tmp_path):
    p = tmp_path / "agent.yaml"
    p.write_text(
        "inventory: ../inventory\nlisten: 127.0.0.1:9877\ninterval: 60s\nprofiles:\n"
        "  v3-default: {version: 3, user: egov, auth_protocol: sha256, auth_key: \"env:SNMP_AUTH\",\n"
        "               priv_protocol: aes128, priv_key: \"env:SNMP_PRIV\"}\n"
        "  lab: {version: 2c, community: \"env:SNMP_COMMUNITY\"}\n"
    )
    loaded = agent_config.load(p)
    cfg = loaded.config
    assert cfg.interval == 60 and loaded.static_interval == 600
    assert loaded.inventory_dir == tmp_path / "../inventory"
    assert cfg.profiles["v3-default"].auth_protocol == "sha256"
    assert str(cfg.profiles["lab"].community) == "<secret>"
    assert str(cfg.shard) == "1/1"
    assert loaded.warnings == []


@pytest.mark.parametrize(
    ("snippet", "line", "words"),
    [
        ("interval: soon\n", 4, "duration"),
        ("shard: 3/2\n", 4, "between 1 and n"),
        ("colour: blue\n", 4, "unknown field 'colour'"),
        ("listen: nowhere\n", 4, "host:port"),
        ("concurrency: 0\n", 4, "greater than or equal to 1"),
    ],
)
def test_bad_values_are_located(tmp_path, snippet, line, words):
    p = tmp_path / "agent.yaml"
    p.write_text("inventory: inv\nprofiles:\n  lab: {version: 2c, community: \"env:C\"}\n" + snippet)
    with pytest.raises(ConfigError) as exc:
        agent_config.load(p)
    assert f"agent.yaml:{line}:" in str(exc.value)
    assert words in str(exc.value)


def test_bad_profile_names_its_line_and_never_echoes_the_secret(tmp_path):
    p = tmp_path / "agent.yaml"
    p.write_text("inventory: inv\nprofiles:\n  core:\n    version: 3\n    user: egov\n    auth_protocol: sha1\n"
                 "    auth_key: hunter2-auth\n    priv_protocol: aes128\n    priv_key: hunter2-priv\n")
    with pytest.raises(ConfigError) as exc:
        agent_config.load(p)
    text = str(exc.value)
    assert "agent.yaml:6:" in text and "auth_protocol" in text
    assert "hunter2" not in text


def test_unknown_snmp_version_is_one_clear_problem(tmp_path):
    p = tmp_path / "agent.yaml"
    p.write_text("inventory: inv\nprofiles:\n  lab: {version: 1, community: public}\n")
    with pytest.raises(ConfigError) as exc:
        agent_config.load(p)
    assert "version must be 2c or 3" in str(exc.value) and "agent.yaml:3:" in str(exc.value)


def test_literal_secret_is_accepted_with_a_warning(tmp_path):
    p = tmp_path / "agent.yaml"
    p.write_text("inventory: inv\nprofiles:\n  lab: {version: 2c, community: public}\n")
    loaded = agent_config.load(p)
    assert [w.field for w in loaded.warnings] == ["profiles.lab.community"]


def test_durations():
    assert parse_duration("500ms") == 0.5
    assert parse_duration("5m") == 300
    assert parse_duration(2) == 2.0
    with pytest.raises(ValueError):
        parse_duration("-1s")


def test_invalid_config_exits_2_with_file_line_and_no_traceback(tmp_path):
    p = tmp_path / "agent.yaml"
    p.write_text("inventory: inv\nlisten: 127.0.0.1:0\nprofiles:\n  lab: {version: 2c, community: \"env:C\", retries: many}\n")
    r = run_agent("--config", str(p), "--once")
    assert r.returncode == 2, r.stderr
    assert f"{p}:4:" in r.stderr
    assert "Traceback" not in r.stderr


def test_node_with_an_undefined_profile_is_reported_at_the_inventory_line(tmp_path):
    write_inventory(tmp_path / "inventory", profile="nope")
    p = write_config(tmp_path / "agent.yaml")
    r = run_agent("--config", str(p), "--once", env={"TEST_SNMP_COMMUNITY": "x"})
    assert r.returncode == 2
    assert "nodes.yaml:" in r.stderr and "profile 'nope'" in r.stderr
    assert "Traceback" not in r.stderr


def test_unresolvable_secret_exits_2_naming_the_reference_not_a_value(tmp_path):
    write_inventory(tmp_path / "inventory")
    p = write_config(tmp_path / "agent.yaml", community="env:NOT_SET_ANYWHERE_42")
    env = {k: v for k, v in os.environ.items() if k != "NOT_SET_ANYWHERE_42"}
    r = subprocess.run([sys.executable, "-m", "cloudctl.agent.main", "--config", str(p), "--once"], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 2
    assert "NOT_SET_ANYWHERE_42" in r.stderr and "profiles.lab.community" in r.stderr


def test_unknown_county_filter_is_a_config_error(tmp_path):
    write_inventory(tmp_path / "inventory")
    p = write_config(tmp_path / "agent.yaml", extra="counties: [lishi, atlantis]\n")
    r = run_agent("--config", str(p), "--once", env={"TEST_SNMP_COMMUNITY": "x"})
    assert r.returncode == 2 and "atlantis" in r.stderr


def test_agent_does_not_import_typer_or_rich():
    code = "import sys, cloudctl.agent.main, cloudctl.agent.service; print(sorted(m for m in ('typer','rich','click') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
