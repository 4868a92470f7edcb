"""Scheduled work: each job calls one service, at most once per period across processes."""
