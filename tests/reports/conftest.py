"""Service tests read refusals in English (the pages choose the locale per request)."""

from collections.abc import Iterator

import pytest

from grants import i18n


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    token = i18n.current_locale.set("en")
    yield
    i18n.current_locale.reset(token)
