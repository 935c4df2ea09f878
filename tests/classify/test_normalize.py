"""CEF label renaming and percent-decoding must equal the straightforward forms they replaced (kept here as
the oracles: a regex, and urllib)."""

from __future__ import annotations

import re
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st

from secops.classify.normalize import _PCT_RUN, _cef_labels, _percent_decoded, normalize

_KEYS = r"(?:cs|cn|cfp|flexString|flexNumber|flexDate|deviceCustomString)\d{1,2}"
_ORACLE_LABEL = re.compile(rf"\b({_KEYS})Label=([^\s=]{{1,64}})")


def oracle(text: str) -> str:
    labels = dict(_ORACLE_LABEL.findall(text))
    if not labels:
        return text
    names = "|".join(sorted(map(re.escape, labels), key=len, reverse=True))
    return re.sub(rf"(?<=\s)({names})=", lambda m: labels[m.group(1)] + "=", text)


def test_cef_custom_fields_take_their_label_names() -> None:
    line = ("CEF:0|Gov|DLP|1.0|100|leak|5|src=10.1.2.3 cs1Label=sfzh cs1=110105199001011234 "
            "cs2Label=sjhm cs2=13800138000 flexString1Label=xm flexString1=张三")
    assert normalize(line).endswith("src=10.1.2.3 cs1Label=sfzh sfzh=110105199001011234 "
                                    "cs2Label=sjhm sjhm=13800138000 flexString1Label=xm xm=张三")


TRICKY = [
    "cs1Label=x.cs2Label=y cs2=1 cs1=2",  # a value that swallows what looks like the next key
    "cs1Label=a cs1Label=b cs1=3",  # the last label wins
    "cs123Label=a cs12=1", "xcs1Label=a cs1=1", "_cs1Label=a cs1=1", "cs1Label= cs1=1",
    "cs1Label=cs2 cs2Label=cs1 cs1=a cs2=b",  # renamed at once, never twice
    "cs1Label=k\tcs1=v\ncs1=w", "deviceCustomString12Label=name deviceCustomString12=v cs1=x",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaadeviceCustomString12Label=n deviceCustomString12=v",
    "cs1Label=" + "a" * 70 + " cs1=v", "cs1Label=a cs10=b cs1=c",
]


def test_tricky_label_layouts_match_the_regex_form() -> None:
    for text in TRICKY:
        assert _cef_labels(text) == oracle(text), text


_PIECES = st.sampled_from(["cs1", "cs2", "cs10", "cn3", "flexString1", "deviceCustomString2", "Label=", "=",
                           " ", "\t", "x", "_", ".", "sfzh", "9", "张", "\uff11", "\u3000", "é", "cfp", "7"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_PIECES, max_size=24).map("".join))
def test_any_mix_of_labels_and_keys_matches_the_regex_form(text: str) -> None:
    assert _cef_labels(text) == oracle(text)


_URL_PIECES = st.sampled_from(["%", "%2", "%2A", "%e4", "%E4%B8%AD", "%B8", "%AD", "%41", "%zz", "a", " ", "张",
                               "%F0%9F%98%80", "%C3", "%ff", "=", "&", "%25", "%0A"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(_URL_PIECES, max_size=16).map("".join))
def test_percent_decoding_matches_urllib(text: str) -> None:
    assert _PCT_RUN.sub(_percent_decoded, text) == unquote(text, errors="replace")
