"""From documents to a table of dated events.

``normalizers`` resolves the date expressions of one text; ``timeline`` does the
work around it: reading files (:mod:`timeline.documents`), the user's metadata
(:mod:`timeline.manifest`), the resolved mentions of a whole corpus
(:mod:`timeline.dates`), scoring them against gold annotations
(:mod:`timeline.evaluation`) and the ``timeline`` command line (:mod:`timeline.cli`).
"""
