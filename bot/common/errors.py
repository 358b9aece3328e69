"""The one error type a user can fix: every adapter shows it as a friendly, ephemeral reply."""


class UserError(Exception):
    """Bad input or a refused action; the unit of work is rolled back, nothing changes (but
    the gap map's anonymous count of what the call searched for: `Context.missed`)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StaleWrite(UserError):
    """Someone else saved the same record first (optimistic concurrency)."""

    def __init__(
        self,
        message: str = "Someone else saved this at the same moment, so I saved nothing. "
        "Please try again.",
    ) -> None:
        super().__init__(message)
