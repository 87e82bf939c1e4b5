"""Making the ad: the spec from a brief, arranging clips into storylines, the timeline,
reframing, voice-over, rendering, and ``make``, the whole recipe."""
