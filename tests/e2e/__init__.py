"""End-to-end tests: the development Home Assistant in a real browser."""
