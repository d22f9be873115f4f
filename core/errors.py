"""The project's error for an unusable setting, naming the control it belongs to."""

from __future__ import annotations

__all__ = ["ParameterError"]


class ParameterError(ValueError):
    """A setting that cannot be used, with the ``parameter`` (control) it belongs to, so a page can show the
    message next to that control."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
