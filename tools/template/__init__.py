"""Templates: the structure of a reference ad (slots, rhythm, scales, transitions, overlays,
subtitles, music, storyline) extracted from its video, filled with new footage, compared."""
