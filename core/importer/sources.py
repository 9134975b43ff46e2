"""Lead sources told apart: free sources (volumes per month) and paid channels.

CRMs name where a lead came from in their own words ("Organic Search",
"Direct Traffic", "Referrals", "Offline Sources", "Paid Search", "Paid
Social", "Other Campaigns", Salesforce's "Web", "Partner Referral", "Word of
mouth", Dynamics' "Advertisement", "Trade Show"). :func:`classify` says
which are free (organic search, direct traffic, referrals, organic social,
offline or word of mouth: the plan's free sources, with volumes per month)
and which are paid (paid search, paid social, events, syndication, other
campaigns: the plan's channels); None when the name does not tell (the
base plan's classification, else paid). :func:`loose_match` finds the base
plan's channel a data source stands for ("Webinar" is "Webinars",
"LinkedIn" is "LinkedIn ads").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Kind = Literal["free", "paid"]

_FREE = re.compile(
    r"\b(organic|seo|direct|referr\w*|word of mouth|offline|partner|employee|external referral|public relations"
    r"|pr|web|website|inbound|blog|community|self ?sourced|existing customer|customer referral)\b"
)
_PAID = re.compile(
    r"\b(paid|ppc|cpc|sem|ads?|advert\w*|adwords|sponsored|campaigns?|events?|trade ?shows?|conference|seminar"
    r"|webinars?|syndication|display|retargeting|purchased list|list purchase|email marketing|outbound)\b"
)
_NOISE = {"ads", "ad", "campaign", "campaigns", "the", "paid", "channel", "marketing"}


def _plain(name: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[_\-./:;,|()\[\]{}#*]+", " ", name.casefold())).strip()


def classify(name: str) -> Kind | None:
    """ "free", "paid" or None (the name does not tell) for a lead source."""
    text = _plain(name)
    if not text:
        return None
    if _PAID.search(text):
        return "paid"
    if _FREE.search(text):
        return "free"
    return None


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _words(name: str) -> set[str]:
    return {_stem(w) for w in _plain(name).split() if w not in _NOISE} or {_stem(w) for w in _plain(name).split()}


def loose_match(name: str, candidates: Sequence[str]) -> int | None:
    """The index of the candidate naming the same source loosely (plural,
    "ads"/"campaigns" left off, words in common), or None."""
    words = _words(name)
    if not words:
        return None
    for index, other in enumerate(candidates):
        if _plain(other) == _plain(name):
            return index
    for index, other in enumerate(candidates):
        theirs = _words(other)
        if theirs and (words <= theirs or theirs <= words):
            return index
    return None


__all__ = ["Kind", "classify", "loose_match"]
