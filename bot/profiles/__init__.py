"""Profiles: what members can teach and want to learn, their timezone, languages and bio."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.profiles import commands, personal


def register(catalog: Catalog) -> None:
    commands.register(catalog)
    catalog.keeps_personal_data("profiles", *personal.KEPT)
