"""Persistence: models, repositories (every query lives there), migrations, engine set-up."""
