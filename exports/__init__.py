"""The event table turned into what users open: chronologies, feeds, a timeline page.

Exporters read only the event table, through its contract :mod:`timeline.schema`;
they never call the normalizers nor build the table.
"""
