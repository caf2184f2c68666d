"""Reading tables written by spreadsheets and other tools (coding sheets, BORIS tables):
the first worksheet of an .xlsx/.xlsm workbook or a UTF-8 CSV file, as rows of stripped text
cells, bounded so that a hostile file stops with one line instead of exhausting memory."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from annotator.io.importing import ImportFileError, read_utf8

#: Bounds for coding sheets (real ones have hundreds of rows and about a dozen columns): the
#: reader stops with a message instead of padding a sheet without <dimension> out to its
#: farthest cell (XFD1048576 is 17 billion cells).
MAX_ROWS = 50_000  # SAMM-LV has ~350 rows, CAS(ME)^3 a few thousand
MAX_COLUMNS = 256
MAX_CELL_CHARS = 32_767  # Excel's own limit per cell
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024


def _check_cell(text: str, name: str, line: int) -> str:
    if len(text) > MAX_CELL_CHARS:
        raise ImportFileError(
            f"{name}: line {line}: a cell holds {len(text)} characters "
            f"(more than {MAX_CELL_CHARS}); not a coding sheet"
        )
    return text.strip()


def _read_xlsx(path: Path) -> list[list[str]]:
    """Read-only, streaming, bounded: rows, columns, cell size and unzipped size."""
    import zipfile

    from openpyxl import load_workbook

    name = path.name
    try:
        with zipfile.ZipFile(path) as z:
            unzipped = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    if unzipped > MAX_UNZIPPED_BYTES:
        raise ImportFileError(
            f"{name}: unpacks to {unzipped // 2**20} MB (more than "
            f"{MAX_UNZIPPED_BYTES // 2**20} MB); not a coding sheet"
        )
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # noqa: BLE001 - zipfile, xml and openpyxl errors
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    rows: list[list[str]] = []
    try:
        ws = wb.worksheets[0]
        # max_col/max_row bound the padding openpyxl does for missing cells and rows.
        for line, r in enumerate(
            ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1, max_row=MAX_ROWS + 1), start=1
        ):
            cells = ["" if c is None else _check_cell(str(c), name, line) for c in r]
            if line > MAX_ROWS and any(cells):
                raise ImportFileError(f"{name}: more than {MAX_ROWS} rows; not a coding sheet")
            if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
                raise ImportFileError(
                    f"{name}: line {line}: more than {MAX_COLUMNS} columns; not a coding sheet"
                )
            while cells and not cells[-1]:
                cells.pop()
            rows.append(cells)
    except ImportFileError:
        raise
    except Exception as e:  # noqa: BLE001 - malformed sheet XML inside a valid zip
        raise ImportFileError(f"{name}: not a readable .xlsx workbook ({e})") from None
    finally:
        wb.close()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def read_rows(path: Path) -> list[list[str]]:
    """The cells of a coding sheet (.xlsx/.xlsm first worksheet, else UTF-8 CSV), stripped,
    within the bounds above; :class:`ImportFileError` with one line naming the file."""
    name = path.name
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    text = read_utf8(path)
    rows = []
    csv.field_size_limit(MAX_CELL_CHARS + 1)
    try:
        for line, r in enumerate(csv.reader(io.StringIO(text)), start=1):
            if line > MAX_ROWS:
                raise ImportFileError(f"{name}: more than {MAX_ROWS} rows; not a coding sheet")
            if len(r) > MAX_COLUMNS:
                raise ImportFileError(
                    f"{name}: line {line}: more than {MAX_COLUMNS} columns; not a coding sheet"
                )
            rows.append([_check_cell(c, name, line) for c in r])
    except csv.Error as e:
        raise ImportFileError(f"{name}: not a readable CSV sheet ({e})") from None
    return rows
