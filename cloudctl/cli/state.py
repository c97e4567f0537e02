"""Global options shared by every command (``--config``, ``--debug``, ``--lang``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from cloudctl.config import LoadedConfig


@dataclass
class ListingOptions:
    """The options every record-printing command shares (see cloudctl.cli.options.with_listing_options)."""

    columns: str | None = None
    out: Path | None = None
    excel_bom: bool = False


@dataclass
class Globals:
    config_path: str | None = None
    debug: bool = False
    lang: str | None = None
    listing: ListingOptions = field(default_factory=ListingOptions)
    _loaded: "LoadedConfig | None" = field(default=None, repr=False)

    def config(self) -> "LoadedConfig":
        """The effective config, loaded once; literal-secret warnings go to stderr."""
        if self._loaded is None:
            from cloudctl import config as cfgmod
            from cloudctl.cli.output import warn

            self._loaded = cfgmod.load(self.config_path)
            for w in self._loaded.warnings:
                warn(str(w))
            if self.lang is None and self._loaded.config.lang:
                from cloudctl import i18n

                i18n.set_language(self._loaded.config.lang)
        return self._loaded


# The one instance for this process. The CLI boundary resets it per invocation (tests call
# main() many times in one process).
current = Globals()
