"""The event table turned into what users open: chronologies, feeds, a timeline page.

Exporters read only the event table (:mod:`timeline.table`); they never call the
normalizers.
"""
