"""Hestia's list output, byte for byte: JSON built by string concatenation, plus plain, csv and shell."""

from __future__ import annotations

from collections.abc import Sequence

Row = tuple[str, Sequence[tuple[str, str]]]


def json_objects(rows: Sequence[Row], inner_close: int = 4) -> str:
    """`{ "<name>": { "KEY": "value", ... }, ... }` with 4-space indents, unescaped (§10 #2090).

    `inner_close` is the indent of each object's closing brace (v-list-user prints it at 8, §6.7).
    An empty listing is `{` newline `}`.
    """
    lines = ["{"]
    for index, (name, pairs) in enumerate(rows):
        lines.append(f'    "{name}": {{')
        if pairs:
            lines.append(",\n".join(f'        "{key}": "{value}"' for key, value in pairs))
        comma = "," if index < len(rows) - 1 else ""
        lines.append(" " * inner_close + "}" + comma)
    lines.append("}")
    return "\n".join(lines)


def plain(rows: Sequence[Row]) -> str:
    """Tab-separated values, the object name first."""
    return "\n".join("\t".join([name, *(value for _, value in pairs)]) for name, pairs in rows)


def csv(rows: Sequence[Row], name_header: str) -> str:
    """A header line then one comma-separated line per object; values holding a comma are quoted."""
    if not rows:
        return ""
    header = ",".join([name_header, *(key for key, _ in rows[0][1])])
    body = [",".join([name, *(f'"{v}"' if "," in v else v for _, v in pairs)]) for name, pairs in rows]
    return "\n".join([header, *body])


def shell(rows: Sequence[Row], name_header: str, columns: Sequence[tuple[str, str]]) -> str:
    """`column -t` table of selected keys: (header, key) pairs after the name column."""
    table = [
        [name_header, *(h for h, _ in columns)],
        ["-" * len(name_header), *("-" * len(h) for h, _ in columns)],
    ]
    for name, pairs in rows:
        values = dict(pairs)
        table.append([name, *(values.get(key, "") or "" for _, key in columns)])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table)


def render(
    rows: Sequence[Row], fmt: str, name_header: str, columns: Sequence[tuple[str, str]], inner_close: int = 4
) -> str:
    """Dispatch on FORMAT as the list scripts do; an unknown format prints nothing (§5.2)."""
    if fmt == "json":
        return json_objects(rows, inner_close)
    if fmt == "plain":
        return plain(rows)
    if fmt == "csv":
        return csv(rows, name_header)
    if fmt == "shell":
        return shell(rows, name_header, columns)
    return ""
