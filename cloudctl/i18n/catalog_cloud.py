"""Messages of the cloud area (keys start with 'cloud.')."""

MESSAGES: dict[str, dict[str, str]] = {}
