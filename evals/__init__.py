"""Evaluation harnesses (narration, tags, coherence, highlights) and their metrics."""

__all__: list[str] = []
