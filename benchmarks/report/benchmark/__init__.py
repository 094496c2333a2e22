"""The benchmark report: ``DIR/report.md``, figures, CSV and JSON of a ``nas-env benchmark`` directory.

=============  ===========================================================================
``report``     :func:`~nas_env.benchmarks.report.benchmark.report.build_report`: every output, in order
``data``       the runs read back once (:class:`ReportData`), ``summary.csv``, final accuracies
``curves``     anytime, top-k vs random, time to a top architecture, controller analyses
``retrained``  section 3b: the re-trained finalists (protocols with ``retrain_top``)
``protocol_notes``  differences from the published protocol, published rows compared with ours
``markdown``   the text of ``report.md``
``plots``      its figures
=============  ===========================================================================
"""
