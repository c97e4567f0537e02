"""Cloud drivers, one module per wire protocol."""
