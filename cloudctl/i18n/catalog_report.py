"""Messages of the report area (keys start with 'report.')."""

MESSAGES: dict[str, dict[str, str]] = {}
