"""Realtime delivery: the in-process hub, and the Redis relay between server processes."""
