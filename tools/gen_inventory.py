#!/usr/bin/env python3
"""Generate the Lüliang (吕梁市) inventory of record in ``inventory/``.

Deterministic: a fixed seed and fixed iteration order, so running it twice writes byte-identical
files (a test checks this). Standard library + PyYAML only (PyYAML is used by the test that reads
the output back, not here: the writer emits YAML by hand so the layout stays one record per line).

What is real and what is synthetic is described in ``inventory/README.md``; the field meanings in
``docs/inventory.md``.

Usage:  .venv/bin/python tools/gen_inventory.py [--out DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20261126
TODAY = dt.date(2026, 11, 26)  # the data's "now": wave status and history dates are consistent with it
ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------------------------
# Sites: the city, the 13 county-level areas (real names and division codes) and townships.
# ---------------------------------------------------------------------------------------------

CITY = ("lvliang", "吕梁市", "Lüliang Shi", "141100")

# (id, name, pinyin, division code, villages to generate, terrain) — terrain drives village names
COUNTIES = [
    ("lishi", "离石区", "Lishi Qu", "141102", 170, "hill"),
    ("xiaoyi", "孝义市", "Xiaoyi Shi", "141181", 300, "plain"),
    ("fenyang", "汾阳市", "Fenyang Shi", "141182", 300, "plain"),
    ("wenshui", "文水县", "Wenshui Xian", "141121", 200, "plain"),
    ("jiaocheng", "交城县", "Jiaocheng Xian", "141122", 150, "hill"),
    ("xingxian", "兴县", "Xing Xian", "141123", 380, "mountain"),
    ("linxian", "临县", "Lin Xian", "141124", 600, "mountain"),
    ("liulin", "柳林县", "Liulin Xian", "141125", 240, "mountain"),
    ("shilou", "石楼县", "Shilou Xian", "141126", 130, "mountain"),
    ("lanxian", "岚县", "Lan Xian", "141127", 150, "mountain"),
    ("fangshan", "方山县", "Fangshan Xian", "141128", 140, "mountain"),
    ("zhongyang", "中阳县", "Zhongyang Xian", "141129", 110, "mountain"),
    ("jiaokou", "交口县", "Jiaokou Xian", "141130", 90, "mountain"),
]

# County cores still on a 100 Mbit/s backbone link: planted finding for the gigabit policy.
SLOW_CORE_COUNTIES = ("shilou", "jiaokou")

# Township names by county: "name:pinyin"; a trailing "?" marks a name we are not sure of
# (written with synthetic: true). Suffix 街道/镇/乡 decides the romanized suffix.
TOWNSHIPS = {
    "lishi": "莲花池街道:lianhuachi 城北街道:chengbei 凤山街道:fengshan 滨河街道:binhe 田家会街道:tianjiahui "
    "交口街道:jiaokou 西属巴街道:xishuba 信义镇:xinyi 吴城镇:wucheng 坪头乡:pingtou 枣林乡:zaolin 红眼川乡:hongyanchuan",
    "xiaoyi": "新义街道:xinyi 中阳楼街道:zhongyanglou 振兴街道:zhenxing 胜溪湖街道:shengxihu 崇文街道:chongwen "
    "兑镇镇:duizhen 阳泉曲镇:yangquanqu 下堡镇:xiabao 西辛庄镇:xixinzhuang 高阳镇:gaoyang 梧桐镇:wutong "
    "柱濮镇:zhupu 大孝堡镇:daxiaobao 南阳乡:nanyang 驿马乡:yima 杜村乡:ducun",
    "fenyang": "文峰街道:wenfeng 太和桥街道:taiheqiao 贾家庄镇:jiajiazhuang 杏花村镇:xinghuacun 冀村镇:jicun "
    "肖家庄镇:xiaojiazhuang 演武镇:yanwu 三泉镇:sanquan 石庄镇:shizhuang 杨家庄镇:yangjiazhuang "
    "峪道河镇:yudaohe 西河乡:xihe 阳城乡:yangcheng 栗家庄乡:lijiazhuang",
    "wenshui": "凤城镇:fengcheng 开栅镇:kaizha 南庄镇:nanzhuang 南安镇:nanan 刘胡兰镇:liuhulan 下曲镇:xiaqu "
    "孝义镇:xiaoyi 西槽头乡:xicaotou 北张乡:beizhang 马西乡:maxi 西城乡:xicheng 南武乡:nanwu?",
    "jiaocheng": "天宁镇:tianning 夏家营镇:xiajiaying 西营镇:xiying 水峪贯镇:shuiyuguan 西社镇:xishe "
    "庞泉沟镇:pangquangou 洪相乡:hongxiang 岭底乡:lingdi 东坡底乡:dongpodi 会立乡:huili",
    "xingxian": "蔚汾镇:weifen 魏家滩镇:weijiatan 瓦塘镇:watang 康宁镇:kangning 高家村镇:gaojiacun "
    "罗峪口镇:luoyukou 蔡家会镇:caijiahui 交楼申乡:jiaoloushen 恶虎滩乡:ehutan 东会乡:donghui 固贤乡:guxian "
    "奥家湾乡:aojiawan 蔡家崖乡:caijiaya 贺家会乡:hejiahui 孟家坪乡:mengjiaping 赵家坪乡:zhaojiaping 圪达上乡:gedashang",
    "linxian": "临泉镇:linquan 白文镇:baiwen 城庄镇:chengzhuang 兔坂镇:tuban 克虎镇:kehu 三交镇:sanjiao "
    "湍水头镇:tuanshuitou 林家坪镇:linjiaping 招贤镇:zhaoxian 碛口镇:qikou 刘家会镇:liujiahui 丛罗峪镇:congluoyu "
    "曲峪镇:quyu 八堡乡:babao 大禹乡:dayu 玉坪乡:yuping 青凉寺乡:qingliangsi 石白头乡:shibaitou "
    "雷家碛乡:leijiaqi 木瓜坪乡:muguaping 安业乡:anye 车赶乡:chegan",
    "liulin": "柳林镇:liulin 穆村镇:mucun 薛村镇:xuecun 庄上镇:zhuangshang 留誉镇:liuyu 三交镇:sanjiao "
    "成家庄镇:chengjiazhuang 孟门镇:mengmen 李家湾乡:lijiawan 陈家湾乡:chenjiawan? 贾家垣乡:jiajiayuan "
    "高家沟乡:gaojiagou 王家沟乡:wangjiagou 石西乡:shixi 金家庄乡:jinjiazhuang",
    "shilou": "灵泉镇:lingquan 罗村镇:luocun 义牒镇:yidie 小蒜镇:xiaosuan 龙交乡:longjiao 和合乡:hehe "
    "前山乡:qianshan 曹家垣乡:caojiayuan 裴沟乡:peigou",
    "lanxian": "东村镇:dongcun 岚城镇:lancheng 普明镇:puming 界河口镇:jiehekou 土峪乡:tuyu 上明乡:shangming "
    "王狮乡:wangshi 梁家庄乡:liangjiazhuang 顺会乡:shunhui 河口乡:hekou 社科乡:sheke 大蛇头乡:dashetou",
    "fangshan": "圪洞镇:gedong 马坊镇:mafang 峪口镇:yukou 大武镇:dawu 北武当镇:beiwudang 积翠乡:jicui "
    "开府乡:kaifu? 麻地会乡:madihui",
    "zhongyang": "宁乡镇:ningxiang 金罗镇:jinluo 枝柯镇:zhike 武家庄镇:wujiazhuang 暖泉镇:nuanquan "
    "下枣林乡:xiazaolin 车鸣峪乡:chemingyu",
    "jiaokou": "水头镇:shuitou 康城镇:kangcheng 双池镇:shuangchi 桃红坡镇:taohongpo 石口乡:shikou "
    "回龙乡:huilong 温泉乡:wenquan",
}

_SUFFIX = {"街道": ("Jiedao", 0.35), "镇": ("Zhen", 1.2), "乡": ("Xiang", 1.0)}  # romanized, village weight

# ---------------------------------------------------------------------------------------------
# Village names: surname + 家 + place element, position + element, surname + element, nature + element.
# ---------------------------------------------------------------------------------------------

SURNAMES = (
    "张:Zhang 王:Wang 李:Li 刘:Liu 杨:Yang 高:Gao 郭:Guo 贺:He 薛:Xue 任:Ren 冯:Feng 白:Bai 马:Ma 孙:Sun "
    "赵:Zhao 陈:Chen 田:Tian 武:Wu 韩:Han 曹:Cao 宋:Song 梁:Liang 乔:Qiao 崔:Cui 霍:Huo 闫:Yan 康:Kang "
    "温:Wen 侯:Hou 牛:Niu 秦:Qin 苏:Su 胡:Hu 郝:Hao 段:Duan 石:Shi 雷:Lei 穆:Mu 成:Cheng 车:Che 呼:Hu "
    "燕:Yan 薄:Bo 贾:Jia 常:Chang 申:Shen 阎:Yan 程:Cheng"
).split()
ELEMENTS = {
    "plain": "庄:zhuang 庄:zhuang 营:ying 堡:bao 村:cun 屯:tun 寨:zhai 园:yuan 里:li 河:he 店:dian 桥:qiao",
    "hill": "庄:zhuang 沟:gou 坪:ping 峪:yu 湾:wan 山:shan 堡:bao 塔:ta 垣:yuan 河:he 坡:po 营:ying",
    "mountain": "沟:gou 坪:ping 峪:yu 塔:ta 湾:wan 峁:mao 坬:wa 垣:yuan 崖:ya 山:shan 坡:po 庄:zhuang 渠:qu",
}
POSITIONS = "前:qian 后:hou 东:dong 西:xi 南:nan 北:bei 上:shang 下:xia 中:zhong 大:da 小:xiao 新:xin".split()
NATURE = "石:shi 柳:liu 枣:zao 杏:xing 桃:tao 红:hong 白:bai 青:qing 松:song 黄:huang 槐:huai 榆:yu 水:shui 梨:li 羊:yang 马:ma".split()


def _pair(s: str) -> tuple[str, str]:
    zh, py = s.split(":")
    return zh, py


def village_name(rng: random.Random, terrain: str) -> tuple[str, str]:
    """A plausible 行政村 name and its pinyin, e.g. ('张家沟村', 'Zhangjiagou Cun')."""
    elements = [_pair(e) for e in ELEMENTS[terrain].split()]
    ez, ep = rng.choice(elements)
    r = rng.random()
    if r < 0.45:
        sz, sp = _pair(rng.choice(SURNAMES))
        zh, py = f"{sz}家{ez}", f"{sp}jia{ep}"
    elif r < 0.65:
        pz, pp = _pair(rng.choice(POSITIONS))
        zh, py = pz + ez, pp.capitalize() + ep
    elif r < 0.85:
        sz, sp = _pair(rng.choice(SURNAMES))
        zh, py = sz + ez, sp + ep
    else:
        nz, np_ = _pair(rng.choice(NATURE))
        zh, py = nz + ez, np_.capitalize() + ep
    if zh.endswith("村"):
        return zh, py.capitalize()
    return zh + "村", py.capitalize() + " Cun"


# ---------------------------------------------------------------------------------------------
# Data model of the generator (plain dicts are written out; order of keys is the output order).
# ---------------------------------------------------------------------------------------------


@dataclass
class Township:
    id: str
    name: str
    county: str
    index: int  # 1-based, for addresses
    villages: list[dict] = field(default_factory=list)


def build_sites(rng: random.Random) -> tuple[list[dict], dict[str, list[dict]], dict[str, list[Township]]]:
    """Returns (city+county records, per-county township+village records, townships by county)."""
    top = [{"id": CITY[0], "name": CITY[1], "level": "city", "pinyin": CITY[2], "division_code": CITY[3]}]
    per_county: dict[str, list[dict]] = {}
    townships: dict[str, list[Township]] = {}
    for cid, name, pinyin, code, n_villages, terrain in COUNTIES:
        top.append({"id": cid, "name": name, "level": "county", "parent": CITY[0], "pinyin": pinyin, "division_code": code})
        recs: list[dict] = []
        towns: list[Township] = []
        entries = TOWNSHIPS[cid].split()
        weights = []
        for i, entry in enumerate(entries, 1):
            tname, tpy = entry.split(":")
            unsure = tpy.endswith("?")
            tpy = tpy.rstrip("?")
            kind = next(k for k in _SUFFIX if tname.endswith(k))
            suffix, weight = _SUFFIX[kind]
            tid = f"{cid}-{tpy}"
            rec = {"id": tid, "name": tname, "level": "township", "parent": cid, "pinyin": f"{tpy.capitalize()} {suffix}"}
            if unsure:
                rec["synthetic"] = True
            recs.append(rec)
            towns.append(Township(tid, tname, cid, i))
            weights.append(weight * rng.uniform(0.7, 1.3))
        # spread the county's villages over its townships (largest remainder), at least 2 each
        total_w = sum(weights)
        raw = [n_villages * w / total_w for w in weights]
        counts = [max(2, int(x)) for x in raw]
        order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - int(raw[i])), i))
        k = 0
        while sum(counts) < n_villages:
            counts[order[k % len(order)]] += 1
            k += 1
        for town, n in zip(towns, counts):
            used: set[str] = set()
            for v in range(1, n + 1):
                while True:
                    vname, vpy = village_name(rng, terrain)
                    if vname not in used:
                        break
                used.add(vname)
                rec = {"id": f"{town.id}-v{v:03d}", "name": vname, "level": "village", "parent": town.id, "pinyin": vpy, "synthetic": True}
                town.villages.append(rec)
        for town in towns:
            recs.extend(town.villages)
        per_county[cid] = recs
        townships[cid] = towns
    return top, per_county, townships


# ---------------------------------------------------------------------------------------------
# Nodes
# ---------------------------------------------------------------------------------------------

MODELS = {
    ("Huawei", "core"): ["CE6881-48S6CQ", "S12708", "CE12804"],
    ("H3C", "core"): ["S7506X", "S12508G-AF", "S6520X-54QC-EI"],
    ("Huawei", "aggregation"): ["S6730-H24X6C", "S5735-S48T4X", "AR6280"],
    ("H3C", "aggregation"): ["S6520X-30QC-EI", "S5560X-54C-EI", "MSR3610"],
    ("Ruijie", "aggregation"): ["RG-S5750-48GT4XS-HP", "RG-S6120-20XS4VS2QXS"],
    ("ZTE", "aggregation"): ["ZXR10 5960-56QU-HI", "ZXR10 5960-32DL"],
    ("Huawei", "access"): ["S5735-L24T4X-A", "AR6140-16G4XG", "S1730S-L24T-A"],
    ("H3C", "access"): ["S5130S-28S-EI", "MSR3610-X1", "S5120V2-28P-LI"],
    ("Ruijie", "access"): ["RG-EG3230", "RG-S2910-24GT4XS-E", "RG-S5750-28GT4XS-H"],
    ("ZTE", "access"): ["ZXR10 5250-28TM-H", "ZXR10 2928E", "ZXR10 ZXCTN 6120H"],
}
# (vendor, weight) per role; each county also has a "home" vendor that won its access tender
CORE_VENDORS = [("Huawei", 6), ("H3C", 4)]
AGG_VENDORS = [("Huawei", 4), ("H3C", 3), ("Ruijie", 2), ("ZTE", 1)]
ACCESS_VENDORS = ("Huawei", "H3C", "Ruijie", "ZTE")
# the vendor that won each county's village-access tender (~70 % of its access nodes)
ACCESS_HOME = {"lishi": "Huawei", "xiaoyi": "H3C", "fenyang": "Huawei", "wenshui": "Ruijie", "jiaocheng": "H3C",
               "xingxian": "Huawei", "linxian": "Huawei", "liulin": "H3C", "shilou": "ZTE", "lanxian": "Ruijie",
               "fangshan": "ZTE", "zhongyang": "Huawei", "jiaokou": "H3C"}

ACCESS_COVERAGE = 0.85  # share of villages with an access node (indicator 5 is not yet at 100 %)


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def _vm(rng: random.Random, vendor: str, role: str) -> dict:
    return {"vendor": vendor, "model": rng.choice(MODELS[(vendor, role)])}


def build_nodes(rng: random.Random, townships: dict[str, list[Township]]) -> tuple[list[dict], dict[str, list[dict]]]:
    city = []
    for i in (1, 2):
        city.append({"id": f"lvliang-core-{i:02d}", "site": "lvliang", "role": "core", "address": f"10.140.0.{i}",
                     "snmp": "v3-default", "vendor": "Huawei" if i == 1 else "H3C",
                     "model": "CE12808" if i == 1 else "S12508G-AF", "uplink_mbps": 10000})
    per_county: dict[str, list[dict]] = {}
    for ci, (cid, *_rest) in enumerate(COUNTIES, 1):
        terrain = _rest[-1]
        home = ACCESS_HOME[cid]
        nodes = []
        core_v = _weighted(rng, CORE_VENDORS)
        nodes.append({"id": f"{cid}-core-01", "site": cid, "role": "core", "address": f"10.140.{ci}.1",
                      "snmp": "v3-default", **_vm(rng, core_v, "core"),
                      "uplink_mbps": 100 if cid in SLOW_CORE_COUNTIES else 1000})
        fast_agg = {"plain": 0.85, "hill": 0.7, "mountain": 0.5}[terrain]
        for town in townships[cid]:
            agg_v = _weighted(rng, AGG_VENDORS)
            nodes.append({"id": f"{town.id}-agg-01", "site": town.id, "role": "aggregation",
                          "address": f"10.140.{ci}.{10 + town.index}", "snmp": "v3-default", **_vm(rng, agg_v, "aggregation"),
                          "uplink_mbps": 1000 if rng.random() < fast_agg else 100})
            for vi, village in enumerate(town.villages, 1):
                if rng.random() >= ACCESS_COVERAGE:
                    continue
                vendor = home if rng.random() < 0.7 else rng.choice(ACCESS_VENDORS)
                nodes.append({"id": f"{village['id']}-acc-01", "site": village["id"], "role": "access",
                              "address": f"10.{140 + ci}.{town.index}.{vi + 1}", "snmp": "v3-default",
                              **_vm(rng, vendor, "access"), "uplink_mbps": 1000 if rng.random() < 0.08 else 100})
        per_county[cid] = nodes
    _plant_node_findings(rng, per_county)
    return city, per_county


def _plant_node_findings(rng: random.Random, per_county: dict[str, list[dict]]) -> None:
    """IPv6 literals (~3 %), explicit ports, old SNMP v2c profiles (~5 %) and 3 public communities."""
    flat = [n for cid, *_ in COUNTIES for n in per_county[cid]]
    non_core = [n for n in flat if n["role"] != "core"]
    county_no = {cid: i for i, (cid, *_) in enumerate(COUNTIES, 1)}

    def v6(n: dict) -> str:
        a, b, c, d = (int(x) for x in n["address"].split(":")[0].split("."))
        return f"fd00:141:{county_no_of(n):x}:{c:x}::{d:x}" if n["role"] == "access" else f"fd00:141::{c:x}:{d:x}"

    def county_no_of(n: dict) -> int:
        return county_no[n["id"].split("-")[0]]

    ipv6 = rng.sample(non_core, round(len(flat) * 0.03))
    for n in ipv6:
        n["address"] = v6(n)
    ported = rng.sample([n for n in non_core if n not in ipv6], 4) + rng.sample(ipv6, 2)
    for n in ported:
        n["address"] = f"[{n['address']}]:1161" if ":" in n["address"] else f"{n['address']}:1161"
    legacy = rng.sample(non_core, round(len(flat) * 0.05))
    for n in legacy:
        n["snmp"] = "v2c-legacy"
    public = rng.sample([n for n in non_core if n["role"] == "access" and n not in legacy], 3)
    for n in public:
        n["snmp"] = "v2c-public"


# ---------------------------------------------------------------------------------------------
# Tenants, waves, systems
# ---------------------------------------------------------------------------------------------

PROVIDERS = ("tianhe", "huawei", "xinchuang")

WAVES = [  # id, name, start, end (status follows from TODAY)
    ("w2023a", "第一批迁移（2023年上半年）", "2023-03-01", "2023-09-30"),
    ("w2023b", "第二批迁移（2023年下半年）", "2023-10-01", "2024-03-31"),
    ("w2024a", "第三批迁移（2024年）", "2024-04-01", "2024-11-30"),
    ("w2025a", "第四批迁移（信创替代 2025年）", "2025-03-01", "2025-10-31"),
    ("w2026a", "第五批迁移（2026年）", "2026-03-01", "2026-12-31"),
    ("w2026b", "第六批迁移（2026年冬—2027年）", "2026-12-15", "2027-06-30"),
]

# City departments: abbreviation → name. Systems: "name|mlps|flags" where flags may include
#   C classified (涉密), P 专网 (network: private), I internet-facing, N new (go-live after 2023),
#   O old (go-live 2012-2015), Y<year> fixed go-live year.
DEPARTMENTS: dict[str, tuple[str, list[str]]] = {
    "xzsp": ("市行政审批服务管理局", ["一体化政务服务平台|3|I", "12345政务服务便民热线系统|3|", "工程建设项目审批管理系统|3|",
                                    "政务服务好差评系统|2|", "吕梁通移动政务服务平台|2|I", "电子证照库|3|",
                                    "企业开办一网通办平台|2|N", "政务大厅排队叫号系统|2|O"]),
    "zwxx": ("市政务信息管理局", ["政务云管理平台|3|", "数据共享交换平台|3|", "电子政务外网网管系统|3|", "云网态势感知平台|3|N",
                                "数字政府服务管理平台|3|", "统一身份认证平台|3|", "多云管理平台|2|N"]),
    "dsjzx": ("市大数据应用中心", ["政务大数据中心平台|3|", "数据资源目录系统|2|", "公共数据开放平台|2|I",
                                 "吕梁政企通政策兑现平台|2|N", "城市大脑运行指挥中心平台|3|N"]),
    "zrzyj": ("市自然资源局", ["不动产登记系统|3|", "国土空间基础信息平台|3|", "国土空间规划一张图实施监督系统|2|",
                              "地理信息公共服务平台|2|", "矿产资源管理系统|2|", "自然资源执法监察系统|2|", "基础测绘成果管理系统|3|C"]),
    "rsj": ("市人力资源和社会保障局", ["社会保障信息系统|4|", "就业创业服务平台|2|I", "社保卡一卡通服务平台|3|",
                                     "人事考试管理系统|2|", "劳动保障监察系统|2|", "工伤保险业务系统|2|O"]),
    "wjw": ("市卫生健康委员会", ["全民健康信息平台|3|", "智慧助医辅助诊断系统|2|N", "基层医疗卫生机构管理信息系统|3|",
                                "医疗废物智慧监管平台|2|N", "120急救调度指挥系统|3|", "妇幼保健信息系统|2|",
                                "疾病预防控制信息系统|3|", "居民电子健康档案系统|3|"]),
    "jyj": ("市教育局", ["智慧教育云平台|2|", "教育管理公共服务平台|2|", "中考招生考试信息系统|3|", "中小学学籍管理系统|2|",
                        "校园安全视频监控平台|2|", "教育资源公共服务平台|2|I"]),
    "scjgj": ("市市场监督管理局", ["市场主体登记系统|3|", "食品安全追溯平台|2|", "特种设备安全监管系统|2|", "12315投诉举报平台|2|",
                                 "双随机一公开监管平台|2|", "药品安全监管系统|2|"]),
    "sthjj": ("市生态环境局", ["生态环境监测平台|2|", "污染源在线监控系统|2|P", "排污许可管理系统|2|", "环境应急指挥系统|2|",
                              "机动车排放检测监管系统|2|"]),
    "zjj": ("市住房和城乡建设局", ["住房保障管理系统|2|", "建筑市场监管平台|2|", "房地产交易网签备案系统|3|", "物业管理服务平台|2|N",
                                  "城建档案管理系统|2|O"]),
    "jtysj": ("市交通运输局", ["综合交通大数据中心|2|N", "道路运输管理系统|2|", "公路养护管理系统|2|", "出租汽车监管平台|2|",
                              "交通运输综合执法系统|2|"]),
    "nyncj": ("市农业农村局", ["农业畜牧业智慧生产应用服务系统|2|N", "农产品质量安全追溯系统|2|", "农村集体资产管理平台|2|",
                              "高标准农田信息管理系统|2|", "动物疫病防控系统|2|"]),
    "mzj": ("市民政局", ["社会救助信息系统|3|", "养老服务信息平台|2|", "婚姻登记信息系统|3|", "殡葬管理信息系统|2|", "社会组织管理系统|2|"]),
    "czj": ("市财政局", ["预算管理一体化系统|3|", "国库集中支付系统|3|", "非税收入收缴系统|3|", "政府采购管理系统|2|", "行政事业单位资产管理系统|2|"]),
    "ybj": ("市医疗保障局", ["医疗保障信息平台|3|", "医保基金智能监管系统|3|", "医疗救助系统|2|", "药品集中采购监管系统|2|"]),
    "yjglj": ("市应急管理局", ["应急指挥调度平台|3|", "安全生产风险监测预警系统|3|", "应急指挥专网调度系统|3|PN",
                              "自然灾害综合风险监测系统|2|", "危险化学品安全监管系统|2|", "煤矿安全监测联网系统|3|P"]),
    "slj": ("市水利局", ["水利综合业务应用平台|2|", "数字孪生流域平台|2|N", "水资源监控系统|2|", "山洪灾害监测预警系统|3|", "河湖长制管理系统|2|"]),
    "wlj": ("市文化和旅游局", ["吕梁智慧文旅云平台|2|I", "文物安全监管系统|2|", "旅游大数据平台|2|N", "公共文化服务平台|2|I"]),
    "gaj": ("市公安局", ["警务综合信息系统|3|CP", "公安大数据平台|4|CP", "视频图像信息共享平台|3|CP", "人口户籍管理系统|3|CP",
                        "出入境管理系统|3|CP", "互联网+公安政务服务平台|3|I", "交通管理综合应用平台|3|"]),
    "fgw": ("市发展和改革委员会", ["投资项目在线审批监管平台|3|", "社会信用信息平台|3|", "价格监测系统|2|", "重点用能单位能耗在线监测系统|2|"]),
    "gxj": ("市工业和信息化局", ["工业互联网服务平台|2|N", "中小企业公共服务平台|2|I", "工业经济运行监测系统|2|"]),
    "swj": ("市商务局", ["商务运行监测系统|2|", "外贸综合服务平台|2|", "电子商务公共服务平台|2|I"]),
    "sfj": ("市司法局", ["公共法律服务平台|2|I", "社区矫正管理系统|3|", "行政执法监督平台|2|", "人民调解信息系统|2|"]),
    "sjj": ("市审计局", ["审计业务管理系统|2|", "大数据审计分析平台|3|"]),
    "tjj": ("市统计局", ["统计联网直报平台|2|", "统计数据管理系统|2|"]),
    "tyjrj": ("市退役军人事务局", ["退役军人业务管理平台|2|", "优抚信息管理系统|2|"]),
    "lyj": ("市林业局", ["森林防火监测预警系统|2|", "林草资源管理系统|2|"]),
    "nyj": ("市能源局", ["煤炭产业运行监测平台|2|", "能源安全监测系统|2|"]),
    "cgj": ("市城市管理局", ["数字城管平台|2|", "智慧停车管理系统|2|N", "城市运行管理服务平台|2|N"]),
    "ggzy": ("市公共资源交易中心", ["公共资源交易平台|3|I", "公共资源交易大数据综合分析平台|2|", "远程异地评标系统|2|"]),
    "dag": ("市档案馆", ["数字档案馆系统|3|", "涉密档案管理系统|3|C"]),
    "jgswj": ("市机关事务管理局", ["公务用车管理平台|2|", "公共机构能耗监测系统|2|", "公共机构资产管理系统|2|"]),
    "xfj": ("市信访局", ["网上信访信息系统|3|", "信访大数据分析平台|2|"]),
    "rfb": ("市人民防空办公室", ["人防指挥信息系统|3|C", "防空警报控制系统|3|C"]),
    "kjj": ("市科学技术局", ["科技项目管理系统|2|", "科技成果转化服务平台|2|"]),
    "gzw": ("市国有资产监督管理委员会", ["国资监管信息平台|2|"]),
    "gjj": ("市住房公积金管理中心", ["住房公积金综合业务系统|3|", "公积金网上服务大厅|2|I"]),
    "cl": ("市残疾人联合会", ["残疾人服务管理系统|2|"]),
    "rmt": ("市融媒体中心", ["融媒体中心指挥平台|2|", "吕梁新闻网|2|I"]),
    "tyj": ("市体育局", ["全民健身公共服务平台|2|N"]),
    "swbgs": ("市委办公室", ["涉密办公自动化系统|4|C", "党委信息报送系统|3|C", "督查督办系统|2|"]),
    "zzb": ("市委组织部", ["干部人事档案管理系统|3|C", "党员管理信息系统|2|"]),
    "bmj": ("市国家保密局", ["保密技术检查系统|3|C", "涉密载体管理系统|3|C"]),
    "jiyao": ("市委机要局", ["机要密码通信系统|4|C", "机要电子公文传输系统|4|C"]),
    "zfb": ("市人民政府办公室", ["政府门户网站|2|I", "协同办公系统|3|", "政府信息公开平台|2|I", "领导决策支持系统|2|"]),
}

# County departments: abbreviation → (department suffix, system name suffix, mlps, flags)
COUNTY_SYSTEMS = [
    ("xzsp", "行政审批服务管理局", "政务服务综合受理系统", 2, ""),
    ("wjj", "卫生健康和体育局", "县域医共体信息平台", 3, ""),
    ("jyj", "教育科技局", "智慧校园平台", 2, ""),
    ("rmt", "融媒体中心", "融媒体中心平台", 2, "I"),
    ("nyncj", "农业农村局", "智慧农业服务平台", 2, ""),
    ("yjj", "应急管理局", "应急指挥平台", 2, ""),
]

BLOCK_NOTES = [
    "依赖Oracle数据库，信创适配未完成",
    "原开发厂商已不再维护，源代码缺失",
    "与省级系统接口改造未完成",
    "业务高峰期，暂缓割接",
]


@dataclass
class Sys:
    id: str
    name: str
    dept_abbr: str
    department: str
    county: str | None
    mlps: int
    flags: str
    go_live: dt.date = TODAY
    rec: dict = field(default_factory=dict)


def _rand_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _d(s: str) -> dt.date:
    return dt.date.fromisoformat(s)


def wave_status(start: dt.date, end: dt.date) -> str:
    if end < TODAY:
        return "done"
    return "active" if start <= TODAY else "planned"


def build_systems(rng: random.Random) -> tuple[list[dict], list[dict]]:
    systems: list[Sys] = []
    n = 0
    for abbr, (dept, entries) in DEPARTMENTS.items():
        for entry in entries:
            name, mlps, flags = entry.split("|")
            n += 1
            systems.append(Sys(f"sys-{n:04d}", name, abbr, dept, None, int(mlps), flags))
    for cid, cname, *_ in COUNTIES:
        picks = rng.sample(COUNTY_SYSTEMS, rng.choice((3, 3, 4)))
        for abbr, dsuffix, sname, mlps, flags in sorted(picks, key=COUNTY_SYSTEMS.index):
            n += 1
            systems.append(Sys(f"sys-{n:04d}", cname + sname, f"{cid}-{abbr}", cname + dsuffix, cid, mlps, flags))

    # go-live dates: N → 2023-01..2026-10; O → 2012-2015; others 2012-2022 (skewed to later years)
    for s in systems:
        if "N" in s.flags:
            s.go_live = _rand_date(rng, _d("2023-01-10"), _d("2026-10-31"))
        elif "O" in s.flags:
            s.go_live = _rand_date(rng, _d("2012-03-01"), _d("2015-12-31"))
        else:
            year = rng.choices(range(2012, 2023), weights=[2, 2, 3, 3, 4, 5, 5, 6, 6, 6, 5])[0]
            s.go_live = _rand_date(rng, dt.date(year, 1, 5), dt.date(year, 12, 20))
    # a few more county systems are new (the counties built them straight on the cloud)
    county_sys = [s for s in systems if s.county]
    for s in rng.sample(county_sys, 8):
        s.flags += "N"
        s.go_live = _rand_date(rng, _d("2023-02-01"), _d("2026-09-30"))

    waves = {w[0]: (_d(w[2]), _d(w[3])) for w in WAVES}
    classified = [s for s in systems if "C" in s.flags]
    open_ = [s for s in systems if "C" not in s.flags]
    new = [s for s in open_ if s.go_live >= dt.date(2023, 1, 1)]
    old = [s for s in open_ if s.go_live < dt.date(2023, 1, 1)]

    # planted: exactly two new systems still on-prem (not the new 专网, which is on the cloud)
    new_on_prem = {s.id for s in rng.sample([s for s in new if "P" not in s.flags and s.go_live < _d("2026-06-01")], 2)}

    # old systems: category by a fixed shuffle so the counts are exact
    old_sorted = sorted(old, key=lambda s: s.go_live)
    retired = {s.id for s in old_sorted[:12] if "O" in s.flags or s.go_live.year <= 2013}
    retired = set(sorted(retired)[:4])
    rest = [s for s in old if s.id not in retired]
    rng.shuffle(rest)
    n_pending = round(len(open_) * 0.27) - 2
    pending = {s.id for s in rest[:n_pending]}
    blocked = {s.id for s in rest[:5]}  # stuck migrations with a reason in their history
    cloud_moves = {s.id for s in rest[n_pending:n_pending + 8]}

    tenants: dict[str, dict] = {}

    def tenant(s: Sys, provider: str) -> str:
        tid = f"{s.dept_abbr}-{provider}"
        if tid not in tenants:
            tenants[tid] = {"id": tid, "department": s.department, "provider": provider, "project": f"lvliang-{s.dept_abbr}"}
        return tid

    def strategy() -> str:
        return rng.choices(["rehost", "replatform", "refactor", "repurchase"], weights=[10, 6, 3, 1])[0]

    def hist(*items: tuple[dt.date, str, str | None]) -> list[dict]:
        out = []
        for d, st, note in items:
            assert d <= TODAY, (d, st)
            e = {"date": d, "state": st}
            if note:
                e["note"] = note
            out.append(e)
        return out

    def walk(wave: str, upto: str, s: Sys) -> list[tuple[dt.date, str, str | None]]:
        """History of one wave up to state ``upto`` (planned → preparing → migrating → migrated)."""
        start, end = waves[wave]
        end = min(end, TODAY - dt.timedelta(days=15))  # leaves room for a later 'blocked' entry
        planned = max(s.go_live + dt.timedelta(days=20), start - dt.timedelta(days=rng.randint(30, 100)))
        planned = min(planned, TODAY - dt.timedelta(days=3))
        steps = [(planned, "planned", None)]
        if upto == "planned":
            return steps
        prep = max(planned + dt.timedelta(days=7), start + dt.timedelta(days=rng.randint(0, 25)))
        steps.append((min(prep, end), "preparing", None))
        if upto == "preparing":
            return steps
        mig = _rand_date(rng, steps[-1][0] + dt.timedelta(days=10), steps[-1][0] + dt.timedelta(days=90))
        steps.append((min(mig, end), "migrating", None))
        if upto == "migrating":
            return steps
        done = _rand_date(rng, steps[-1][0] + dt.timedelta(days=7), steps[-1][0] + dt.timedelta(days=60))
        steps.append((min(done, end), "migrated", None))
        return steps

    def cloud_provider(on: dt.date) -> str:
        if on < _d("2020-06-01"):
            return rng.choices(["tianhe", "huawei"], weights=[6, 4])[0]
        if on < _d("2022-06-01"):
            return rng.choices(["tianhe", "huawei"], weights=[4, 6])[0]
        if on < _d("2024-01-01"):
            return rng.choices(["tianhe", "huawei", "xinchuang"], weights=[1, 3, 6])[0]
        return rng.choices(["huawei", "xinchuang"], weights=[1, 9])[0]

    def base(s: Sys) -> dict:
        r = {"id": s.id, "name": s.name, "department": s.department}
        if s.county:
            r["county"] = s.county
        return r

    for s in classified:
        r = base(s) | {"classified": True, "mlps_level": s.mlps, "deployment": "on_prem", "xinchuang": rng.random() < 0.5}
        if "P" in s.flags:
            r["network"] = "private"
        r["migration"] = {"state": "retained_on_prem", "strategy": "retain",
                          "history": hist((_d("2023-02-15"), "retained_on_prem", "涉密系统，按规定不上云"))}
        s.rec = r

    for s in open_:
        r = base(s) | {"classified": False, "mlps_level": s.mlps}
        m: dict = {}
        if s.id in retired:
            wave = rng.choice(["w2023a", "w2024a"])
            steps = walk(wave, "planned", s)
            steps.append((steps[0][0] + dt.timedelta(days=rng.randint(60, 150)), "retired", "功能并入一体化平台，停止运行"))
            r |= {"deployment": "on_prem"}
            m = {"state": "retired", "wave": wave, "strategy": "retire", "history": hist(*steps)}
        elif s.id in new_on_prem or s.id in pending:
            state = rng.choices(["planned", "preparing", "migrating"], weights=[4, 3, 3])[0]
            if s.id in blocked:
                state = "blocked"
            elif s.id in new_on_prem:
                state = "planned"
            wave = "w2026b" if state == "planned" else rng.choice(["w2026a", "w2025a"] if state == "blocked" else ["w2026a"])
            if state == "blocked":
                steps = walk(wave, rng.choice(["preparing", "migrating"]), s)
                steps.append((min(steps[-1][0] + dt.timedelta(days=rng.randint(20, 60)), TODAY - dt.timedelta(days=1)), "blocked", rng.choice(BLOCK_NOTES)))
            else:
                steps = walk(wave, state, s)
            target = "xinchuang" if rng.random() < 0.85 else "huawei"
            r |= {"deployment": "on_prem"}
            m = {"state": state, "wave": wave, "strategy": strategy(), "target_provider": target,
                 "target_tenant": tenant(s, target), "history": hist(*steps)}
        elif s.id in cloud_moves:
            provider = rng.choice(["tianhe", "huawei"])
            first_wave = rng.choice(["w2023a", "w2023b"]) if s.go_live < _d("2022-09-01") else None
            steps = walk(first_wave, "migrated", s) if first_wave else [(s.go_live, "migrated", "云上新建")]
            state = rng.choice(["planned", "preparing", "migrating"])
            wave = "w2026b" if state == "planned" else "w2026a"
            later = walk(wave, state, s)
            later[0] = (max(later[0][0], steps[-1][0] + dt.timedelta(days=30)), "planned", "信创替代：迁往信创云")
            r |= {"deployment": "cloud", "provider": provider, "tenant": tenant(s, provider)}
            m = {"state": state, "wave": wave, "strategy": "replatform", "target_provider": "xinchuang",
                 "target_tenant": tenant(s, "xinchuang"), "history": hist(*steps, *later)}
        else:
            born = s.go_live >= _d("2019-06-01") and (s.go_live >= _d("2023-01-01") or rng.random() < 0.4)
            if born:
                provider = cloud_provider(s.go_live)
                m = {"state": "migrated", "history": hist((s.go_live, "migrated", "云上新建"))}
            else:
                options = [w for w in ("w2023a", "w2023b", "w2024a", "w2025a", "w2026a") if waves[w][0] > s.go_live + dt.timedelta(days=120)]
                wave = rng.choices(options, weights=[5, 4, 4, 3, 2][-len(options):])[0]
                provider = {"w2023a": lambda: rng.choices(PROVIDERS, weights=[3, 3, 4])[0],
                            "w2023b": lambda: rng.choices(PROVIDERS, weights=[2, 3, 5])[0],
                            "w2024a": lambda: rng.choices(PROVIDERS, weights=[1, 2, 7])[0]}.get(
                    wave, lambda: rng.choices(["huawei", "xinchuang"], weights=[2, 8])[0])()
                m = {"state": "migrated", "wave": wave, "strategy": strategy(), "history": hist(*walk(wave, "migrated", s))}
            r |= {"deployment": "cloud", "provider": provider, "tenant": tenant(s, provider)}
        if "P" in s.flags:
            r["network"] = "private"
        elif "I" in s.flags:
            r["network"] = "internet"
        r["migration"] = m
        s.rec = r

    _set_xinchuang(rng, systems)
    _set_dr(rng, systems)
    out = []
    for s in systems:
        r = s.rec
        mig = r.pop("migration")
        r["go_live"] = s.go_live
        ordered = {k: r[k] for k in ("id", "name", "department", "county", "classified", "mlps_level", "deployment",
                                     "provider", "tenant", "xinchuang", "network", "go_live", "dr_backup") if k in r}
        ordered["migration"] = mig
        if r["deployment"] == "cloud":
            # The servers of a system are named after it in its tenant's project (the ops team's naming rule).
            ordered["servers"] = [{"provider": r["provider"], "project": tenants[r["tenant"]]["project"], "name": f"{s.id}-*"}]
        out.append(ordered)
    for tid, quota in TENANT_QUOTAS.items():
        tenants[tid]["quota"] = quota
    return out, sorted(tenants.values(), key=lambda t: t["id"])


# Quotas the data bureau has agreed with a few departments (the rest keep their cloud's defaults).
# The Huawei one cannot be set through an API (HCS: ManageOne), so `cloudctl plan` reports it unsupported.
TENANT_QUOTAS = {
    "czj-tianhe": {"instances": 40, "vcpus": 160, "ram_mb": 327680, "volumes": 80, "volume_gb": 4096},
    "dsjzx-huawei": {"instances": 100, "vcpus": 400, "ram_mb": 819200},
    "dsjzx-xinchuang": {"instances": 60, "vcpus": 240, "ram_mb": 491520, "volumes": 120, "volume_gb": 8192},
    "tjj-xinchuang": {"instances": 20, "vcpus": 80, "ram_mb": 163840, "volumes": 40, "volume_gb": 2048},
}


def _set_xinchuang(rng: random.Random, systems: list[Sys]) -> None:
    """信创 flag: every system on the 信创 cloud; some on Huawei (Kunpeng) / Tianhe (Phytium) nodes.

    Tuned so the 信创 share of cloud deployments lands near 60 % — below the plan's 80 % target.
    """
    for s in systems:
        r = s.rec
        if r["deployment"] == "cloud":
            r["xinchuang"] = r["provider"] == "xinchuang"
        elif "xinchuang" not in r:
            r["xinchuang"] = rng.random() < 0.15
    cloud = [s.rec for s in systems if s.rec["deployment"] == "cloud"]
    others = sorted((r for r in cloud if r["provider"] != "xinchuang"), key=lambda r: (r["provider"] != "huawei", r["id"]))
    rng.shuffle(others)
    for r in others:
        if sum(c["xinchuang"] for c in cloud) / len(cloud) >= 0.60:
            break
        r["xinchuang"] = True


def _set_dr(rng: random.Random, systems: list[Sys]) -> None:
    """容灾备份 for MLPS ≥ 3 except three level-3 systems (planted finding); some level-2 have it too."""
    no_dr = {s.id for s in rng.sample([s for s in systems if s.mlps == 3 and "C" not in s.flags], 3)}
    for s in systems:
        s.rec["dr_backup"] = (s.mlps >= 3 and s.id not in no_dr) or (s.mlps < 3 and rng.random() < 0.25)


# ---------------------------------------------------------------------------------------------
# Writing YAML by hand: flow style, one record per line (compact, and a line number is a record).
# ---------------------------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-z_\u4e00-\u9fff\u3400-\u4dbf（）—][\w\u4e00-\u9fff\u3400-\u4dbf（）— .+-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, dt.date)):
        return str(v) if not isinstance(v, dt.date) else v.isoformat()
    s = str(v)
    if _PLAIN.match(s) and s.lower() not in _RESERVED and not s.endswith((" ", ".")) and ": " not in s:
        return s
    return json.dumps(s, ensure_ascii=False)


def flow(rec: dict) -> str:
    parts = []
    for k, v in rec.items():
        if isinstance(v, dict):
            parts.append(f"{k}: {flow(v)}")
        else:
            parts.append(f"{k}: {scalar(v)}")
    return "{" + ", ".join(parts) + "}"


def write_flow(path: Path, kind: str, header: str, records: list[dict]) -> None:
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines.append(f"{kind}:")
    lines += [f"  - {flow(r)}" for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_systems(path: Path, header: str, records: list[dict]) -> None:
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    lines.append("systems:")
    for r in records:
        first = True
        for k, v in r.items():
            if k == "servers":
                lines.append("    servers:")
                lines += [f"      - {flow(sel)}" for sel in v]
                continue
            if k == "migration":
                lines.append("    migration:")
                for mk, mv in v.items():
                    if mk == "history":
                        lines.append("      history:")
                        lines += [f"        - {flow(h)}" for h in mv]
                    else:
                        lines.append(f"      {mk}: {scalar(mv)}")
                continue
            lines.append(f"  - {k}: {scalar(v)}" if first else f"    {k}: {scalar(v)}")
            first = False
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


GENERATED = "Generated by tools/gen_inventory.py — edit the generator, not this file (see inventory/README.md)."


def generate(out: Path) -> dict[str, int]:
    """Write the whole inventory under ``out``; returns record counts per kind."""
    rng = random.Random(SEED)
    top, per_county, townships = build_sites(rng)
    city_nodes, county_nodes = build_nodes(rng, townships)
    systems, tenants = build_systems(rng)

    for sub in ("sites", "nodes"):
        (out / sub).mkdir(parents=True, exist_ok=True)
        for old in (out / sub).glob("*.yaml"):
            old.unlink()
    write_flow(out / "sites" / "_city.yaml", "sites", f"{GENERATED}\n吕梁市 and its 13 county-level areas (real names and division codes).", top)
    for cid, name, *_ in COUNTIES:
        write_flow(out / "sites" / f"{cid}.yaml", "sites",
                   f"{GENERATED}\n{name}: townships (乡/镇/街道, real names unless synthetic: true) and villages (行政村, synthetic).",
                   per_county[cid])
        write_flow(out / "nodes" / f"{cid}.yaml", "nodes",
                   f"{GENERATED}\n{name}: extranet nodes — county core, one aggregation node per township, access nodes at connected villages.",
                   county_nodes[cid])
    write_flow(out / "nodes" / "_city.yaml", "nodes", f"{GENERATED}\nCity core nodes of the e-government extranet (市级核心节点).", city_nodes)
    write_flow(out / "tenants.yaml", "tenants", f"{GENERATED}\nOne tenant per department and cloud it uses (tianhe 天河政务云, huawei 华为政务云, xinchuang 信创云).", tenants)
    waves = [{"id": w, "name": nm, "start": _d(a), "end": _d(b), "status": wave_status(_d(a), _d(b))} for w, nm, a, b in WAVES]
    write_flow(out / "waves.yaml", "waves", f"{GENERATED}\nMigration waves (迁移批次); status as of {TODAY}.", waves)
    write_systems(out / "systems.yaml", f"{GENERATED}\nGovernment information systems (政务信息系统); names realistic, details synthetic.", systems)

    n_sites = len(top) + sum(len(v) for v in per_county.values())
    n_nodes = len(city_nodes) + sum(len(v) for v in county_nodes.values())
    return {"sites": n_sites, "nodes": n_nodes, "systems": len(systems), "tenants": len(tenants), "waves": len(waves)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "inventory", help="output directory (default: inventory/)")
    args = ap.parse_args()
    counts = generate(args.out)
    print(" ".join(f"{k}={v}" for k, v in counts.items()), f"-> {args.out}")


if __name__ == "__main__":
    main()
