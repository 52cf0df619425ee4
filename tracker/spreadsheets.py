"""
Spreadsheet cells that cannot run: the one escaping of CSV and XLSX exports, and its undoing on import.

A cell starting with "=", "+", "-", "@", a tab or a carriage return is a formula to a spreadsheet
program (OWASP, "CSV Injection"), and an exported title or note is text that anyone could have typed.
In CSV such a cell gets a leading apostrophe (`text_cell`), which an import removes again
(`read_cell`); in XLSX every text cell is written as text, so nothing is added. `CSV` and `XLSX` are
the admin's import-export formats built on these; the public CSV calls `text_cell` itself.
"""

from io import BytesIO

import tablib
from import_export.formats import base_formats
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value):
    """
    Return a CSV cell's value, with a leading apostrophe if it is text a spreadsheet would run.

    Text already starting with apostrophes before a formula character gets one more, so that
    `read_cell` can always remove exactly the one added here. Anything but text (numbers, negative
    ones too, dates, None) is returned unchanged.
    """
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + value
    return value


def read_cell(value):
    """Return an imported CSV cell's value without the apostrophe `text_cell` added, if it added one."""
    if isinstance(value, str) and value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_STARTS):
        return value[1:]
    return value


def _map_cells(dataset: tablib.Dataset, function) -> tablib.Dataset:
    return tablib.Dataset(*([function(value) for value in row] for row in dataset), headers=dataset.headers)


class CSV(base_formats.CSV):
    """import-export's CSV, with `text_cell` on every cell written and `read_cell` on every cell read."""

    def export_data(self, dataset, **kwargs):
        return super().export_data(_map_cells(dataset, text_cell), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        return _map_cells(super().create_dataset(in_stream, **kwargs), read_cell)


class XLSX(base_formats.XLSX):
    """
    Written here rather than by tablib, which lets openpyxl make a formula of any text starting with
    "=" (and an error value of "#N/A"): each text cell is set to the text type after its value.
    """

    def export_data(self, dataset, **kwargs):
        book = Workbook()
        sheet = book.active
        if dataset.headers:
            sheet.append(dataset.headers)
        for row in dataset:
            # openpyxl refuses control characters other than tab, newline and carriage return (raising
            # IllegalCharacterError, which would fail the whole export): one pasted by mistake is dropped.
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        if dataset.headers:
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            sheet.freeze_panes = "A2"
        stream = BytesIO()
        book.save(stream)
        return stream.getvalue()
