"""User-facing errors: the CLI prints `error: <message>` on one line and exits with code 2.

Raise `UserError` for anything the user can fix (a bad file, key, value, path or flag); the
message names the file, the field and what was expected. Bugs stay ordinary exceptions.
"""


class UserError(Exception):
    def __init__(self, message: str, *, file: str | None = None, field: str | None = None):
        self.file, self.field = file, field
        where = ": ".join(x for x in (file, field) if x)
        super().__init__(f"{where}: {message}" if where else message)
