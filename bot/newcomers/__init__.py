"""Newcomers: a private welcome the first time a member talks to copbot in a community
(or joins it), with three first steps copbot tracks from what they do (a profile, a
prompt answered, a mentor or intros), shown again in `/start` and on the home tab until
done. It reads other capabilities' records only through its own port (`ports.py`)."""

from __future__ import annotations

from bot.kernel.catalog import Catalog
from bot.newcomers import personal, steps, welcome


def register(catalog: Catalog) -> None:
    steps.register(catalog)
    welcome.register(catalog)
    catalog.keeps_personal_data("newcomers", *personal.KEPT)
