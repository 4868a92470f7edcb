"""The ``qunguan`` command."""
