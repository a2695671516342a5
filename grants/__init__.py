"""公益创投管理平台 — grant and public-interest venture competition management."""

from starlette.convertors import Convertor, register_url_convertor

__version__ = "0.1.0"


class IdConvertor(Convertor[int]):
    """A database id in a path: 1 to 18 digits, so a 30-digit "id" is simply no page (404)
    instead of an integer the database cannot hold."""

    regex = "[1-9][0-9]{0,17}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        value = int(value)
        if value <= 0:
            raise ValueError("an id is a positive whole number")
        return str(value)


register_url_convertor("id", IdConvertor())
