"""Understanding a stream: speech, shots, scenes, product segments, on-screen text, concepts,
speech tags, coherence, highlights, clips and retrieval; ``pipeline`` runs them as steps
stored in the catalog."""
