"""The one error a county report's reading raises for the file as a whole."""


class ReportError(ValueError):
    """The file as a whole cannot be read (not CSV/xlsx, damaged, over a limit, empty, no
    known header): answered 4xx with this message, nothing published."""
