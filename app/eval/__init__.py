"""Evaluation of Chronicle's answers against a JSONL test set (``python -m app.eval``).

Modules: ``testset`` (format and loading), ``metrics`` (pure scoring functions), ``runner`` (asks the real
system and aggregates), ``report`` (console tables, results JSON and the offline HTML report).
"""
