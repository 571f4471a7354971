"""Small origins to develop edgesim against: static files, echo, slow and flaky."""
