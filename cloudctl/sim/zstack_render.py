"""Dataset records → ZStack inventories (``VmInstanceInventory``, ``VolumeInventory``, ...).

ZStack ids are 32 hex digits without dashes; dates use Java's medium format
(``"May 11, 2017 1:23:02 PM"``); memory and disk sizes are bytes. The tenant is exposed as a
user tag ``project::<name>`` on every VM, volume, L3 network and EIP (see ``docs/simulators.md``).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid

from cloudctl.sim.dataset import Cloud, FloatingIP, Host, Network, Server, Volume

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_STATE = {"running": "Running", "stopped": "Stopped", "error": "Unknown", "building": "Starting"}
GIB = 1024**3
MIB = 1024**2


def zid(value: str) -> str:
    return value.replace("-", "")


def _derived(kind: str, name: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"zstack-{kind}-{name}").hex


def zdate(d: dt.datetime) -> str:
    """Java's ``DateFormat.MEDIUM`` in the US locale, as ZStack prints dates."""
    h = d.hour % 12 or 12
    return f"{_MONTHS[d.month - 1]} {d.day}, {d.year} {h}:{d.minute:02d}:{d.second:02d} {'AM' if d.hour < 12 else 'PM'}"


class Renderer:
    """Renders one cloud's records; ids of zones, clusters and storage are derived, stable."""

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self.zone = zid(cloud.hosts[0].id)[::-1] if cloud.hosts else "0" * 32
        self.cluster = self.zone[:16] + "c1" + self.zone[18:]
        self.storage = self.zone[:16] + "ps" + self.zone[18:]
        self.volumes = {v.id: v for v in cloud.volumes}
        self.servers = {s.id: s for s in cloud.servers}

    def vm(self, s: Server) -> dict:
        created = zdate(s.created)
        nic = s.nic
        net = ipaddress.ip_network(nic.network.cidr)
        vm_uuid = zid(s.id)
        return {
            "uuid": vm_uuid, "name": s.name, "description": "", "zoneUuid": self.zone, "clusterUuid": self.cluster,
            "imageUuid": _derived("image", s.os_distro), "hostUuid": zid(s.host) if s.status == "running" else None,
            "lastHostUuid": zid(s.host), "instanceOfferingUuid": _derived("offering", s.flavor.name),
            "rootVolumeUuid": zid(s.volume_ids[0]) if s.volume_ids else None, "platform": "Windows" if s.os_distro == "windows" else "Linux",
            "architecture": s.flavor.arch, "guestOsType": s.os, "defaultL3NetworkUuid": zid(nic.network.id), "type": "UserVm",
            "hypervisorType": "KVM", "memorySize": s.flavor.ram_mb * MIB, "cpuNum": s.flavor.vcpus, "cpuSpeed": 0,
            "allocatorStrategy": "LastHostPreferredAllocatorStrategy", "createDate": created, "lastOpDate": created,
            "state": _STATE[s.status],
            "vmNics": [{"uuid": zid(nic.port_id), "vmInstanceUuid": vm_uuid, "l3NetworkUuid": zid(nic.network.id), "ip": nic.ip,
                        "mac": nic.mac, "netmask": str(net.netmask), "gateway": str(net.network_address + 1), "ipVersion": 4,
                        "deviceId": 0, "type": "VNIC", "internalName": f"vnic{int(vm_uuid[:6], 16) % 10000}.0",
                        "createDate": created, "lastOpDate": created}],
            "allVolumes": [self.volume(self.volumes[v]) for v in s.volume_ids],
            "vmCdRoms": [],
        }

    def volume(self, v: Volume) -> dict:
        created = zdate(v.created)
        root = v.bootable
        return {
            "uuid": zid(v.id), "name": v.name, "description": "", "primaryStorageUuid": self.storage,
            "vmInstanceUuid": zid(v.server_id) if v.server_id else None, "diskOfferingUuid": None if root else zid(v.id)[::-1],
            "rootImageUuid": None, "installPath": f"/zstack_ps/rootVolumes/acct-admin/vol-{zid(v.id)}/{zid(v.id)}.qcow2",
            "type": "Root" if root else "Data", "format": "qcow2", "size": v.size_gb * GIB, "actualSize": v.size_gb * GIB // 3,
            "deviceId": (0 if root else 1) if v.server_id else None, "state": "Enabled",
            "status": "NotInstantiated" if v.status == "error" else "Ready", "isShareable": False,
            "createDate": created, "lastOpDate": created,
        }

    def l3(self, n: Network) -> dict:
        net = ipaddress.ip_network(n.cidr)
        created = zdate(n.created)
        return {
            "uuid": zid(n.id), "name": n.name, "description": "", "type": "L3BasicNetwork", "zoneUuid": self.zone,
            "l2NetworkUuid": zid(n.subnet_id), "state": "Enabled", "system": False, "category": "Private", "ipVersion": 4,
            "dnsDomain": None, "createDate": created, "lastOpDate": created, "dns": ["223.5.5.5"], "hostRoute": [],
            "networkServices": [], "ipRanges": [{
                "uuid": zid(n.subnet_id)[::-1], "l3NetworkUuid": zid(n.id), "name": f"{n.name}-range",
                "startIp": str(net.network_address + 2), "endIp": str(net.broadcast_address - 1), "netmask": str(net.netmask),
                "gateway": str(net.network_address + 1), "networkCidr": n.cidr, "ipVersion": 4, "prefixLen": net.prefixlen,
                "createDate": created, "lastOpDate": created}],
        }

    def eip(self, f: FloatingIP) -> dict:
        created = zdate(f.created)
        return {"uuid": zid(f.id), "name": f"eip-{f.address}", "description": "", "vmNicUuid": zid(f.port_id) if f.port_id else None,
                "vipUuid": zid(f.id)[::-1], "state": "Enabled", "vipIp": f.address, "guestIp": f.fixed_ip,
                "createDate": created, "lastOpDate": created}

    def host(self, h: Host, used_cpu: int, used_mem_mb: int) -> dict:
        created = zdate(dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc))
        return {"uuid": zid(h.id), "name": h.name, "zoneUuid": self.zone, "clusterUuid": self.cluster,
                "managementIp": f"172.20.{int(zid(h.id)[:2], 16)}.{int(zid(h.id)[2:4], 16) % 250 + 1}", "hypervisorType": "KVM",
                "state": "Enabled", "status": "Connected", "architecture": h.arch, "cpuNum": h.vcpus, "cpuSockets": 2,
                "totalCpuCapacity": h.vcpus * 4, "availableCpuCapacity": h.vcpus * 4 - used_cpu,
                "totalMemoryCapacity": h.ram_mb * MIB, "availableMemoryCapacity": (h.ram_mb - used_mem_mb) * MIB,
                "createDate": created, "lastOpDate": created}

    def user_tags(self) -> list[dict]:
        """``system-id::`` tags on VMs and ``project::`` tags on VMs, volumes, L3 networks and EIPs."""
        names = {p.id: p.name for p in self.cloud.projects}
        created = zdate(dt.datetime(2023, 1, 1, tzinfo=dt.timezone.utc))
        tags: list[dict] = []

        def add(uuid: str, rtype: str, tag: str) -> None:
            tags.append({"uuid": (uuid[:24] + "%08x" % len(tags))[-32:], "resourceUuid": uuid, "resourceType": rtype, "tag": tag,
                         "type": "User", "createDate": created, "lastOpDate": created})

        for s in self.cloud.servers:
            add(zid(s.id), "VmInstanceVO", f"project::{names[s.project_id]}")
            if s.system_id:
                add(zid(s.id), "VmInstanceVO", f"system-id::{s.system_id}")
        for v in self.cloud.volumes:
            add(zid(v.id), "VolumeVO", f"project::{names[v.project_id]}")
        for n in self.cloud.networks:
            add(zid(n.id), "L3NetworkVO", f"project::{names[n.project_id]}")
        for f in self.cloud.floating_ips:
            add(zid(f.id), "EipVO", f"project::{names[f.project_id]}")
        return tags
