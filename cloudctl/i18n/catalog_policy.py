"""Messages of the policy area (keys start with 'policy.')."""

MESSAGES: dict[str, dict[str, str]] = {}
