"""The control side of a running edge: reload on save, and the dashboard with its JSON API."""
