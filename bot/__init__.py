"""copbot's platform-neutral core: every rule lives here, no platform library is imported."""
