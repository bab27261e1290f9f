"""Evaluation of Chronicle's answers against a JSONL test set (``python -m app.eval``).

Modules: ``metrics`` (pure scoring functions), ``runner`` (asks the real system and aggregates), ``report``
(console tables, results JSON and the offline HTML report), ``history`` (a run compared with the previous one).
The test set itself (its format, loading and file) is app/store/testcases.py, shared with the chat that fills it.
"""
