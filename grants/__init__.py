"""公益创投管理平台 — grant and public-interest venture competition management."""

__version__ = "0.1.0"
