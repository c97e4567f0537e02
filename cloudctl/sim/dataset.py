"""The simulated clouds' contents: a deterministic dataset built from the inventory and a seed.

Tenants (租户) of the inventory become projects on their provider — except tenants that are only
the target of a migration not started yet (nobody has created them by hand so far); every system
deployed on the cloud gets 1–4 VMs named after it and tagged with its ``system-id``, and, as in
life, part of each system's further VMs are left untagged or carry a neighbouring system's tag;
untagged VMs fill up to ``servers`` in total. So that migration checks have something to find, a
few VMs carry a system id the inventory does not know, and one system runs on a different
provider than the inventory says. The same inventory, ``servers`` and ``seed`` always give the
same dataset, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import math
import random
from dataclasses import dataclass, field

from cloudctl.inventory import Inventory

PROVIDERS = ("tianhe", "huawei", "xinchuang")
DEFAULT_FILL = 36  # untagged VMs added when --servers is not given
UNKNOWN_SYSTEMS = 4  # VMs tagged with a system id that is not in the inventory

_OS_XC = (("Kylin V10 SP2", "kylin"), ("UOS 20", "uos"), ("openEuler 22.03", "openeuler"))
_OS_X86 = (("CentOS 7.9", "centos"), ("Ubuntu 20.04", "ubuntu"), ("Windows Server 2016", "windows"))
_STATUS = (("running", 86), ("stopped", 9), ("error", 3), ("building", 2))

# name, vcpus, ram MiB, disk GiB, arch
_FLAVORS = {
    "tianhe": [
        ("m1.small", 1, 2048, 20, "x86_64"), ("m1.medium", 2, 4096, 40, "x86_64"),
        ("m1.large", 4, 8192, 80, "x86_64"), ("m1.xlarge", 8, 16384, 160, "x86_64"),
        ("a1.large", 4, 8192, 80, "aarch64"), ("a1.xlarge", 8, 16384, 160, "aarch64"),
    ],
    "huawei": [
        ("s6.large.2", 2, 4096, 40, "x86_64"), ("s6.xlarge.2", 4, 8192, 40, "x86_64"),
        ("c6.2xlarge.2", 8, 16384, 40, "x86_64"), ("kc1.large.2", 2, 4096, 40, "aarch64"),
        ("kc1.xlarge.4", 4, 16384, 40, "aarch64"), ("km1.2xlarge.8", 8, 65536, 40, "aarch64"),
    ],
    "xinchuang": [  # Phytium FT-2000+/64 and Kunpeng 920 offerings
        ("ft2000.2c4g", 2, 4096, 40, "aarch64"), ("ft2000.4c8g", 4, 8192, 80, "aarch64"),
        ("kp920.8c16g", 8, 16384, 100, "aarch64"), ("kp920.16c32g", 16, 32768, 200, "aarch64"),
    ],
}
_REGION = {"tianhe": "RegionOne", "huawei": "cn-north-lvliang-1", "xinchuang": "zone-lvliang-xc"}
_AZS = {"tianhe": ("nova", "az-tianhe-2"), "huawei": ("cn-north-lvliang-1a", "cn-north-lvliang-1b"), "xinchuang": ("zone-1",)}


@dataclass(slots=True)
class Project:
    id: str
    name: str
    department: str


@dataclass(slots=True)
class Flavor:
    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    arch: str


@dataclass(slots=True)
class Network:
    id: str
    name: str
    project_id: str
    cidr: str
    subnet_id: str
    created: dt.datetime
    next_host: int = 0


@dataclass(slots=True)
class Nic:
    network: Network
    ip: str
    mac: str
    port_id: str


@dataclass(slots=True)
class Server:
    id: str
    name: str
    project_id: str
    status: str  # running | stopped | error | building
    flavor: Flavor
    os: str
    os_distro: str
    az: str
    host: str  # Host.id
    created: dt.datetime
    system_id: str | None  # the system-id tag as the cloud holds it (may be missing or wrong)
    nic: Nic
    volume_ids: list[str] = field(default_factory=list)
    floating_ip: str | None = None
    belongs_to: str | None = None  # the system the VM was built for (its name starts with it)
    tags: dict[str, str] = field(default_factory=dict)  # other tags / metadata items set through the API
    rev: int = 0  # bumped on every change made through the API (renders are memoized per revision)


@dataclass(slots=True)
class Volume:
    id: str
    name: str
    project_id: str
    size_gb: int
    status: str  # in-use | available | error
    server_id: str | None
    bootable: bool
    volume_type: str
    az: str
    created: dt.datetime


@dataclass(slots=True)
class FloatingIP:
    id: str
    project_id: str
    address: str
    server_id: str | None
    fixed_ip: str | None
    port_id: str | None
    created: dt.datetime


@dataclass(slots=True)
class Host:
    id: str
    name: str
    vcpus: int
    ram_mb: int
    disk_gb: int
    arch: str


@dataclass
class Cloud:
    """Everything one simulated cloud (one provider) holds."""

    provider: str
    region: str
    azs: tuple[str, ...]
    projects: list[Project] = field(default_factory=list)
    flavors: list[Flavor] = field(default_factory=list)
    servers: list[Server] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)
    networks: list[Network] = field(default_factory=list)
    floating_ips: list[FloatingIP] = field(default_factory=list)
    hosts: list[Host] = field(default_factory=list)

    def project(self, key: str) -> Project | None:
        return next((p for p in self.projects if key in (p.id, p.name)), None)


@dataclass
class Dataset:
    seed: int
    clouds: dict[str, Cloud]
    misplaced_system: str | None = None  # the system deliberately put on another provider
    unknown_systems: tuple[str, ...] = ()
    mislabeled: dict[str, str | None] = field(default_factory=dict)  # server id -> the wrong tag it carries (None: untagged)
    missing_projects: tuple[str, ...] = ()  # "provider/project" of tenants not created on their cloud yet


_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class _Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.epoch = dt.datetime(2019, 1, 1, tzinfo=dt.timezone.utc)

    def uuid(self) -> str:
        """A random (version 4, RFC 4122 variant) UUID string from the seeded generator."""
        n = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
        h = "%032x" % n
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def hex(self) -> str:
        return "%032x" % self.rng.getrandbits(128)

    def created(self) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=self.rng.randrange(200_000_000))

    def mac(self) -> str:
        return "fa:16:3e:%02x:%02x:%02x" % tuple(self.rng.getrandbits(8) for _ in range(3))


def build(inv: Inventory | None, servers: int | None = None, seed: int = 0) -> Dataset:
    """Build the dataset. ``servers`` is the total VM count (at least the tagged ones)."""
    g = _Gen(seed)
    clouds = {p: Cloud(p, _REGION[p], _AZS[p]) for p in PROVIDERS}
    for p, cloud in clouds.items():
        cloud.flavors = [Flavor(g.uuid() if p == "tianhe" else n, n, c, r, d, a) for n, c, r, d, a in _FLAVORS[p]]
    tenants = sorted(inv.tenants.values(), key=lambda t: t.id) if inv else []
    for t in tenants:
        pid = g.hex()
        clouds[t.provider].projects.append(Project(pid, t.project, t.department))
    for p, cloud in clouds.items():
        if not cloud.projects:  # every cloud has at least one project for the untagged VMs
            cloud.projects.append(Project(g.hex(), f"{p}-shared", "信息中心"))
        for proj in cloud.projects:
            for k in range(1 + g.rng.randrange(2)):
                _network(g, cloud, proj, k)
    by_tenant = {t.id: t for t in tenants}

    placements: list[tuple[str, str, str | None, str | None]] = []  # provider, project id, system, xc
    cloud_systems = sorted((s for s in (inv.systems.values() if inv else ()) if s.deployment == "cloud"), key=lambda s: s.id)
    misplaced = g.rng.choice(cloud_systems).id if cloud_systems else None
    for s in cloud_systems:
        provider = s.provider
        tenant = by_tenant.get(s.tenant or "")
        project = clouds[provider].project(tenant.project) if tenant else None
        if s.id == misplaced:
            provider = PROVIDERS[(PROVIDERS.index(provider) + 1) % len(PROVIDERS)]
            project = None
        project = project or g.rng.choice(clouds[provider].projects)
        arch_hint = "aarch64" if (s.xinchuang or provider == "xinchuang") else None
        for _ in range(1 + g.rng.randrange(4)):
            placements.append((provider, project.id, s.id, arch_hint))
    known = set(inv.systems) if inv else set()
    unknown = []
    n = 9001
    while len(unknown) < UNKNOWN_SYSTEMS:
        if f"sys-{n}" not in known:
            unknown.append(f"sys-{n}")
        n += 1
    for sid in unknown:
        provider = g.rng.choice(PROVIDERS)
        placements.append((provider, g.rng.choice(clouds[provider].projects).id, sid, None))
    fill = DEFAULT_FILL if servers is None else max(0, servers - len(placements))
    for _ in range(fill):
        provider = g.rng.choices(PROVIDERS, weights=(40, 35, 25))[0]
        placements.append((provider, g.rng.choice(clouds[provider].projects).id, None, None))

    statuses, weights = zip(*_STATUS)
    counters = {p: 0 for p in PROVIDERS}
    nets: dict[str, list[Network]] = {}
    for cloud in clouds.values():
        for n in cloud.networks:
            nets.setdefault(n.project_id, []).append(n)
    flavors = {(p, a): [f for f in c.flavors if f.arch == a] for p, c in clouds.items() for a in ("x86_64", "aarch64")}
    for provider, pid, system, arch_hint in placements:
        cloud = clouds[provider]
        arch = arch_hint or ("aarch64" if provider == "xinchuang" or (provider == "huawei" and g.rng.random() < 0.15) else "x86_64")
        flavor = g.rng.choice(flavors[provider, arch])
        os_name, distro = g.rng.choice(_OS_XC if arch == "aarch64" else _OS_X86)
        counters[provider] += 1
        stem = system or "vm"
        net = g.rng.choice(nets[pid])
        srv = Server(
            g.uuid(), f"{stem}-{provider[:2]}{counters[provider]:05d}", pid,
            g.rng.choices(statuses, weights)[0], flavor, os_name, distro, g.rng.choice(cloud.azs), "",
            g.created(), system, _nic(g, net), belongs_to=system,
        )
        cloud.servers.append(srv)
        vol = Volume(g.uuid(), f"{srv.name}-sys", pid, max(flavor.disk_gb, 40), "in-use", srv.id, True,
                     "SSD" if provider == "huawei" else "__DEFAULT__", srv.az, srv.created)
        srv.volume_ids.append(vol.id)
        cloud.volumes.append(vol)
        if g.rng.random() < 0.25:
            fip = FloatingIP(g.uuid(), pid, _public_ip(provider, len(cloud.floating_ips)), srv.id, srv.nic.ip,
                             srv.nic.port_id, srv.created)
            srv.floating_ip = fip.address
            cloud.floating_ips.append(fip)
    for cloud in clouds.values():
        for k in range(max(2, len(cloud.servers) // 20)):  # detached data disks and spare EIPs
            proj = g.rng.choice(cloud.projects)
            cloud.volumes.append(Volume(g.uuid(), f"data-{k:05d}", proj.id, g.rng.choice((50, 100, 200, 500)),
                                        g.rng.choices(("available", "error"), (95, 5))[0], None, False,
                                        "SAS" if cloud.provider == "huawei" else "__DEFAULT__", cloud.azs[0], g.created()))
        for _ in range(2):
            proj = g.rng.choice(cloud.projects)
            cloud.floating_ips.append(FloatingIP(g.uuid(), proj.id, _public_ip(cloud.provider, len(cloud.floating_ips)),
                                                 None, None, None, g.created()))
        _hosts(g, cloud)
    ds = Dataset(seed, clouds, misplaced, tuple(unknown))
    if inv is not None:
        # Separate generators: what was built above stays the same byte for byte.
        ds.mislabeled = _mislabel(random.Random(f"mislabel-{seed}"), clouds, inv, misplaced)
        ds.missing_projects = _not_created_yet(clouds, inv)
    return ds


UNTAGGED_SHARE, WRONG_SHARE = 0.30, 0.12  # of a system's VMs after its first one


def _mislabel(rng: random.Random, clouds: dict[str, Cloud], inv: Inventory, misplaced: str | None) -> dict[str, str | None]:
    """Leave part of each system's VMs untagged or tagged with a neighbour's id, as in life.

    A system's first VM keeps its tag (so it still counts as on the cloud), and only VMs that
    are running or stopped are touched: a cloud refuses tag changes on VMs in error or being
    built, so those could never be put right.
    """
    out: dict[str, str | None] = {}
    for cloud in clouds.values():
        by_project: dict[str, dict[str, list[Server]]] = {}
        for s in cloud.servers:
            if s.belongs_to and s.belongs_to in inv.systems and s.belongs_to != misplaced:
                by_project.setdefault(s.project_id, {}).setdefault(s.belongs_to, []).append(s)
        for systems in by_project.values():
            for sid, servers in sorted(systems.items()):
                neighbours = sorted(x for x in systems if x != sid)
                for s in servers[1:]:
                    if s.status not in ("running", "stopped"):
                        continue
                    r = rng.random()
                    if r < UNTAGGED_SHARE:
                        s.system_id = None
                    elif r < UNTAGGED_SHARE + WRONG_SHARE and neighbours:
                        s.system_id = rng.choice(neighbours)
                    else:
                        continue
                    out[s.id] = s.system_id
    return out


def _not_created_yet(clouds: dict[str, Cloud], inv: Inventory) -> tuple[str, ...]:
    """Drop the projects of tenants that are only the target of migrations not started yet.

    Such a tenant is in the inventory but nobody has created it in the cloud's console so far;
    ``cloudctl plan`` proposes to create it. A project some resource lives in is kept.
    """
    in_use = {s.tenant for s in inv.systems.values() if s.tenant}
    started = {s.migration.target_tenant for s in inv.systems.values()
               if s.migration and s.migration.target_tenant and s.migration.state != "planned"}
    planned_only = {s.migration.target_tenant for s in inv.systems.values()
                    if s.migration and s.migration.target_tenant and s.migration.state == "planned"}
    gone = []
    for tid in sorted(planned_only - in_use - started):
        t = inv.tenants.get(tid)
        if t is None:
            continue
        cloud = clouds[t.provider]
        proj = cloud.project(t.project)
        if proj is None:
            continue
        used = any(x.project_id == proj.id for x in (*cloud.servers, *cloud.volumes, *cloud.floating_ips))
        if used:
            continue
        cloud.projects.remove(proj)
        cloud.networks[:] = [n for n in cloud.networks if n.project_id != proj.id]
        gone.append(f"{t.provider}/{t.project}")
    return tuple(gone)


def _network(g: _Gen, cloud: Cloud, proj: Project, k: int) -> None:
    """A /18 per network: room for 16k VMs; 320 networks per provider inside 10/8."""
    i = len(cloud.networks)
    if i >= 320:
        raise ValueError("too many simulated networks for one provider")
    second = PROVIDERS.index(cloud.provider) * 80 + i // 4
    cidr = f"10.{second}.{(i % 4) * 64}.0/18"
    cloud.networks.append(Network(g.uuid(), f"{proj.name}-net-{k + 1}", proj.id, cidr, g.uuid(), g.created()))


@functools.cache
def _bounds(cidr: str) -> tuple[int, int]:
    net = ipaddress.ip_network(cidr)
    return int(net.network_address), net.num_addresses


def _nic(g: _Gen, net: Network) -> Nic:
    base, size = _bounds(net.cidr)
    ip = base + 10 + net.next_host % (size - 20)
    net.next_host += 1
    return Nic(net, f"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}", g.mac(), g.uuid())


def _public_ip(provider: str, i: int) -> str:
    first = {"tianhe": 58, "huawei": 121, "xinchuang": 183}[provider]
    return f"{first}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def _hosts(g: _Gen, cloud: Cloud) -> None:
    """Compute hosts sized so the cloud is 30–70 % allocated; servers spread round-robin."""
    arch = "aarch64" if cloud.provider == "xinchuang" else "x86_64"
    vcpus = sum(s.flavor.vcpus for s in cloud.servers)
    ram = sum(s.flavor.ram_mb for s in cloud.servers)
    n = max(2, math.ceil(vcpus / (64 * 4 * 0.5)), math.ceil(ram / (512 * 1024 * 0.6)))
    for i in range(n):
        cloud.hosts.append(Host(g.uuid(), f"{cloud.provider}-cmp{i + 1:03d}", 64, 512 * 1024, 4000, arch))
    for i, s in enumerate(cloud.servers):
        s.host = cloud.hosts[i % n].id
