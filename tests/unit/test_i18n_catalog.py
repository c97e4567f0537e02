"""The message catalog: every key of every area in both languages, with the same {fields}."""

from __future__ import annotations

import importlib
import pkgutil
import string

import pytest

import cloudctl.i18n as i18n


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _areas() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(i18n.__path__) if m.name.startswith("catalog_"))


@pytest.mark.parametrize("area", _areas())
def test_every_key_has_zh_and_en_with_the_same_fields(area):
    messages = importlib.import_module(f"cloudctl.i18n.{area}").MESSAGES
    assert messages, f"{area}: an empty catalog"
    for key, entry in messages.items():
        assert set(entry) == {"zh", "en"}, f"{area}: {key} has {sorted(entry)}"
        assert entry["zh"].strip() and entry["en"].strip(), f"{area}: {key} has an empty text"
        assert _fields(entry["zh"]) == _fields(entry["en"]), f"{area}: {key} fields differ"


@pytest.mark.parametrize("area", _areas())
def test_area_keys_carry_the_area_prefix_and_are_merged(area):
    messages = importlib.import_module(f"cloudctl.i18n.{area}").MESSAGES
    prefix = area.removeprefix("catalog_") + "."
    assert all(k.startswith(prefix) for k in messages), f"{area}: keys must start with {prefix!r}"
    assert all(i18n.MESSAGES[k] == v for k, v in messages.items())


def test_core_keys_have_both_languages():
    from cloudctl.i18n.catalog import CORE

    for key, entry in CORE.items():
        assert set(entry) == {"zh", "en"} and _fields(entry["zh"]) == _fields(entry["en"]), key


def test_report_texts_used_in_code_exist_in_the_catalog():
    """Every literal ``t("report....")`` key in the report and demo code is in the catalog."""
    import re
    from pathlib import Path

    root = Path(i18n.__file__).resolve().parent.parent
    files = list((root / "report").glob("*.py")) + [root / "cli" / "report_cmd.py", root / "cli" / "demo_cmd.py"]
    used = set()
    for f in files:
        assert f.exists(), f"{f} moved: update this list of files that render the report"
        used |= set(re.findall(r"""t\(\s*["'](report\.[a-z0-9_.]*[a-z0-9_])["']""", f.read_text(encoding="utf-8")))
    assert used, "the report code uses the catalog"
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert not missing, missing


def test_report_keys_built_from_data_exist_for_every_value():
    from cloudctl.inventory.schema import Wave
    from cloudctl.report.model import SOURCES
    from cloudctl.report.systems import SEVERITIES

    statuses = Wave.model_fields["status"].annotation.__args__
    keys = [f"report.severity.{s}" for s in SEVERITIES] + [f"report.wave.{s}" for s in statuses]
    keys += [f"report.source.{s}" for s in SOURCES] + ["report.reason.no_node", "report.reason.node_down"]
    assert not [k for k in keys if k not in i18n.MESSAGES]


def test_language_follows_the_locale_and_set_language():
    assert i18n.detect_language({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.detect_language({"LANG": "en_US.UTF-8"}) == "en"
    assert i18n.detect_language({"LC_ALL": "zh_TW", "LANG": "en_US"}) == "zh"
    assert i18n.t("report.title", "zh") == "吕梁市数字政府建设指标报告"
    assert i18n.t("report.written", "en", path="x.html") == "report written to x.html"
