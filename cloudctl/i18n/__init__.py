"""One message catalog for what operators read, in zh_CN and en.

``t("key", **fields)`` returns the message in the active language. The language comes from
``set_language()`` (``--lang``, config ``lang:``) or else the locale (``LC_ALL``, ``LC_MESSAGES``,
``LANG``): Chinese when it starts with ``zh``, English otherwise. The catalog lives in
``catalog.py`` as plain data so lookups cost nothing at start-up; a test checks every key has
both languages and the same ``{fields}``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cloudctl.i18n.catalog import MESSAGES

LANGS = ("zh", "en")
_active: str | None = None


def detect_language(environ: dict[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    for var in ("CLOUDCTL_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def set_language(lang: str | None) -> None:
    global _active
    if lang is not None and lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    _active = lang


def language() -> str:
    return _active or detect_language()


def t(key: str, lang: str | None = None, **fields: object) -> str:
    """The message ``key`` in ``lang`` (default: the active language), formatted with ``fields``."""
    entry = MESSAGES[key]
    text = entry[lang or language()]
    return text.format(**fields) if fields else text


def both(key: str, **fields: object) -> str:
    """``中文 / English`` for the few lines every operator must understand (error headers)."""
    zh, en = t(key, "zh", **fields), t(key, "en", **fields)
    return zh if zh == en else f"{zh} / {en}"


@dataclass(frozen=True)
class Message:
    """A catalog message not yet put into words: libraries return these, renderers choose the language."""

    key: str
    fields: dict[str, object] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        return t(self.key, lang, **self.fields)
