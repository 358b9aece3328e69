"""The schema against what the capabilities declare they keep about a member: every table
holding member data is in some kind's record (exported and erased together), every other
table says why it holds none, and every declared kind has its record."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, ForeignKeyConstraint, Integer, MetaData, Table

from bot.app import build_catalog
from storage.personal import NOT_PERSONAL, PERSONAL_TABLES, RECORDS, SEARCH_INDEX
from storage.schema import metadata

# Columns that hold a member's copbot id where the schema declares no foreign key.
MEMBER_COLUMNS = {"member_id", "mentor_id", "mentee_id", "other_id", "saved_by", "author"}
README = Path(__file__).parents[2] / "README.md"


def names_a_member(table: Table) -> bool:
    return any(
        fk.column.table.name == "members" for column in table.columns for fk in column.foreign_keys
    ) or bool(MEMBER_COLUMNS & set(table.columns.keys()))


def member_columns(table: Table) -> list[str]:
    """The columns of `table` that hold a member's copbot id (by foreign key or by name)."""
    named = {c.name for c in table.columns if c.name in MEMBER_COLUMNS}
    for key in table.foreign_key_constraints:
        if key.referred_table.name == "members":
            pairs = zip(key.columns, key.elements, strict=True)
            named |= {column.name for column, to in pairs if to.column.name == "id"}
    return sorted(named)


def unaccounted(schema: MetaData) -> list[str]:
    """Tables in no record and not declared free of member data, or declared free of it
    while a column names a member."""
    return sorted(
        name
        for name, table in schema.tables.items()
        if (name not in PERSONAL_TABLES and name not in NOT_PERSONAL)
        or (name in NOT_PERSONAL and names_a_member(table))
    )


def test_every_table_holding_member_data_is_exported_and_erased() -> None:
    assert unaccounted(metadata) == []
    assert set(PERSONAL_TABLES) - set(metadata.tables) == {SEARCH_INDEX}
    assert not set(PERSONAL_TABLES) & set(NOT_PERSONAL)


def test_the_walk_finds_a_table_nobody_declared() -> None:
    """The check above can fail: a new table with a member column, or one wrongly called
    free of member data."""
    probe = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(probe)
    Table("notes", probe, Column("community_id", Integer), Column("member_id", Integer))
    Table(
        "round_schedules_x",
        probe,
        Column("community_id", Integer),
        Column("who", Integer),
        ForeignKeyConstraint(["community_id", "who"], ["members.community_id", "members.id"]),
    )
    NOT_PERSONAL["round_schedules_x"] = "a probe"
    try:
        assert unaccounted(probe) == ["notes", "round_schedules_x"]
    finally:
        del NOT_PERSONAL["round_schedules_x"]


def test_every_declared_kind_has_its_record_and_the_readme_names_it() -> None:
    declared = {
        f"{part.capability}.{kind.name}": kind
        for part in build_catalog().personal_data
        for kind in part.kinds
    }
    assert set(declared) == set(RECORDS)
    assert [
        k for k, kind in declared.items() if kind.exported != (RECORDS[k].export is not None)
    ] == []
    policy = README.read_text(encoding="utf-8").split("## Privacy", 1)[1].split("\n## ", 1)[0]
    assert [k for k in declared if f"`{k}`" not in policy] == []


def test_every_table_but_the_communities_carries_its_community() -> None:
    """What erasing a whole community relies on (`storage.communities`)."""
    assert [
        name
        for name, table in metadata.tables.items()
        if name != "communities" and "community_id" not in table.columns
    ] == []
