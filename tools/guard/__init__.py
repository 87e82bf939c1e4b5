"""Trust: the fact guard that checks every line against the product facts, and the
filter that keeps data (transcripts, on-screen text, fact sheets) from acting as instructions."""
