"""Protocol-faithful simulators of the clouds (OpenStack, Huawei, ZStack; see docs/simulators.md) and of an SNMP fleet (``snmp/``)."""
