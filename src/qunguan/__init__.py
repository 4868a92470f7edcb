"""Qunguan: governed work groups."""
