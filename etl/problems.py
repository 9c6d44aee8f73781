"""Problems found in an upload, and the exceptions that carry them.

A Problem names the file, the Excel row (header = row 1), the Chinese column header, a stable English
code (tests assert on it), a severity and a Chinese message that says how to fix it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
SEVERITY_ZH = {ERROR: "错误", WARNING: "警告"}


@dataclass(frozen=True)
class Problem:
    code: str                      # stable English code, e.g. "below_minimum"
    message: str                   # Chinese: what is wrong and how to fix it
    severity: str = ERROR          # ERROR blocks the whole file; WARNING never blocks
    row: int | None = None         # Excel row number, header = 1; None = the whole file
    column: str | None = None      # Chinese header of the column, None = the whole row/file
    value: str | None = None       # the offending value as written in the file
    file: str | None = None        # the file name as given by the user (display only, never a path)
    table: str | None = None       # contract table name, when known

    def format(self) -> str:
        """One line for the CLI and logs: starts with 第N行 when the problem has a row."""
        where = f"第{self.row}行" if self.row is not None else "整个文件"
        if self.column:
            where += f"，列“{self.column}”"
        text = f"{where}：{self.message}"
        if self.value not in (None, ""):
            text += f"（当前值：{_clip(self.value)}）"
        if self.severity == WARNING:
            text = "[警告] " + text
        return text


def _clip(value: str, limit: int = 60) -> str:
    value = value.replace("\r", "\\r").replace("\n", "\\n")
    return value if len(value) <= limit else value[:limit] + "…"


class EtlError(Exception):
    """Base class for errors the CLI and pages translate to Chinese messages."""


@dataclass
class ReadFailed(EtlError):
    """The file could not be read at all (encoding, format, size, structure)."""
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)


@dataclass
class ValidationFailed(EtlError):
    """The batch has at least one error; nothing was written."""
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(p.format() for p in self.problems)


class WriterBusy(EtlError):
    """Another publish holds the writer lock."""

    def __str__(self) -> str:
        return "另一个数据上传正在发布，请稍后重试。"
