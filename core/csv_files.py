"""CSV files that stream and that spreadsheets open safely: for every export."""

import csv
from collections.abc import Iterable, Iterator

# A WSGI server writes each piece a streamed response yields; a million one-line pieces would
# cost a million writes, so lines are sent in pieces of about this many characters.
CSV_PIECE_CHARS = 64 * 1024

# Cells a spreadsheet would run as a formula (or DDE) rather than show as text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: str) -> str:
    """Make a cell that a spreadsheet would evaluate (=, +, -, @, tab, carriage return) plain
    text, by prefixing a single quote: names and addresses are typed by people."""
    # Some spreadsheets trim leading spaces on import, so " =1+2" is as dangerous as "=1+2".
    return f"'{value}" if value.lstrip(" ").startswith(FORMULA_PREFIXES) else value


class _Line:
    """A file-like object whose write() returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


# A CSV cell: text (neutralised), a number the code computed, or nothing (an empty cell).
Cell = str | float | None


def csv_file(header: list[str], rows: Iterable[Iterable[Cell]]) -> Iterator[str]:
    """A CSV file in pieces of whole lines: a byte-order mark (so spreadsheets read names as
    UTF-8), the header, then one line per row. Text cells are neutralised; numbers are not, as
    no one typed them and a negative longitude must stay a number."""
    writer = csv.writer(_Line())
    piece = ["\ufeff" + writer.writerow(header)]
    size = 0
    for cells in rows:
        line = writer.writerow([neutralise_formula(cell) if isinstance(cell, str) else cell for cell in cells])
        piece.append(line)
        size += len(line)
        if size >= CSV_PIECE_CHARS:
            yield "".join(piece)
            piece, size = [], 0
    if piece:
        yield "".join(piece)
