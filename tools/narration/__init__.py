"""Words for an ad: storylines, the fact plan, the narrator and its grammar, reranker,
length fitting and product names."""
