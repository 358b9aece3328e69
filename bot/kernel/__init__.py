"""The machinery every capability plugs into, holding no rule of its own: neutral
messages, the catalog, option parsing, the dispatcher (`Core`), the ports and the
pieces several capabilities share (members, moderators' channel, pacing)."""
