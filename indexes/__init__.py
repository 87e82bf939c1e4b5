"""What reelwright remembers: the catalog of analysed videos and the clip vector index."""

__all__: list[str] = []
