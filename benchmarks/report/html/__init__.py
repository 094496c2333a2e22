"""``report.html`` beside ``report.md``: the same report as one self-contained, interactive page.

==================  =====================================================================================
``page``            :func:`~nas_env.benchmarks.report.html.page.write_html_report`: the page (text, tables,
                    figures, the inlined ``style.css`` and ``script.js``)
``markup``          the report's Markdown subset as HTML (the page shows ``report.md``'s own text)
``figures``         interactive figures as JSON specifications; the single run's figure
``benchmark_figures``  a benchmark's figures, from what its PNG figures draw (``ReportData.series``)
``script.js``       the page's script: draws the figures as SVG (hover: agent, seed, value; agent switches;
                    "show seeds"), sorts tables on a header click; hand-written, no library
==================  =====================================================================================

Both reports write the page from the text they write to ``report.md`` and the arrays their PNG figures draw:
one source of words and numbers.
"""

from nas_env.benchmarks.report.html.benchmark_figures import benchmark_figures
from nas_env.benchmarks.report.html.figures import run_figures
from nas_env.benchmarks.report.html.page import render_page, write_html_report

__all__ = ["benchmark_figures", "render_page", "run_figures", "write_html_report"]
