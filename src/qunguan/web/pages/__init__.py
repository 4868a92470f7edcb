"""Server-rendered pages (Jinja2); they call the same services as the API."""
