"""--help in Chinese under zh (#13 item 13): every command, group, option and argument, and click's words."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import typer

from cloudctl.cli.docgen import commands
from cloudctl.cli.help_zh import key, translate, wrap
from cloudctl.cli.main import app
from cloudctl.i18n.help_text import HELP
from tests.unit.test_i18n_catalog import CJK, punctuation_problems, untranslated
from tests.unit.test_output_options import english_phrase

PATHS = [path.split()[1:] for path, _, _ in commands()]
CLICK_WORDS = ("Usage:", "Options:", "Commands:", "Arguments:", "Show this message", "[default:", "[required]")


def _help_texts(root) -> set[str]:
    texts = set()
    for _, cmd, ctx in commands(root):
        texts |= {key(t) for t in (cmd.help, cmd.short_help, cmd.epilog) if t}
        texts |= {key(p.help) for p in cmd.get_params(ctx) if getattr(p, "help", None)}
    return texts


def test_every_help_text_has_a_translation():
    assert translate(typer.main.get_command(app)) == []


def test_every_translation_is_of_a_help_text_in_use():
    unused = sorted(set(HELP) - _help_texts(typer.main.get_command(app)))
    assert unused == [], "translations of help no command has (its English changed?)"


def test_a_new_command_without_a_translation_is_reported():
    extra = typer.Typer(add_completion=False)

    @extra.command()
    def frobnicate(level: int = typer.Option(1, help="How hard to frobnicate.")) -> None:
        """Frobnicate the fleet."""

    @extra.command()
    def validate() -> None:
        """Validate every inventory file; report every problem as file:line:col (exit 2 if any).

        Checks YAML syntax and duplicate keys, then each record against its schema, then
        references (node.site, system.tenant, ...), unique ids and addresses.

        Example:  cloudctl inventory validate inventory/
        """

    missing = translate(typer.main.get_command(extra))
    assert missing == ["cloudctl frobnicate: Frobnicate the fleet.", "cloudctl frobnicate level: How hard to frobnicate."]


def test_every_translation_is_chinese_with_chinese_punctuation():
    problems = {}
    for en, zh in HELP.items():
        found = punctuation_problems(zh)
        if untranslated(zh, en) or not CJK.search(zh.split("\n\n")[0]):
            found.append("not translated")
        if found:
            problems[en] = (zh, found)
    assert problems == {}


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "cloudctl")
def test_zh_help_is_chinese(cli, path):
    code, out, err = cli("--lang", "zh", *path, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"用法：cloudctl {' '.join(path)}".rstrip() + " ")
    description = out.split("\n\n")[1]
    assert CJK.search(description), description
    examples = [line for line in out.splitlines() if line.strip().startswith("示例：")]
    english = [line for line in out.splitlines()[1:] if english_phrase(line) and line not in examples]  # 1: the usage line
    assert english == []
    assert [w for w in CLICK_WORDS if w in out] == []


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "cloudctl")
def test_zh_help_shows_the_example_as_written(cli, path):
    cmd = next(cmd for p, cmd, _ in commands() if p.split()[1:] == path)
    example = re.search(r"^\s*Example:\s+(\S.*?)\s*$", cmd.help, re.M).group(1)
    _, out, _ = cli("--lang", "zh", *path, "--help")
    assert f"示例：  {example}" in [line.strip() for line in out.splitlines()]


def test_zh_under_a_chinese_locale_too(cli, monkeypatch):
    monkeypatch.setenv("CLOUDCTL_LANG", "zh_CN.UTF-8")
    _, out, _ = cli("inventory", "--help")
    assert out.startswith("用法：cloudctl inventory") and "校验、汇总和查询登记在册的清单" in out


def test_en_help_is_untouched_by_a_zh_run_before_it(cli):
    before = cli("--lang", "en", "ls", "--help")
    cli("--lang", "zh", "ls", "--help")
    assert cli("--lang", "en", "ls", "--help") == before
    assert before[1].startswith("Usage: cloudctl ls") and not CJK.search(before[1].split("Options:")[1])


def test_a_usage_error_under_zh_shows_a_chinese_usage_line(cli):
    code, _, err = cli("--lang", "zh", "ls", "--no-such-option")
    assert code == 2 and err.startswith("用法：cloudctl ls [OPTIONS] {kind}\n")


def test_options_without_a_command_under_zh_is_a_chinese_usage_error(cli):
    code, _, err = cli("--lang", "zh")
    assert (code, err.splitlines()) == (2, ["用法：cloudctl [OPTIONS] COMMAND [ARGS]...", "错误：缺少命令", "提示：用 `cloudctl --help` 查看用法"])


def test_english_help_does_not_load_the_chinese_catalog():
    probe = (
        "import sys\n"
        "from cloudctl.cli.main import main\n"
        "main(['--lang', 'en', '--help']); main(['--lang', 'en', 'inventory', '--help'])\n"
        "print([m for m in ('cloudctl.cli.help_zh', 'cloudctl.i18n.help_text') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "[]"


def test_wrap_counts_a_chinese_character_as_two_columns_and_keeps_words_whole():
    assert wrap("一二三四五六七八九十", 10) == "一二三四五\n六七八九十"
    assert wrap("写入 sqlite:///path 或文件。", 14) == "写入\nsqlite:///path\n或文件。"
    assert wrap("甲乙丙丁，戊己", 8) == "甲乙丙\n丁，戊己"  # a comma never starts a line
    assert wrap("示例：  cloudctl sync --wait 10m", 10) == "示例：  cloudctl sync --wait 10m"
