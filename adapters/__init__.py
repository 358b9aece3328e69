"""Adapters: each platform's events in, the core's replies out, and the `Chat` port."""
