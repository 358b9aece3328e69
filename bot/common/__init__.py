"""Plain values every layer may use: errors, numbers, tags, timezones, weekly times.

Imports nothing else of copbot."""
