"""A report's tables as CSV files a spreadsheet opens safely."""

from __future__ import annotations

import csv
import io

from reporting.presenters import Cell, Table

# A spreadsheet reads a cell starting with one of these as a formula (or strips the tab or
# carriage return and then does): a lead source named "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Cell) -> Cell:
    """A cell as a spreadsheet must read it: text that would start a formula gets a leading
    single quote; numbers (negative ones too) and empty cells stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(header) for header in table.headers])
    for row in table.rows:
        writer.writerow(["" if cell is None else spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
