"""Pure analysis engines: a compiled model and keyword options in, a frozen result out."""

__all__: list[str] = []
