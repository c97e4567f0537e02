"""Dataset records → Huawei Cloud API JSON (ECS ``cloudservers``, EVS, VPC v1, EIP v1).

Field names and value types follow the public API reference, including its quirks: ECS flavor
sizes and address versions are strings, EVS ``bootable`` is ``"true"``/``"false"``.
"""

from __future__ import annotations

import ipaddress

from cloudctl.sim.base import iso
from cloudctl.sim.dataset import FloatingIP, Network, Server, Volume

_STATE = {"running": ("ACTIVE", "active", 1), "stopped": ("SHUTOFF", "stopped", 4), "error": ("ERROR", "error", 0), "building": ("BUILD", "building", 0)}
_EVS_TIME = "%Y-%m-%dT%H:%M:%S.000000"


def ecs_server(s: Server) -> dict:
    status, vm_state, power = _STATE[s.status]
    f = s.flavor
    nic = s.nic
    vpc_id = nic.network.id
    addrs = [{"version": "4", "addr": nic.ip, "OS-EXT-IPS-MAC:mac_addr": nic.mac, "OS-EXT-IPS:port_id": nic.port_id, "OS-EXT-IPS:type": "fixed"}]
    if s.floating_ip:
        addrs.append({"version": "4", "addr": s.floating_ip, "OS-EXT-IPS-MAC:mac_addr": nic.mac, "OS-EXT-IPS:port_id": nic.port_id, "OS-EXT-IPS:type": "floating"})
    windows = s.os_distro == "windows"
    return {
        "id": s.id, "name": s.name, "status": status, "description": "",
        "flavor": {"id": f.name, "name": f.name, "disk": "0", "vcpus": str(f.vcpus), "ram": str(f.ram_mb), "gpus": [], "asic_accelerators": []},
        "image": {"id": s.os_distro + "-image"},
        "metadata": {"os_type": "Windows" if windows else "Linux", "image_name": f"{s.os} 64bit", "os_bit": "64",
                     "vpc_id": vpc_id, "charging_mode": "0", "metering.image_id": s.os_distro + "-image",
                     "metering.imagetype": "gold", "metering.resourcespeccode": f"{f.name}.{'win' if windows else 'linux'}"},
        "tags": ([f"system-id={s.system_id}"] if s.system_id else []) + [f"{k}={v}" for k, v in s.tags.items()],
        "sys_tags": [{"key": "_sys_enterprise_project_id", "value": "0"}],
        "addresses": {vpc_id: addrs},
        "created": iso(s.created), "updated": iso(s.created),
        "OS-EXT-AZ:availability_zone": s.az, "OS-EXT-STS:vm_state": vm_state, "OS-EXT-STS:power_state": power,
        "OS-EXT-STS:task_state": "spawning" if s.status == "building" else "",
        "OS-SRV-USG:launched_at": "" if s.status == "building" else s.created.strftime("%Y-%m-%dT%H:%M:%S.000000"),
        "OS-SRV-USG:terminated_at": "", "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-SRV-ATTR:host": s.host[:8], "hostId": s.host.replace("-", "")[:28], "host_status": "UP",
        "tenant_id": s.project_id, "user_id": "u-" + s.project_id[:8], "key_name": "", "locked": False, "progress": 0,
        "enterprise_project_id": "0", "security_groups": [{"id": "sg-" + s.project_id[:8], "name": "default"}],
        "os-extended-volumes:volumes_attached": [
            {"id": v, "delete_on_termination": "true" if i == 0 else "false", "bootIndex": "0" if i == 0 else "-1", "device": f"/dev/vd{chr(97 + i)}"}
            for i, v in enumerate(s.volume_ids)
        ],
        "config_drive": "", "accessIPv4": "", "accessIPv6": "",
    }


def evs_volume(v: Volume) -> dict:
    created = v.created.strftime(_EVS_TIME)
    attachments = []
    if v.server_id:
        attachments.append({"server_id": v.server_id, "attachment_id": v.id[::-1], "attached_at": created, "host_name": None,
                            "volume_id": v.id, "device": "/dev/vda" if v.bootable else "/dev/vdb", "id": v.id})
    return {
        "id": v.id, "name": v.name, "status": v.status, "size": v.size_gb, "volume_type": v.volume_type,
        "bootable": "true" if v.bootable else "false", "availability_zone": v.az, "attachments": attachments,
        "created_at": created, "updated_at": created, "description": "", "multiattach": False, "shareable": "false",
        "metadata": {"__system__encrypted": "0", "hw:passthrough": "false"}, "os-vol-tenant-attr:tenant_id": v.project_id,
        "service_type": "EVS", "enterprise_project_id": "0", "tags": {}, "user_id": "u-" + v.project_id[:8],
        "links": [{"href": f"/v2/{v.project_id}/volumes/{v.id}", "rel": "self"}],
    }


def vpc(n: Network) -> dict:
    return {"id": n.id, "name": n.name, "description": "", "cidr": n.cidr, "status": "OK", "routes": [],
            "enterprise_project_id": "0", "tags": [], "created_at": iso(n.created), "updated_at": iso(n.created)}


def subnet(n: Network) -> dict:
    net = ipaddress.ip_network(n.cidr)
    return {"id": n.subnet_id, "name": f"{n.name}-subnet", "description": "", "cidr": n.cidr, "gateway_ip": str(net.network_address + 1),
            "ipv6_enable": False, "dhcp_enable": True, "primary_dns": "100.125.1.250", "secondary_dns": "100.125.21.250",
            "dnsList": ["100.125.1.250", "100.125.21.250"], "availability_zone": "", "vpc_id": n.id, "status": "ACTIVE",
            "neutron_network_id": n.id, "neutron_subnet_id": n.subnet_id, "extra_dhcp_opts": [], "tenant_id": n.project_id}


def publicip(f: FloatingIP) -> dict:
    out = {"id": f.id, "status": "ACTIVE" if f.port_id else "DOWN", "type": "5_bgp", "public_ip_address": f.address,
           "tenant_id": f.project_id, "create_time": f.created.strftime("%Y-%m-%d %H:%M:%S"), "bandwidth_id": "bw-" + f.id[:8],
           "bandwidth_share_type": "PER", "bandwidth_size": 5, "bandwidth_name": "bandwidth-" + f.id[:4],
           "enterprise_project_id": "0", "ip_version": 4}
    if f.port_id:
        out.update(port_id=f.port_id, private_ip_address=f.fixed_ip)
    return out
