"""``report.html``: one self-contained page -- the report's text, its tables (sortable), its figures.

The page needs no network and no other file when it is viewed: the style and the script (``style.css``,
``script.js``, package data of :mod:`nas_env.benchmarks.report.html`) are inlined, the interactive figures'
numbers are embedded as JSON, and the figures drawn only as pictures are embedded as PNG data. Nothing in it
is timed or random: the same report gives the same page.
"""

from __future__ import annotations

import base64
import html
import json
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

from nas_env.benchmarks.report.html.markup import inline, markdown_to_html
from nas_env.benchmarks.run.files import utf8_text, write_text

__all__ = ["render_page", "write_html_report"]

#: the page's own files, inlined into every report
ASSETS = ("style.css", "script.js")


def _asset(name: str) -> str:
    return resources.files("nas_env.benchmarks.report.html").joinpath(name).read_text(encoding="utf-8")


def _json(obj: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` can end it early)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).replace("</", "<\\/")


def _png(out: Path, src: str) -> bytes | None:
    """The bytes of a picture the report links (``figures/x.png``): a regular file inside ``out``, never a link."""
    rel = PurePosixPath(src)
    if rel.is_absolute() or ".." in rel.parts or rel.suffix != ".png":
        return None
    path = out.joinpath(*rel.parts)
    for part in (path, *path.parents[:len(rel.parts) - 1]):  # the file and its folders below ``out``
        if part.is_symlink():
            return None
    return path.read_bytes() if path.is_file() else None


def _figure_html(out: Path, figures: dict[str, dict[str, Any]], alt: str, src: str) -> str:
    name = PurePosixPath(src).name
    link = f'<a href="{html.escape(src)}">{html.escape(src)}</a>'
    if name in figures:
        return (f'<figure class="nasfig" data-src="{html.escape(src)}" aria-label="{html.escape(alt)}">\n'
                f'<script type="application/json" class="figdata">{_json(figures[name])}</script>\n'
                f'<figcaption class="static">static picture: {link}</figcaption></figure>')
    data = _png(out, src)
    if data is None:
        return f'<p class="missing">[{html.escape(alt)}: {link} is missing]</p>'
    return (f'<figure class="png"><img alt="{html.escape(alt)}" src="data:image/png;base64,'
            f'{base64.b64encode(data).decode()}"><figcaption>{link}</figcaption></figure>')


def render_page(out: Path, markdown_text: str, figures: dict[str, dict[str, Any]], agents: list[str],
                colors: dict[str, str]) -> str:
    """The page's HTML.

    Args:
        out: the report's directory (pictures are read from it).
        markdown_text: the text of ``report.md``: the page shows its sections, tables and numbers.
        figures: interactive figures (:mod:`.figures`) by the file name of the picture they replace.
        agents: the agents in the report's order (the page's switches); colors: their colours.
    """
    body, sections = markdown_to_html(markdown_text, lambda alt, src: _figure_html(out, figures, alt, src))
    title = next((line[2:] for line in markdown_text.splitlines() if line.startswith("# ")), "report")
    toc = "\n".join(f'<li><a href="#{anchor}">{inline(text)}</a></li>' for anchor, text in sections)
    meta = _json({"agents": agents, "colors": {a: colors.get(a, "#444") for a in agents}})
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title.replace('`', ''))}</title>",
        f"<style>\n{_asset('style.css')}</style>",
        "</head>",
        "<body>",
        f'<nav id="toc"><strong>Contents</strong>\n<ul>\n{toc}\n</ul>\n<div id="agents"></div></nav>',
        f"<main>\n{body}\n</main>",
        '<div id="tip" role="tooltip" hidden></div>',
        f'<script type="application/json" id="report-meta">{meta}</script>',
        f"<script>\n{_asset('script.js')}</script>",
        "</body>",
        "</html>",
    ]
    return "\n".join(parts) + "\n"


def write_html_report(out: Path, markdown_text: str, figures: dict[str, dict[str, Any]], agents: list[str],
                      colors: dict[str, str]) -> Path:
    """Write ``out/report.html`` (:func:`render_page`); returns its path."""
    path = Path(out) / "report.html"
    write_text(path, utf8_text(render_page(Path(out), markdown_text, figures, agents, colors)))
    return path
