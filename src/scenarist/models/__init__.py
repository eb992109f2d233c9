"""Models shipped with Scenarist (data files)."""

__all__: list[str] = []
