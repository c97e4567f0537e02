"""The SNMP fleet simulator: many virtual agents on loopback, served with our own codec."""
