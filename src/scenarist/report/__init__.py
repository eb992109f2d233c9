"""Renderings of engine results: terminal tables, charts, the HTML report."""

__all__: list[str] = []
