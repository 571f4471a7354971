"""edgesim bench: load through an edge, per-stage figures, comparisons and an HTML report."""
