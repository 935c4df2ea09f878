"""Labelled corpus generator for classification: mixed log formats with planted identifiers and decoys.

Each generated line comes with its labels: how many raw (unmasked) values of each detector it holds.
Formats: nginx access log, JSON API gateway, DB audit, CEF, syslog, DLP alert. Planted values are valid
(checksums, dates, regions) and sometimes full-width, URL-encoded or JSON-\\u-escaped; decoys are wrong
checksums, IDs inside longer digit runs, phone-like digits inside epoch timestamps, Luhn-valid order and
trace numbers, masked values, version strings and OIDs, hex hashes, IMEIs and project names in name fields.

    python -m bench.corpus --lines 200000 --out /tmp/corpus.log   (labels go to /tmp/corpus.log.labels.jsonl)
"""

from __future__ import annotations

import argparse
import json
import random
import string
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from secops.classify import synth
from secops.classify import validators as v
from secops.classify.detectors.surnames import SINGLE

Item = tuple[str, str, str]  # (detector or "" for a decoy, key, value)

GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉兰萍红建国志坚海燕晓东春梅"
SURNAMES = sorted(SINGLE)[:120]
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


class Planter:
    """Valid identifiers of every detector, and decoys that must not be found."""

    def __init__(self, rng: random.Random) -> None:
        self.r = rng
        self.n = rng.randrange(10**6)

    def _next(self) -> int:
        self.n += 1
        return self.n

    def resident_id(self) -> str:
        return synth.resident_id(self._next() * 7919)

    def mobile(self) -> str:
        return synth.mobile(self._next() * 104729)

    def card(self) -> str:
        return synth.bank_card(self._next() * 1299709)

    def email(self) -> str:
        local = self.r.choice(["zhang", "li.na", "wang_wei", "chen88"])
        domain = self.r.choice(["163.com", "qq.com", "hainan.gov.cn", "example.com.cn"])
        return f"{local}{self._next()}@{domain}"

    def name(self) -> str:
        return self.r.choice(SURNAMES) + "".join(self.r.choice(GIVEN) for _ in range(self.r.choice((1, 2))))

    def address(self) -> str:
        return self.r.choice(["海南省海口市美兰区海府路", "海南省三亚市吉阳区迎宾路", "广东省广州市天河区体育西路",
                              "北京市朝阳区建国路"]) + f"{self.r.randrange(1, 300)}号"

    def id15(self) -> str:
        body = synth.resident_id(self._next() * 31)
        while not body[8:10].isdigit() or body[6:8] != "19":
            body = synth.resident_id(self._next() * 31)
        return body[:6] + body[8:17]

    def uscc(self) -> str:
        while True:
            org = "".join(self.r.choice(string.digits + "ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
            total = sum(int(c, 36) * w for c, w in zip(org, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
            c = 11 - total % 11
            org += "X" if c == 10 else "0" if c == 11 else str(c)
            body = "91" + self.r.choice(["460100", "110105", "440106"]) + org
            for ch in v.USCC_ALPHABET:
                if v.uscc(body + ch):
                    return body + ch

    def org_code(self) -> str:
        u = self.uscc()
        return u[8:16] + "-" + u[16]

    def vin(self) -> str:
        while True:
            body = "L" + "".join(self.r.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(16))
            for check in "0123456789X":
                cand = body[:8] + check + body[9:]
                if v.vin(cand) and not cand.isdigit():
                    return cand

    def plate(self) -> str:
        tail = "".join(self.r.choice(PLATE_CHARS) for _ in range(3)) + f"{self.r.randrange(100):02d}"
        return self.r.choice(PROVINCES) + self.r.choice("ABCDEFGHJK") + tail

    def hk_id(self) -> str:
        while True:
            cand = self.r.choice(string.ascii_uppercase) + f"{self.r.randrange(10**6):06d}"
            for check in "0123456789A":
                if v.hk_id(cand + check):
                    return f"{cand}({check})"

    def tw_id(self) -> str:
        while True:
            cand = self.r.choice("ABCDEFGHJKLMNPQRSTUVXYWZ") + self.r.choice("12") + f"{self.r.randrange(10**7):07d}"
            for check in "0123456789":
                if v.tw_id(cand + check):
                    return cand + check

    def passport(self) -> str:
        return "E" + f"{self.r.randrange(10**8):08d}"

    def public_ip(self) -> str:
        first = self.r.choice([36, 58, 101, 113, 120, 183, 223])
        return f"{first}.{self.r.randrange(256)}.{self.r.randrange(256)}.{self.r.randrange(1, 255)}"

    def private_ip(self) -> str:
        return f"10.{self.r.randrange(256)}.{self.r.randrange(256)}.{self.r.randrange(1, 255)}"

    def secret(self) -> str:
        return "".join(self.r.choice(string.ascii_letters + string.digits + "!@#") for _ in range(12))

    def geo(self) -> tuple[str, str]:
        return f"{self.r.uniform(18.2, 20.1):.6f}", f"{self.r.uniform(108.6, 111.0):.6f}"

    # -- planted values, each with the field name a real system would use --
    def planted(self) -> Item:
        kind = self.r.choices(list(_PLANTS), weights=[w for w, _ in _PLANTS.values()])[0]
        return _PLANTS[kind][1](self)

    # -- decoys: nothing here may be reported --
    def decoy(self) -> Item:
        return self.r.choice(_DECOYS)(self)


def _bad_check_id(p: Planter) -> Item:
    good = p.resident_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    return "", "sfzh", bad


def _luhn_order(p: Planter) -> Item:
    while True:
        n = str(p.r.choice([4, 5])) + "".join(p.r.choice(string.digits) for _ in range(17))
        if v.luhn(n):
            return "", p.r.choice(["orderNo", "trace", "tradeNo"]), n


_DECOYS: list[Callable[[Planter], Item]] = [
    _bad_check_id,
    lambda p: ("", "orderNo", "88" + p.resident_id().replace("X", "1") + "7"),
    lambda p: ("", "reqid", f"17{p.r.randrange(10**11):011d}"),  # epoch ms
    lambda p: ("", "ts", f"{1_700_000_000_000 + p.r.randrange(10**11)}"),
    _luhn_order,
    lambda p: ("", "sfzh", p.resident_id()[:6] + "********" + p.resident_id()[14:]),
    lambda p: ("", "sjhm", p.mobile()[:3] + "****" + p.mobile()[7:]),
    lambda p: ("", "version", f"{p.r.randrange(1, 4)}.{p.r.randrange(10)}.{p.r.randrange(10)}.{p.r.randrange(10)}"),
    lambda p: ("", "oid", "1.3.6.1.4.1." + str(p.r.randrange(99999))),
    lambda p: ("", "hash", "".join(p.r.choice("0123456789ABCDEF") for _ in range(17))),
    lambda p: ("", "imei", "86" + "".join(p.r.choice(string.digits) for _ in range(13))),
    lambda p: ("", "xm", p.r.choice(["智慧政务平台二期", "数据共享交换平台", "一网通办升级改造"])),
    lambda p: ("", "err", "E" + f"{p.r.randrange(10**8):08d}"),  # passport-shaped error code
    lambda p: ("", "amount", f"{p.r.randrange(10**6)}.{p.r.randrange(100):02d}"),
]

_PLANTS: dict[str, tuple[int, Callable[[Planter], Item]]] = {
    "id": (12, lambda p: ("cn_resident_id", p.r.choice(["sfzh", "gmsfhm", "zjhm", "idCard"]), p.resident_id())),
    "id15": (2, lambda p: ("cn_resident_id15", "sfzh", p.id15())),
    "mobile": (12, lambda p: ("cn_mobile", p.r.choice(["sjhm", "lxdh", "mobile", "phone"]), p.mobile())),
    "card": (6, lambda p: ("bank_card", p.r.choice(["yhkh", "cardNo", "bankCard"]), p.card())),
    "email": (6, lambda p: ("email", p.r.choice(["email", "mail", "yx"]), p.email())),
    "name": (8, lambda p: ("cn_name", p.r.choice(["xm", "xingming", "realName", "djrxm"]), p.name())),
    "address": (4, lambda p: ("cn_address", p.r.choice(["jtzz", "address", "hjdz"]), p.address())),
    "uscc": (3, lambda p: ("cn_uscc", "tyshxydm", p.uscc())),
    "org": (2, lambda p: ("cn_org_code", "zzjgdm", p.org_code())),
    "landline": (3, lambda p: ("cn_landline", "bgdh", "0898-" + f"{p.r.randrange(2, 10)}{p.r.randrange(10**7):07d}")),
    "passport": (2, lambda p: ("cn_passport", "hzhm", p.passport())),
    "permit": (2, lambda p: ("cn_travel_permit", "txzhm", "C" + f"{p.r.randrange(10**8):08d}")),
    "hk": (1, lambda p: ("hk_id", "hkid", p.hk_id())),
    "tw": (1, lambda p: ("tw_id", "twid", p.tw_id())),
    "plate": (3, lambda p: ("cn_plate", "hphm", p.plate())),
    "vin": (2, lambda p: ("vin", "clsbdh", p.vin())),
    "secret": (3, lambda p: ("credential", p.r.choice(["password", "pwd", "access_token"]), p.secret())),
    "ipv6": (1, lambda p: ("ipv6", "peer", f"2408:8456:{p.r.randrange(65536):x}::{p.r.randrange(1, 65536):x}")),
    "geo": (2, lambda p: ("geo_coordinate", "wd", p.geo()[0])),
}


def _encode(p: Planter, detector: str, value: str) -> str:
    """Sometimes write a value the way real logs mangle it: full-width digits, URL encoding, +86 dashes."""
    roll = p.r.random()
    if detector == "cn_mobile" and roll < 0.1:
        return "+86 " + value[:3] + "-" + value[3:7] + "-" + value[7:]
    if detector in ("cn_resident_id", "cn_mobile") and roll < 0.2:
        return value.translate(FULLWIDTH)
    return value


# -- line formats: each takes (items, planter) and returns (line, extra labels from its own IPs) --

def _kv(items: list[Item], p: Planter, urlencode: bool) -> str:
    parts = []
    for det, key, value in items:
        shown = _encode(p, det, value)
        parts.append(f"{key}={urllib.parse.quote(shown, safe='') if urlencode else shown}")
    return "&".join(parts)


def access_log(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    ip = p.public_ip()
    query = _kv(items, p, urlencode=p.r.random() < 0.5)
    line = (f'{ip} - - [01/Mar/2026:10:{p.r.randrange(60):02d}:{p.r.randrange(60):02d} +0800] '
            f'"GET /api/v1/person/query?{query} HTTP/1.1" 200 {p.r.randrange(100, 99999)} "-" "Mozilla/5.0"')
    return line, Counter({"ipv4": 1})


def json_gateway(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    req = [{key: _encode(p, det, value)} for det, key, value in items]
    body = json.dumps(req, ensure_ascii=p.r.random() < 0.3)  # sometimes \\uXXXX escapes
    line = (f'{{"@timestamp":"2026-03-01T10:00:{p.r.randrange(60):02d}.{p.r.randrange(1000):03d}+08:00",'
            f'"client_ip":"{p.private_ip()}","route":"/gw/rk/v2","latency_ms":{p.r.randrange(1, 900)},'
            f'"request":{body}}}')
    return line, Counter({"ipv4": 1})


def db_audit(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    where = " AND ".join(f"{key}='{value}'" for _, key, value in items) or "1=1"
    line = (f"2026-03-01 10:00:{p.r.randrange(60):02d} DBAUDIT session={p.r.randrange(10**6)} user=app_rk "
            f"client={p.private_ip()} sql=\"SELECT xm,sfzh,lxdh FROM t_rk_jbxx WHERE {where}\" "
            f"rows={p.r.randrange(0, 50)} elapsed_ms={p.r.randrange(1, 500)}")
    return line, Counter({"ipv4": 1})


def cef(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    ext = " ".join(f"cs{i + 1}Label={key} cs{i + 1}={value}" for i, (_, key, value) in enumerate(items))
    line = (f"CEF:0|Hillstone|WAF|5.5|{p.r.randrange(100, 999)}|Sensitive data in response|5|"
            f"src={p.public_ip()} dst={p.private_ip()} spt={p.r.randrange(1024, 65535)} dpt=443 {ext}")
    return line, Counter({"ipv4": 2})


def syslog(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    pairs = " ".join(f"{key}={_encode(p, det, value)}" for det, key, value in items)
    line = (f"<134>Mar  1 10:00:{p.r.randrange(60):02d} egov-app-{p.r.randrange(9)} rkservice[{p.r.randrange(99999)}]:"
            f" audit action=query {pairs} from={p.private_ip()}")
    return line, Counter({"ipv4": 1})


_CN_KEYS = {"cn_resident_id": "身份证号", "cn_mobile": "手机", "cn_name": "姓名", "bank_card": "银行卡号",
            "cn_address": "住址"}


def dlp(items: list[Item], p: Planter) -> tuple[str, Counter[str]]:
    parts = []
    for det, key, value in items:
        if det in _CN_KEYS and p.r.random() < 0.5:
            sep = "：" if det != "cn_resident_id" else ""
            parts.append(f"{_CN_KEYS[det]}{sep}{_encode(p, det, value)}")
        else:
            parts.append(f"{key}={value}")
    line = (f"2026-03-01 10:00:{p.r.randrange(60):02d} DLP-ALERT policy=PII-OUTBOUND channel=https "
            f"file=export_{p.r.randrange(999)}.xlsx matched: " + "; ".join(parts))
    return line, Counter()


FORMATS: list[Callable[[list[Item], Planter], tuple[str, Counter[str]]]] = [
    access_log, json_gateway, db_audit, cef, syslog, dlp]


def generate(lines: int, *, seed: int = 20260301, planted_share: float = 0.35) -> Iterator[tuple[str, dict[str, int]]]:
    """``lines`` (line, labels) pairs; labels count raw values per detector."""
    rng = random.Random(seed)
    p = Planter(rng)
    for _ in range(lines):
        items: list[Item] = []
        if rng.random() < planted_share:
            items += [p.planted() for _ in range(rng.randrange(1, 4))]
        if rng.random() < 0.3:
            items += [p.decoy() for _ in range(rng.randrange(1, 3))]
        rng.shuffle(items)
        line, labels = rng.choice(FORMATS)(items, p)
        labels.update(det for det, _, _ in items if det)
        yield line, dict(labels)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=20260301)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with args.out.open("w", encoding="utf-8") as log, Path(f"{args.out}.labels.jsonl").open("w") as labels:
        for line, label in generate(args.lines, seed=args.seed):
            log.write(line + "\n")
            labels.write(json.dumps(label) + "\n")


if __name__ == "__main__":
    main()
