"""snmp."""
