"""Config discovery, validation with file:line, and secrets that never leak."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

PLANTED = "S3cr3t-planted-9f2c"  # a value that must never appear in any output

GOOD = f"""\
inventory: inv
store: state/store.db
providers:
  tianhe:
    driver: openstack
    display_name: 天河政务云
    auth_url: https://keystone.tianhe.example:5000/v3
    username: ops
    password: env:TIANHE_PASSWORD
    project: lvliang-ops
  huawei:
    driver: huawei
    region: cn-north-lvliang-1
    project_id: 0a1b2c3d
    ak: env:HW_AK
    sk: file:hw_sk.txt
  xinchuang:
    driver: zstack
    endpoint: https://zstack.xc.example:8080
    account: admin
    password: {PLANTED}
"""


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An isolated cwd and user config dir."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("CLOUDCTL_CONFIG", raising=False)
    monkeypatch.setenv("TIANHE_PASSWORD", PLANTED)
    monkeypatch.setenv("HW_AK", "AKPLANTED")
    (tmp_path / "hw_sk.txt").write_text(PLANTED + "\n")
    return tmp_path


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _source(cli) -> str:
    code, out, err = cli("config", "show", "-o", "json")
    assert code == 0, err
    return json.loads(out)["source"]


def test_discovery_order(cli, home, monkeypatch):
    user = _write(home / "xdg" / "cloudctl" / "config.yaml", "lang: en\n")
    assert _source(cli) == str(user)
    local = _write(home / "cloudctl.yaml", "lang: en\n")
    assert _source(cli) == str(local)
    env = _write(home / "env.yaml", "lang: en\n")
    monkeypatch.setenv("CLOUDCTL_CONFIG", str(env))
    assert _source(cli) == str(env)
    explicit = _write(home / "explicit.yaml", "lang: en\n")
    code, out, _ = cli("--config", str(explicit), "config", "show", "-o", "json")
    assert json.loads(out)["source"] == str(explicit)


def test_defaults_without_any_file(cli, home):
    code, out, err = cli("config", "show", "-o", "json")
    assert code == 0
    data = json.loads(out)
    assert data["source"] is None
    assert data["inventory"] == str(home / "inventory")
    assert data["store"].endswith("store.db")


def test_missing_explicit_config_is_an_error(cli, home):
    code, _, err = cli("--config", "nope.yaml", "config", "check")
    assert code == 2
    assert "nope.yaml: config file given by --config does not exist" in err


def test_relative_paths_resolve_against_the_config_file(cli, home):
    cfg = _write(home / "etc" / "cloudctl.yaml", GOOD)
    code, out, _ = cli("--config", str(cfg), "config", "show", "-o", "json")
    data = json.loads(out)
    assert data["inventory"] == str(home / "etc" / "inv")
    assert data["store"] == str(home / "etc" / "state" / "store.db")


def test_show_redacts_every_secret_and_warns_on_literals(cli, home):
    cfg = _write(home / "cloudctl.yaml", GOOD)
    for fmt in ("json", "yaml"):
        code, out, err = cli("config", "show", "-o", fmt)
        assert code == 0
        assert PLANTED not in out + err
        assert "AKPLANTED" not in out + err
        assert out.count("<secret>") == 4  # password, ak, sk, password
        assert f"{cfg.name}:21:15: providers.xinchuang.password: literal secret in config file" in err


def test_check_resolves_references(cli, home, monkeypatch):
    _write(home / "cloudctl.yaml", GOOD)
    code, _, err = cli("config", "check")
    assert code == 0, err
    monkeypatch.delenv("TIANHE_PASSWORD")
    code, _, err = cli("config", "check")
    assert code == 2
    assert "providers.tianhe.password: environment variable TIANHE_PASSWORD is not set" in err
    assert PLANTED not in err


@pytest.mark.parametrize(
    ("edit", "where", "message"),
    [
        (("    project: lvliang-ops\n", "    project: lvliang-ops\n    colour: blue\n"), ":11:5", "providers.tianhe.colour: unknown field 'colour'"),
        (("driver: zstack", "driver: vmware"), ":18:5", "providers.xinchuang: Input tag 'vmware' found using 'driver' does not match any of the expected tags"),
        (("    ak: env:HW_AK\n", ""), ":12:5", "providers.huawei: AK/SK auth needs both ak and sk"),
        (("store: state/store.db", "store: [a, b]"), ":2:8", "store: Input should be a valid string"),
        (("  tianhe:\n", "  tianhe:\n  tianhe:\n"), ":5:3", "providers: duplicate key 'tianhe' (first at line 4)"),
    ],
    ids=["unknown field", "unknown driver", "incomplete auth", "wrong type", "duplicate key"],
)
def test_invalid_config_exit_2_with_location(cli, home, edit, where, message):
    text = GOOD.replace(*edit)
    assert text != GOOD
    _write(home / "cloudctl.yaml", text)
    code, out, err = cli("config", "check")
    assert code == 2
    assert f"cloudctl.yaml{where}: {message}" in err, err
    assert PLANTED not in out + err
    assert "Traceback" not in err


def test_wrong_typed_secret_is_not_echoed(cli, home):
    _write(home / "cloudctl.yaml", GOOD.replace(f"password: {PLANTED}", f"password: [{PLANTED}]"))
    code, out, err = cli("config", "check")
    assert code == 2
    assert "providers.xinchuang.password" in err
    assert PLANTED not in out + err


def test_secret_repr_never_reveals(home):
    from cloudctl.config import load

    cfg = load(str(_write(home / "cloudctl.yaml", GOOD))).config
    assert PLANTED not in repr(cfg) and PLANTED not in str(cfg.model_dump())
    assert cfg.providers["xinchuang"].password.reveal() == PLANTED
    assert PLANTED not in os.environ.get("NOTHING", "")


def test_redact_hides_every_resolvable_secret_value_in_a_foreign_message(monkeypatch, tmp_path):
    from cloudctl.secrets import Secret, redact

    monkeypatch.setenv("REDACT_COMMUNITY", "abc")
    (tmp_path / "key").write_text("abc-longer-key\n")
    secrets = [Secret("env:REDACT_COMMUNITY"), Secret("file:key", tmp_path), None,
               Secret("env:REDACT_UNSET_VARIABLE")]
    text = "refused community abc, key abc-longer-key"
    assert redact(text, secrets) == "refused community <secret>, key <secret>"  # the longer value is not half-shown


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ({"driver": "openstack", "auth_url": "https://k/v3"}, "give either username+password or application_credential_id+application_credential_secret"),
        ({"driver": "openstack", "auth_url": "https://k/v3", "username": "u", "password": "env:P", "application_credential_id": "a"},
         "give either username+password or application_credential_id+application_credential_secret"),
        ({"driver": "openstack", "auth_url": "https://k/v3", "application_credential_id": "a"},
         "application credential auth needs both application_credential_id and application_credential_secret"),
        ({"driver": "huawei", "region": "r", "project_id": "p", "username": "u", "password": "env:P"},
         "IAM token auth needs username, password and domain"),
        ({"driver": "zstack", "endpoint": "http://z", "account": "admin"}, "session auth needs both account and password"),
    ],
    ids=["none", "two methods", "half of one", "huawei iam without domain", "zstack without password"],
)
def test_each_provider_takes_exactly_one_complete_auth_method(provider, message):
    from pydantic import ValidationError

    from cloudctl.config import Config

    with pytest.raises(ValidationError) as ei:
        Config.model_validate({"providers": {"p": provider}})
    assert message in str(ei.value)


def test_check_warns_about_a_provider_the_inventory_cannot_name(cli, home):
    """The inventory names its clouds tianhe, huawei and xinchuang (systems' provider, tenants,
    selectors). A provider configured under another name synced fine, but plan, migrate and the
    policies silently treated its servers as nobody's: `config check` said the config was valid."""
    _write(home / "cloudctl.yaml", GOOD.replace("  xinchuang:\n", "  xc-prod:\n"))
    code, _, err = cli("--lang", "en", "config", "check")
    assert code == 0, err
    assert "cloudctl.yaml:17:3: providers.xc-prod: not one of the inventory's clouds (tianhe, huawei, xinchuang)" in err, err
    code, _, err = cli("--lang", "zh", "config", "check")
    assert code == 0 and "providers.xc-prod：不是清单中的云平台（tianhe，huawei，xinchuang）" in err, err
    _write(home / "cloudctl.yaml", GOOD)
    code, _, err = cli("--lang", "en", "config", "check")
    assert code == 0 and "inventory's clouds" not in err
