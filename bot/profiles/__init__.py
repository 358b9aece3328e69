"""Profiles: what members can teach and want to learn, their timezone, languages and bio."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.profiles import commands, personal


def register(catalog: Catalog) -> None:
    catalog.group(
        "profile",
        "What you teach and want to learn, and when you're around",
        "/profile set py Europe/Berlin",
    )
    commands.register(catalog)
    catalog.keeps_personal_data("profiles", *personal.KEPT)
