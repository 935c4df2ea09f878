"""email: RFC-lite addresses whose TLD is a real one (not git@host, not user@10.0.0.1)."""

from __future__ import annotations

from secops.classify.detectors.base import Detector, Params, Shape, Verdict

# anchored on "@domain" (fast for the scanner); the local part is taken by extending to the left
DOMAIN = r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,18}"
LOCAL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-*"

GTLDS = frozenset({
    "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "aero", "coop",
    "museum", "mobi", "asia", "tel", "travel", "jobs", "cat", "xxx", "post", "xyz", "top", "site",
    "online", "club", "shop", "store", "app", "dev", "io", "ai", "cloud", "tech", "link", "live", "vip",
    "ltd", "group", "work", "email", "wang", "ren", "citic", "sohu", "baidu", "city", "red", "ink", "fun",
    "icu", "art", "space", "website", "press", "news", "team", "cool", "life", "world", "global", "co",
    "zone", "today", "run", "one", "page", "blog",
})


def validate(value: str, params: Params) -> Verdict | None:
    local, _, domain = value.rpartition("@")
    if "*" in local or not 1 <= len(local) <= 64 or len(domain) > 253:
        return None
    tld = domain.rsplit(".", 1)[-1].lower()
    if not (len(tld) == 2 or tld in GTLDS):
        return None
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return None
    if any(label.startswith("-") or label.endswith("-") or not label for label in domain.split(".")):
        return None
    canonical = local + "@" + domain.lower()
    return Verdict(canonical, 0.8, identity=canonical.lower())


def validate_masked(value: str) -> bool:
    local = value.partition("@")[0]
    return "*" in local and len(local.replace("*", "")) < len(local)


DETECTOR = Detector(
    name="email",
    shapes=(Shape(DOMAIN, left="none", extend_left=LOCAL_CHARS),),
    validate=validate,
    validate_masked=validate_masked,
    category="pi.contact.basic",
    mask="email",
    hints=frozenset({"yx", "dzyx", "yxdz", "email", "mail", "emailaddress", "邮箱", "电子邮箱", "电子邮件"}),
    context=("邮箱", "email", "mail"),
    subject_rank=20,
    priority=55,
    description="E-mail address with a known top-level domain",
)
