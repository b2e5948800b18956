"""CSV for people who open it in a spreadsheet: no cell ever runs as a formula (CSV injection).

A cell starting with ``= + - @`` (or a tab or carriage return) is a formula to Excel and
LibreOffice: ``=cmd|' /C calc'!A0`` as a name runs a program on the machine that opens the
export (OWASP "CSV Injection"). Every CSV the app writes goes through ``writer``, which puts an
apostrophe before such a cell (spreadsheets then show it as text); every CSV it reads back
takes ``restore`` on free-text cells, so an exported file imports unchanged.
"""
import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """Return ``value`` as a cell a spreadsheet keeps as text; numbers and non-text pass unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if value[1:].isascii() and value[1:].isdigit():  # "+5511912345678", "-5": a number, not a formula
        return value
    return "'" + value


def restore(text):
    """Undo ``defuse`` on a cell read back from a CSV file."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


class Writer:
    """A ``csv.writer`` whose every cell is defused."""

    def __init__(self, out, **fmtparams):
        self._writer = csv.writer(out, **fmtparams)

    def writerow(self, row):
        """Write one row, each cell defused."""
        return self._writer.writerow([defuse(cell) for cell in row])

    def writerows(self, rows):
        """Write many rows, each cell defused."""
        for row in rows:
            self.writerow(row)


def writer(out, **fmtparams):
    """Return a Writer on the file-like ``out`` (``fmtparams`` as for ``csv.writer``)."""
    return Writer(out, **fmtparams)
