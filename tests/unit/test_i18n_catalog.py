"""The message catalog: every key of every area in both languages, with the same {fields}."""

from __future__ import annotations

import importlib
import pkgutil
import re
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


# -- one language at a time, with Chinese punctuation in Chinese text (#13 item 13) -----------------

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# zh entries that are rightly Latin: terms a Chinese operator reads as they are.
LATIN_TERMS = {"ID", "MTU"}


def _prose(text: str) -> str:
    """The words of a message: without {fields}, `commands`, URLs and paths."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\{[^}]*\}", " ", text)
    return re.sub(r"(?:https?://|/)\S+", " ", text)


def punctuation_problems(zh: str) -> list[str]:
    """ASCII punctuation where Chinese text wants the full-width one (，：；！？（）。)."""
    prose = _prose(zh)
    if not CJK.search(prose):
        return []
    bad = [m.group() for m in re.finditer(r"[,;!?()]", prose)]
    # A colon is ASCII only inside a token (env:NAME, 10:30, file:line); a period only between
    # Latin letters or digits (1.5, v1.2).
    bad += [f"{m.group()} in …{prose[max(0, m.start() - 6):m.end() + 3]}…" for m in re.finditer(r"[:.](?![\w/])|(?<![\w/])[:.]", prose)]
    return bad


def untranslated(zh: str, en: str) -> bool:
    """A zh text with no Chinese that is not a term, a field or a command."""
    prose = _prose(zh).strip()
    return not CJK.search(prose) and bool(re.search(r"[A-Za-z]{2,}", prose)) and prose not in LATIN_TERMS


def test_every_zh_message_is_chinese_with_chinese_punctuation():
    problems = {}
    for key, entry in i18n.MESSAGES.items():
        zh = entry["zh"]
        found = punctuation_problems(zh)
        if untranslated(zh, entry["en"]):
            found.append("not translated")
        if found:
            problems[key] = (zh, found)
    assert problems == {}


def test_the_checks_catch_what_they_are_for():
    assert punctuation_problems("同步完成: 快照 {snapshot}") == [": in …同步完成: 快照…"]
    assert punctuation_problems("新增 {added}, 删除 {removed}") == [","]
    assert punctuation_problems("IPv6(在线节点中)") == ["(", ")"]
    assert punctuation_problems("请改用 env:NAME 或 file:PATH（见 `cloudctl config check`）") == []
    assert untranslated("literal secret in config file", "literal secret in config file")
    assert not untranslated("ID", "id") and not untranslated("{path}", "{path}")


def _declared_columns() -> dict[str, set[str]]:
    """Column names the CLI modules pass to render(): 3rd arguments and lists assigned to *col* names."""
    import ast
    from pathlib import Path

    found: dict[str, set[str]] = {}
    for path in sorted((Path(i18n.__file__).resolve().parent.parent / "cli").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lists: list[ast.AST] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "render" and len(node.args) >= 3:
                lists.append(node.args[2])
            elif isinstance(node, ast.Assign) and any("col" in getattr(t, "id", "").lower() for t in node.targets):
                lists.append(node.value)
        for value in lists:
            for sub in ast.walk(value):
                if isinstance(sub, ast.List):
                    names = {e.value for e in sub.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
                    found.setdefault(path.name, set()).update(names)
    return found


def test_every_column_a_command_declares_has_a_header_in_both_languages():
    """A new command's columns need `col.<field>` entries, or zh tables show English headers."""
    from cloudctl.inventory import lookup

    declared = _declared_columns()
    declared["inventory/lookup.py"] = {c for cols in lookup.DEFAULT_COLUMNS.values() for c in cols}
    assert "provider" in declared["cloud_cmd.py"] and "numerator" in declared["migrate_cmd.py"]
    missing = {f: sorted(c for c in cols if f"col.{c}" not in i18n.MESSAGES) for f, cols in declared.items()}
    assert {f: m for f, m in missing.items() if m} == {}
