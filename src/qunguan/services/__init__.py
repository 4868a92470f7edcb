"""Use cases: the only code that changes state. Each takes a unit of work and never commits."""
