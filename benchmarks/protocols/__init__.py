"""Benchmark protocols: what every search strategy compared under one benchmark shares.

A :class:`Protocol` fixes everything that must be the same for every search strategy compared under it
(Lindauer & Hutter's checklist): which env (and so which reward signal), how each evaluation is charged, the
budget, and which number is reported at the end for the architecture with the best reward. It may also set
per-agent hyperparameters (documented in its ``notes``), list the published numbers it is compared with and
every remaining difference from the published protocol.

One family per file; each registers its protocols there, beside their settings, published numbers and notes:

========================================================  ========================================================
``nas_env.benchmarks.protocols.nb201``                    ``nb201-cifar10``, ``nb201-cifar100``,
                                                          ``nb201-imagenet16-120`` (NAS-Bench-201; simulated seconds)
``nas_env.benchmarks.protocols.macro``                    ``macro-cifar10`` (NAS-Bench-Macro; evaluations)
``nas_env.benchmarks.protocols.nbgraph``                  ``nbgraph-cora`` ... ``nbgraph-proteins`` (NAS-Bench-Graph,
                                                          nine datasets; evaluations; needs ``nas-env[graph]``)
``nas_env.benchmarks.protocols.latency``                  ``nb201-latency-<device>`` (CIFAR-10 accuracy under a
                                                          HW-NAS-Bench latency limit; simulated seconds)
``nas_env.benchmarks.protocols.rnn``                      ``rnn-tinyshakespeare``, ``-paper``, ``-shared`` (Figure 6
                                                          on recurrent cells, real training; evaluations)
``nas_env.benchmarks.protocols.cnn``                      ``cnn-digits`` (Figure 6 on the CNN space, shared weights,
                                                          re-trained finalists; evaluations)
``nas_env.benchmarks.protocols.fixed``                    ``fixed:<env-id>``: any search env (evaluations)
========================================================  ========================================================

Beside them: ``base`` (:class:`Protocol`, :class:`PublishedResult`), ``registry`` (``register_protocol``,
``get_protocol``, ``protocol_names``, ``protocol_from_json``) and ``reported_accuracy`` (what a protocol reports
as the accuracy of an architecture).

Imports flow one way: ``nas_env.benchmarks.harness`` and ``nas_env.benchmarks.report`` ->
``nas_env.benchmarks.protocols`` -> ``nas_env.benchmarks.run`` -> ``nas_env.agents``.
"""

# the built-in families: each registers its protocols when imported
from nas_env.benchmarks.protocols import cnn, fixed, latency, macro, nb201, nbgraph, rnn  # noqa: F401
from nas_env.benchmarks.protocols.base import Protocol, PublishedResult
from nas_env.benchmarks.protocols.registry import (
    PROTOCOLS,
    get_protocol,
    protocol_from_json,
    protocol_names,
    protocol_names_by_unit,
    register_protocol,
    register_protocol_family,
)

__all__ = [
    "PROTOCOLS", "Protocol", "PublishedResult", "get_protocol", "protocol_from_json", "protocol_names",
    "protocol_names_by_unit", "register_protocol", "register_protocol_family",
]
