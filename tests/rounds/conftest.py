"""Fixtures for the round tests: an organiser logged in, and a BeautifulSoup helper."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup

from tests import factories


def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def errors_of(response: Any) -> list[str]:
    """The field errors and alerts shown on a page."""
    page = soup(response)
    return [e.get_text(" ", strip=True) for e in page.select(".field-error, .flash-error li")]


@pytest.fixture
def organiser(client: Any, session: Any) -> Any:
    user = factories.user(session, "organiser", username="boss")
    session.commit()
    client.login("boss")
    return user
