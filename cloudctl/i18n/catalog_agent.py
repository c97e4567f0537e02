"""Messages of the agent area (keys start with 'agent.')."""

MESSAGES: dict[str, dict[str, str]] = {}
