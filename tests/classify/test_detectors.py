"""Table-driven detector tests: positives, negatives and the tricky cases of classification.md §6."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from secops.classify import validators
from secops.classify.detectors import ipv4, ipv6
from secops.classify.extract import Extractor, default_active
from secops.classify.types import Hit


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor(default_active())


def found(extractor: Extractor, text: str) -> list[tuple[str, str, bool]]:
    hits: list[Hit] = extractor.extract([text])[0]
    return sorted((h.detector, h.masked_value, h.masked) for h in hits)


def raw(extractor: Extractor, text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for h in extractor.extract([text])[0]:
        if not h.masked:
            counts[h.detector] = counts.get(h.detector, 0) + 1
    return counts


# (text, expected raw finding counts)
TRICKY = [
    ("sfzh=110105199003071230", {}),  # 1 checksum one digit off
    ("110105199002301231", {}),  # 2 1990-02-30
    ("990105199003071232", {}),  # 3 region 99
    ("460105199003071239 and 442101197506120315", {"cn_resident_id": 2}),  # 4 Hainan, any era
    ("orderNo=884601051990030712397", {}),  # 5 inside a 21-digit run
    ("身份证号460105199003071239张三", {"cn_resident_id": 1, "cn_name": 1}),  # 6 no \b next to Han
    ("reqid=1715839201234", {}),  # 7 epoch ms
    ("trace=4641603982383516983", {}),  # 8 Luhn-valid noise
    ("卡号:6214832018989180", {"bank_card": 1}),  # 8 real-format card failing Luhn, with context
    ("91110000600037341M", {}),  # 9 bad check
    ("9111000060003734OL", {}),  # 9 O is not in the alphabet
    ("N2460100MA5T000001", {"cn_uscc": 1}),  # 9 non-digit first character
    ("imei=490154203237518", {}),  # 10 IMEI
    ("sfzh=610104620927690", {"cn_resident_id15": 1}),  # 10 legacy ID
    ("sfzh=110105********1239&sjhm=138****8000", {}),  # 11 masked, not raw
    ("手机：１３８００１３８０００", {"cn_mobile": 1}),  # 12 full-width
    ("tel=%2B86%20138-0013-8000", {"cn_mobile": 1}),  # 12 URL-encoded, inner dashes
    ("xm=智慧政务平台二期", {}),  # 13 project name
    ("xm=张三", {"cn_name": 1}),  # 13 person
    ("hash=3FA6D0B2C1E9F7A54", {}),  # 14 hex token
    ("vin=LSJA24U62JG269225", {"vin": 1}),  # 14 VIN
]


@pytest.mark.parametrize(("text", "expected"), TRICKY, ids=[t for t, _ in TRICKY])
def test_tricky_cases_of_reference_section_6(extractor: Extractor, text: str, expected: dict[str, int]) -> None:
    assert raw(extractor, text) == expected


def test_masked_values_are_recognised_as_masked(extractor: Extractor) -> None:
    assert found(extractor, "sfzh=110105********1239&sjhm=138****8000") == [
        ("cn_mobile", "138****8000", True), ("cn_resident_id", "110105********1239", True)]


POSITIVES = [
    ("cn_resident_id", 'data={"gmsfhm":"46010520150307118x"}'),
    ("cn_resident_id", "居住证 810000199408230021"),
    ("cn_resident_id", "p=830000199201300022;"),
    ("cn_resident_id15", "idcard:610104620927690"),
    ("cn_uscc", "tyshxydm=91350100M000100Y43"),
    ("cn_org_code", "zzjgdm=60003734-1"),
    ("bank_card", "yhkh=6222021234567890128"),
    ("bank_card", "card 6222 0212 3456 7890 128"),
    ("cn_mobile", "+86 138 0013 8000"),
    ("cn_mobile", '{"lxdh":"13800138000"}'),
    ("cn_landline", "bgdh=0898-66123456"),
    ("cn_landline", "电话:010-62345678"),
    ("email", "mail to zhang.san@example.com.cn today"),
    ("cn_passport", "hzhm=E12345678"),
    ("cn_travel_permit", "txzhm=C12345678"),
    ("cn_travel_permit", "台胞证号码:12345678"),
    ("hk_id", "holder A123456(3)"),
    ("tw_id", "twid=A123456789"),
    ("cn_plate", "车辆琼A·12345驶入"),
    ("cn_plate", "hphm=粤BD12345"),
    ("vin", "LDC613P23A1305189"),
    ("ipv4", "client 8.8.4.4 GET"),
    ("ipv6", "src=2001:db8:85a3::8a2e:370:7334 ok"),
    ("credential", "login?user=a&password=Zx9!kq2L"),
    ("credential", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.abc123"),
    ("geo_coordinate", "lat=39.916527&lng=116.397128"),
    ("cn_name", '{"xingming":"欧阳娜娜"}'),
    ("cn_name", "联系人:李四,电话"),
    ("cn_address", "jtzz=海南省海口市龙华区滨海大道88号"),
    ("cn_address", "现住址为北京市朝阳区建国路10号院3号楼"),
]


@pytest.mark.parametrize(("detector", "text"), POSITIVES, ids=[f"{d}:{t}" for d, t in POSITIVES])
def test_detector_finds_valid_value(extractor: Extractor, detector: str, text: str) -> None:
    assert raw(extractor, text).get(detector) == 1


NEGATIVES = [
    ("cn_resident_id", "id=110101199003077578"),  # documentation example failing the checksum
    ("cn_resident_id", "110105199013071234"),  # month 13
    ("cn_resident_id15", "n=610104620927690"),  # no evidence for a legacy ID
    ("cn_uscc", "code=911100006000373410"),  # digits-only, bad check
    ("cn_org_code", "x=12345678-9"),
    ("bank_card", "order=6222021234567890128"),  # order number field
    ("bank_card", "n=4111111111111111"),  # Luhn-valid Visa test number without evidence
    ("cn_mobile", "ts=17158392012345"),  # 14 digits
    ("cn_mobile", "v=12800138000"),  # 128 not allocated
    ("cn_mobile", "1380013800"),  # 10 digits
    ("cn_mobile", "138-00138-000"),  # wrong grouping
    ("cn_landline", "latency=1.08981234567"),  # decimal
    ("email", "git@github"),
    ("email", "root@10.0.0.1"),
    ("cn_passport", "error E12345678 occurred"),  # no evidence
    ("cn_travel_permit", "date=20240516"),
    ("hk_id", "A1234567"),  # no parentheses, no evidence
    ("tw_id", "A123456788"),
    ("cn_plate", "京AIO123"),
    ("vin", "LSJA24U62JG269226"),  # check digit off
    ("ipv4", "oid 1.3.6.1.4.1.2021"),
    ("ipv4", "version=2.0.0.1"),
    ("ipv4", "v999.1.1.1"),
    ("ipv6", "12:30:45"),
    ("ipv6", "mac 00:1a:2b:3c:4d:5e"),
    ("credential", "password=null"),
    ("credential", "token=abc"),
    ("credential", "password=******"),
    ("geo_coordinate", "ratio=0.12345678"),
    ("geo_coordinate", "lat=39.91"),  # not precise
    ("cn_name", "name=管理员"),
    ("cn_name", "用户张三登录"),  # no evidence
    ("cn_address", "addr=海口"),
    ("cn_address", "dz=某某小区3栋"),  # one admin level is not an address
]


@pytest.mark.parametrize(("detector", "text"), NEGATIVES, ids=[f"{d}:{t}" for d, t in NEGATIVES])
def test_detector_rejects_decoy(extractor: Extractor, detector: str, text: str) -> None:
    assert detector not in raw(extractor, text)


def test_id_is_not_also_reported_as_card_or_uscc(extractor: Extractor) -> None:
    assert raw(extractor, "卡号 460105199003071239") == {"cn_resident_id": 1}


def test_adjacent_values_sharing_one_separator_are_both_found(extractor: Extractor) -> None:
    assert raw(extractor, "13800138000,13900139000") == {"cn_mobile": 2}


def test_private_and_public_ip_are_variants(extractor: Extractor) -> None:
    hits = extractor.extract(["10.1.2.3 -> 8.8.8.8"])[0]
    assert sorted(h.masked_value for h in hits) == ["10.1.*.*", "8.8.*.*"]


def test_json_unicode_escapes_are_decoded(extractor: Extractor) -> None:
    assert raw(extractor, '{"\\u59d3\\u540d":"\\u5f20\\u4e09"}') == {"cn_name": 1}


def test_raw_value_never_in_hit_repr(extractor: Extractor) -> None:
    hit = extractor.extract(["sfzh=460105199003071239"])[0][0]
    assert "460105199003071239" not in repr(hit)


def test_re2_fallback_finds_the_same_as_hyperscan(extractor: Extractor) -> None:
    fallback = Extractor(default_active(), engine="re2")
    texts = [t for t, _ in TRICKY] + [t for _, t in POSITIVES] + [t for _, t in NEGATIVES]
    assert [sorted(h.masked_value for h in hits) for hits in fallback.extract(texts)] == [
        sorted(h.masked_value for h in hits) for hits in extractor.extract(texts)]
    assert fallback.scanner.engine == "re2"


_HEXTETS = st.sampled_from(["0", "00", "0000", "1", "a", "ffff", "FFFF", "fe80", "fc00", "fd12", "2001", "db8", "10",
                            "2", "100", "a00", "c0a8", "7f00", "ac10", "abcd", "12345", ""])


@settings(max_examples=3000, deadline=None)
@given(st.lists(_HEXTETS, min_size=1, max_size=9), st.integers(min_value=-1, max_value=9))
def test_ipv6_parsing_agrees_with_ipaddress(parts: list[str], gap: int) -> None:
    value = ":".join(parts) if gap < 0 else ":".join(parts[:gap]) + "::" + ":".join(parts[gap:])
    expected = None
    if value.count(":") >= 2 and value != "::":
        try:
            ip = ipaddress.IPv6Address(value)
            private = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified
            expected = (ip.compressed, "private" if private else "public")
        except ValueError:
            pass
    verdict = ipv6.validate(value, {})
    assert (None if verdict is None else (verdict.value, verdict.variant)) == expected


_OCTETS = st.sampled_from(["0", "00", "01", "1", "9", "10", "99", "100", "127", "169", "172", "192", "254", "255",
                           "256", "300", "999", "010", "16", "31", "32", "64", "168", "", "1000", "2a"])
_PRIVATE_V4 = [ipaddress.IPv4Network(n) for n in ("0.0.0.0/8", "10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12",
                                                    "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10")]


@settings(max_examples=3000, deadline=None)
@given(st.lists(_OCTETS, min_size=1, max_size=5), st.sampled_from([".", ".", ".", ",", ".."]))
def test_ipv4_validation_agrees_with_ipaddress(parts: list[str], dot: str) -> None:
    value = dot.join(parts)
    try:
        ip = ipaddress.IPv4Address(value)  # strict: four decimal octets, 0-255, no leading zeros
        expected = (value, "private" if any(ip in net for net in _PRIVATE_V4) else "public")
    except ValueError:
        expected = None
    verdict = ipv4.validate(value, {})
    assert (None if verdict is None else (verdict.value, verdict.variant)) == expected


def _vin_reference(value: str) -> bool:  # ISO 3779, as written before the plain loop
    translit = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
                **dict(zip("JKLMN", range(1, 6), strict=True)), "P": 7, "R": 9,
                **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    v = value.upper()
    if len(v) != 17 or any(c not in translit for c in v):
        return False
    r = sum(translit[c] * w for c, w in zip(v, weights, strict=True)) % 11
    return v[8] == ("X" if r == 10 else str(r))


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="0123456789ABHJPRXZIOQa-", min_size=16, max_size=18), st.integers(0, 10))
def test_vin_check_digit_agrees_with_the_reference(body: str, check: int) -> None:
    value = body[:8] + ("X" if check == 10 else str(check)) + body[9:] if len(body) == 17 else body
    assert validators.vin(value) == _vin_reference(value)
