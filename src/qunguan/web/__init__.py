"""The HTTP edge: JSON API under /api/v1, Jinja2 pages, error mapping."""
