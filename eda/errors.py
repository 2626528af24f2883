"""The project's error types: every reader raises only `NetlistError` for bad input."""
from __future__ import annotations


class EdaError(Exception):
    """Base of every error the toolkit reports to a user as one line."""


class NetlistError(EdaError):
    """Bad netlist input, located at FILE:LINE:COL when known."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None,
                 col: int | None = None) -> None:
        self.message, self.file, self.line, self.col = message, file, line, col
        super().__init__(self.location_text())

    def location_text(self) -> str:
        """`FILE:LINE:COL: message`, leaving out parts that are unknown."""
        loc = [str(p) for p in (self.file or "<input>", self.line, self.col) if p is not None]
        return f"{':'.join(loc)}: {self.message}"


class SimulationError(EdaError):
    """ngspice rejected a deck or an analysis failed."""


class FormatError(EdaError):
    """A format name or extension no reader/writer knows, or a circuit a writer cannot express."""
