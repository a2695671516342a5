"""Reading the region tree's forms (the service checks names, levels and places)."""

from __future__ import annotations

from grants.forms import Choice, Form, Id, Text
from grants.regions.models import PARENT_LEVEL

NAME_LENGTH = 60  # as the service allows


class RegionForm(Form):
    """A new district, street or community."""

    name = Text(max_length=NAME_LENGTH)
    level = Choice(PARENT_LEVEL, required=False)  # blank: the service says it is not valid
    parent_id = Id()


class RenameForm(Form):
    name = Text(max_length=NAME_LENGTH)


class MoveForm(Form):
    parent_id = Id()


class RetireForm(Form):
    """Retire ("1") a region or make it current again ("0")."""

    retired = Choice(("0", "1"))
