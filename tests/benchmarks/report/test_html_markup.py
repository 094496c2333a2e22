"""The Markdown subset of report.md as report.html's HTML (benchmarks/report/html/markup.py)."""

from __future__ import annotations

from nas_env.benchmarks.report.html.markup import inline, markdown_to_html
from nas_env.benchmarks.report.html.page import render_page


def test_markup_escapes_and_keeps_table_pipes() -> None:
    body, sections = markdown_to_html("# T\n\n## 1. A `x`\n\n| a | b |\n|---|---:|\n| `p\\|q` | <b>1.5</b> |\n\n"
                                      "- **bold** and *it*\n\n![f](figures/f.png)\n", lambda alt, src: f"[{src}]")
    assert sections == [("1-a-x", "1. A `x`")]
    assert "<td><code>p|q</code></td>" in body and "<td class=num>&lt;b&gt;1.5&lt;/b&gt;</td>" in body
    assert "<li><strong>bold</strong> and <em>it</em></li>" in body and "[figures/f.png]" in body
    assert inline("P(X > Y) + ½ P(X = Y), 2 * 3 * 4") == "P(X &gt; Y) + ½ P(X = Y), 2 * 3 * 4"


def test_page_inlines_its_script_and_style_and_escapes_figure_json(tmp_path) -> None:
    figure = {"title": "</script><b>x</b>", "note": "", "seeds_shown": False, "panels": []}
    page = render_page(tmp_path, "# R\n\n![a](figures/a.png)\n\n![b](figures/b.png)\n", {"a.png": figure},
                       ["x"], {"x": "#123456"})
    assert page.count("<script") == 3 and "<\\/script><b>x<\\/b>" in page  # the JSON cannot close its element
    assert '<p class="missing">[b: <a href="figures/b.png">figures/b.png</a> is missing]</p>' in page
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "b.png").symlink_to(tmp_path / "elsewhere.png")
    (tmp_path / "elsewhere.png").write_bytes(b"\x89PNG")
    assert "base64" not in render_page(tmp_path, "![b](figures/b.png)\n", {}, [], {})  # a link is not followed
