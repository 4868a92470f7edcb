"""Test support that ships with the package: the clause-traceability pytest plugin."""
