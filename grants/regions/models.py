"""The region hierarchy: district (区) → street (街道) → community (社区)."""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

PARENT_LEVEL = {"district": None, "street": "district", "community": "street"}


class Region(SQLModel, table=True):
    __tablename__ = "region"
    __table_args__ = (UniqueConstraint("parent_id", "name", name="uq_region_parent_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=60)
    level: str = Field(max_length=12, index=True)
    parent_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    # A retired region (merged, renamed by the government …) is kept for the records that name
    # it, but new organisations cannot be placed in it.
    retired: bool = Field(default=False)
