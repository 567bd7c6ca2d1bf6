"""Word tables as data, apart from the rules that use them (HeidelTime's split).

Each table has its own tests in ``tests/test_tables.py``.
"""
