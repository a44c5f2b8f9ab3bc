"""Built-in tasks: their YAMLs and the data they need (e.g. the seeded arithmetic generator)."""
