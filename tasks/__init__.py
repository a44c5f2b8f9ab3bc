"""Built-in tasks: their YAMLs and the data code they need (the seeded arithmetic generator, math row maps)."""
