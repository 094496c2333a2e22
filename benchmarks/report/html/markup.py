"""The report's Markdown, as HTML: the subset ``report.md`` is written in, and nothing more.

``report.html`` shows the very text of ``report.md`` (one source of words and numbers), so whatever a report
module writes flows into both. The subset:

==========================  ==============================================================
``# title`` .. ``#### t``   headings (level 2 headings get an anchor for the page's contents)
``| a | b |`` rows          a table (the ``|---|`` row separates the header; ``---:`` aligns right);
                            ``\\|`` is a pipe inside a cell
``- item``                  a bullet list
``![alt](figures/x.png)``   a figure: the caller's ``figure(alt, src)`` writes its HTML
other lines                 paragraphs (consecutive lines joined; a blank line ends one)
inline                      ```code```, ``**bold**``, ``*italic*``, ``[text](link)``
==========================  ==============================================================

Everything else is text: it is HTML-escaped, never interpreted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

__all__ = ["inline", "markdown_to_html", "slug"]

_HEADING = re.compile(r"^(#{1,4}) (.*)$")
_IMAGE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)\)$")
_CODE = re.compile(r"`([^`]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![\w*])\*(?![\s*])(.+?)(?<![\s*])\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_ALIGN = re.compile(r"^\s*:?-{3,}:?\s*$")


def slug(text: str) -> str:
    """An HTML id for a heading: lower-case words joined by ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def inline(text: str) -> str:
    """One line of Markdown text as HTML: escaped, then code spans, bold, italic and links."""
    codes: list[str] = []

    def keep(m: re.Match[str]) -> str:
        codes.append(f"<code>{html.escape(m.group(1), quote=False)}</code>")
        return f"\x00{len(codes) - 1}\x00"

    out = html.escape(_CODE.sub(keep, text), quote=False)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    out = _ITALIC.sub(r"<em>\1</em>", out)
    out = _LINK.sub(lambda m: f'<a href="{html.escape(m.group(2))}">{m.group(1)}</a>', out)
    return re.sub("\x00(\\d+)\x00", lambda m: codes[int(m.group(1))], out)


def _cells(row: str) -> list[str]:
    parts = _CELL_SPLIT.split(row.strip())
    if parts and not parts[0].strip():
        parts = parts[1:]
    if parts and not parts[-1].strip():
        parts = parts[:-1]
    return [p.strip().replace("\\|", "|") for p in parts]


def _table(rows: list[str]) -> str:
    """A Markdown table as a sortable HTML table (the page's script sorts on a header click)."""
    cells = [_cells(r) for r in rows]
    sep = next((i for i, c in enumerate(cells) if c and all(_ALIGN.match(x) for x in c)), None)
    head, body = (cells[:sep], cells[sep + 1:]) if sep is not None else ([], cells)
    right = [x.strip().endswith(":") for x in cells[sep]] if sep is not None else []
    out = ['<div class="table"><table class="sortable">']
    if head:
        out.append("<thead>" + "".join("<tr>" + "".join(f"<th>{inline(c)}</th>" for c in row) + "</tr>"
                                       for row in head) + "</thead>")
    out.append("<tbody>")
    for row in body:
        tds = "".join(f'<td{" class=num" if i < len(right) and right[i] else ""}>{inline(c)}</td>'
                      for i, c in enumerate(row))
        out.append(f"<tr>{tds}</tr>")
    out.append("</tbody></table></div>")
    return "\n".join(out)


def markdown_to_html(text: str, figure: Callable[[str, str], str]) -> tuple[str, list[tuple[str, str]]]:
    """``text`` (the report's Markdown) as HTML, and its level-2 sections as ``(id, title)`` for a contents list.

    ``figure(alt, src)`` returns the HTML of an image line (an interactive figure or an embedded picture).
    One output line per paragraph, list item, table row or heading: line-based tools (the golden test's
    normaliser) see the report's lines.
    """
    out: list[str] = []
    sections: list[tuple[str, str]] = []
    used: set[str] = set()
    para: list[str] = []
    items: list[str] = []
    rows: list[str] = []

    def flush() -> None:
        if para:
            out.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()
        if items:
            out.append("<ul>\n" + "\n".join(f"<li>{inline(i)}</li>" for i in items) + "\n</ul>")
            items.clear()
        if rows:
            out.append(_table(rows))
            rows.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if rows and not line.startswith("|"):
            flush()
        if items and not line.startswith("- "):
            flush()
        if not line.strip():
            flush()
        elif line.startswith("|"):
            if para or items:
                flush()
            rows.append(line)
        elif line.startswith("- "):
            if para:
                flush()
            items.append(line[2:])
        elif m := _HEADING.match(line):
            flush()
            level, title = len(m.group(1)), m.group(2)
            anchor = base = slug(title)
            n = 1
            while anchor in used:
                n += 1
                anchor = f"{base}-{n}"
            used.add(anchor)
            if level == 2:
                sections.append((anchor, title))
            out.append(f'<h{level} id="{anchor}">{inline(title)}</h{level}>')
        elif m := _IMAGE.match(line.strip()):
            flush()
            out.append(figure(m.group(1), m.group(2)))
        else:
            para.append(line.strip())
    flush()
    return "\n".join(out), sections
