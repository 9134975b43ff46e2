"""Recognising columns from their headers (roles and synonyms).

A *role* says what a column holds. Roles are plain strings:

==========================  ==================================================
``month``                   the month of a monthly summary row
``channel``                 channel / lead source (a lead, or a long-format row)
``created_date``            the date a lead was created (entered the first stage)
``status``                  the furthest stage a lead reached, as text
``amount``                  a lead's deal value
``revenue``                 revenue in the month (monthly summary)
``spend``                   marketing spend in the month (per channel when the
                            row has a channel)
``spend@<Channel>``         one channel's spend in the month (wide monthly)
``stage:<Stage>``           items entering the stage in the month (monthly)
``stage:<Stage>@<Channel>`` the same for one channel (wide monthly)
``date:<Stage>``            the date a lead entered the stage (lead level)
``criterion:<Name>``        yes/no per lead for a lead-spec criterion
``id``                      a record id (reported, not used)
``ignore``                  not used
==========================  ==================================================

Headers are compared after :func:`normalize`: any case, stray spaces,
underscores, dashes and dots, a leading ``#``/``number of``/``total``.
The canonical stages are ``Inquiry``, ``MQL``, ``SQL``, ``Opportunity``,
``Proposal`` and ``Won``; a mapping file may name others.
"""

from __future__ import annotations

import re

from core.importer.crm import crm_role, crm_status_stage

CANONICAL_STAGES: tuple[str, ...] = ("Inquiry", "MQL", "SQL", "Opportunity", "Proposal", "Won")

_STAGE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Inquiry": (
        "inquiry", "inquiries", "enquiry", "enquiries", "lead", "leads", "raw lead", "raw leads", "new lead",
        "new leads", "responses", "response", "contacts", "prospect", "prospects", "inbound leads", "raw inquiries",
    ),
    "MQL": (
        "mql", "mqls", "marketing qualified lead", "marketing qualified leads", "marketing qualified",
        "marketing qualified lead mql", "marketing qualified leads mqls",
    ),
    "SQL": (
        "sql", "sqls", "sales qualified lead", "sales qualified leads", "sales qualified", "sal", "sals",
        "sales accepted lead", "sales accepted leads", "qualified lead", "qualified leads",
        "sales qualified lead sql", "sales qualified leads sqls",
    ),
    "Opportunity": (
        "opportunity", "opportunities", "opp", "opps", "opportunity created", "opportunities created",
        "pipeline opportunities", "sales opportunities", "sales opportunity", "sqo", "sqos",
    ),
    "Proposal": ("proposal", "proposals", "quote", "quotes", "proposal sent", "proposals sent", "negotiation"),
    "Won": (
        "won", "wins", "win", "deals", "deal", "deals won", "closed won", "closed deals", "won deals",
        "customers", "new customers", "closed won deals", "bookings count",
    ),
}  # fmt: skip

_PLAIN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "month": ("month", "period", "months", "reporting month", "month start", "month year", "year month", "fiscal month"),
    "channel": (
        "channel", "lead source", "source", "lead channel", "marketing channel", "original source", "campaign source",
        "source channel", "utm source", "lead origin", "origin", "acquisition channel",
    ),
    "created_date": (
        "created date", "create date", "created", "created on", "date created", "lead created date", "lead created",
        "lead create date", "creation date", "inquiry date", "lead date", "created at", "date", "first touch date",
        "enquiry date", "created time",
    ),
    "status": (
        "status", "stage", "lead status", "lead stage", "furthest stage", "funnel stage", "lifecycle stage",
        "current stage", "stage reached", "highest stage", "deal stage", "opportunity stage",
    ),
    "amount": (
        "amount", "deal value", "deal amount", "deal size", "opportunity amount", "value", "contract value",
        "acv", "arr", "tcv", "closed won amount", "won amount", "booking amount", "deal revenue",
    ),
    "revenue": ("revenue", "bookings", "sales", "new revenue", "revenue won", "won revenue", "closed revenue", "sales revenue", "new business revenue"),
    "spend": (
        "spend", "marketing spend", "cost", "costs", "budget", "marketing cost", "marketing costs", "ad spend",
        "media spend", "program spend", "spent", "actual spend", "investment", "marketing budget",
    ),
    "id": ("id", "lead id", "record id", "contact id", "opportunity id", "lead number", "row id", "email", "name", "lead name"),
}  # fmt: skip

_METRIC_SUFFIXES: dict[str, str] = {
    "spend": "spend",
    "spent": "spend",
    "cost": "spend",
    "costs": "spend",
    "budget": "spend",
}
# channel prefixes that really are "the whole", not a channel
_NOT_CHANNELS = {
    "total",
    "marketing",
    "overall",
    "all",
    "ad",
    "media",
    "program",
    "actual",
    "sum",
    "new",
    "raw",
    "grand total",
    "of",
}
_DATE_WORDS = ("date", "on", "at", "time", "dt")


def normalize(header: object) -> str:
    """A header as compared: casefolded, separators to single spaces,
    brackets, ``#`` and filler words ("number of", "total", "count") removed."""
    text = str(header).casefold().strip()
    text = re.sub(r"[_\-./:;,|()\[\]{}#*]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"^(no of |number of |num |count of |total |sum of |of )+", "", text)
    text = re.sub(r" (count|number|no|total|num)$", "", text)
    return text.strip()


def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for stage, words in _STAGE_SYNONYMS.items():
        for word in words:
            index.setdefault(word, f"stage:{stage}")
    for role, words in _PLAIN_SYNONYMS.items():
        for word in words:
            index.setdefault(word, role)
    return index


_INDEX = _index()
_STAGE_INDEX = {word: stage for stage, words in _STAGE_SYNONYMS.items() for word in words}


def stage_key(name: str) -> str | None:
    """The canonical stage a stage name or status text stands for
    ("Marketing Qualified Leads" -> "MQL", "Closed Won" -> "Won"), or None."""
    text = normalize(name)
    if text in _STAGE_INDEX:
        return _STAGE_INDEX[text]
    if text.endswith("s") and text[:-1] in _STAGE_INDEX:
        return _STAGE_INDEX[text[:-1]]
    known, stage = crm_status_stage(name)  # HubSpot's "marketingqualifiedlead", "customer"
    return stage if known else None


def _stage_date(text: str, stages: dict[str, str]) -> str | None:
    words = text.split()
    if len(words) < 2:
        return None
    if words[-1] in _DATE_WORDS:
        rest = " ".join(words[:-1])
    elif words[0] in ("date", "became", "reached", "entered"):
        rest = " ".join(words[1:])
    elif words[-1] == "created" or words[0] in ("became", "reached"):
        rest = text
    else:
        return None
    for candidate in (
        rest,
        re.sub(r"^(date |became |reached |entered )", "", rest),
        re.sub(r" (date|on|at)$", "", rest),
    ):
        candidate = candidate.strip()
        if candidate in stages:
            return f"date:{stages[candidate]}"
        if candidate.endswith("s") and candidate[:-1] in stages:
            return f"date:{stages[candidate[:-1]]}"
    return None


def _channel_metric(text: str, stages: dict[str, str]) -> str | None:
    """``Webinars leads`` -> ``stage:Inquiry@Webinars``; ``Paid search spend`` -> ``spend@Paid search``."""
    words = text.split()
    for cut in range(len(words) - 1, 0, -1):
        prefix, suffix = " ".join(words[:cut]), " ".join(words[cut:])
        if prefix in _NOT_CHANNELS or prefix in _INDEX:
            continue
        if suffix in _METRIC_SUFFIXES:
            return f"spend@{prefix}"
        if suffix in stages:
            return f"stage:{stages[suffix]}@{prefix}"
    return None


def guess_role(header: object, stage_names: tuple[str, ...] = ()) -> str | None:
    """The role a header stands for, or None when not recognised.

    ``stage_names`` adds custom stage names (from a mapping file) that are
    recognised as themselves. Order of the checks: exact synonym, stage date
    ("MQL Date", "Opportunity Created Date", "Closed Won Date"), channel
    metric ("Webinars leads", "Paid search spend"). Channel names in channel
    metrics keep the header's own spelling (trimmed).
    """
    if header is None or (isinstance(header, str) and not header.strip()) or not isinstance(header, str):
        return None
    crm = crm_role(header)
    if crm is not None:
        return crm[0]
    text = normalize(header)
    if not text:
        return None
    stages = dict(_STAGE_INDEX)
    for name in stage_names:
        stages[normalize(name)] = name
    if text in stages and text not in _INDEX:
        return f"stage:{stages[text]}"
    if text in _INDEX:
        return _INDEX[text]
    if text.endswith("s") and text[:-1] in _INDEX and _INDEX[text[:-1]].startswith("stage:"):
        return _INDEX[text[:-1]]
    date_role = _stage_date(text, stages)
    if date_role is not None:
        return date_role
    metric = _channel_metric(text, stages)
    if metric is not None:
        channel = metric.split("@", 1)[1]
        original = _original_prefix(str(header), channel)
        return metric.split("@", 1)[0] + "@" + original
    return None


def _original_prefix(header: str, normalized_prefix: str) -> str:
    """The channel name as written in the header (first words, trimmed)."""
    count = len(normalized_prefix.split())
    words = re.sub(r"[_]+", " ", header).split()
    return " ".join(words[:count]).strip(" -_:") or normalized_prefix


KNOWN_PLAIN_ROLES = frozenset({*_PLAIN_SYNONYMS, "ignore", "link", "close_date", "lost_date"})


def valid_role(role: str) -> bool:
    """True for a role string this importer understands (see module docstring)."""
    if role in KNOWN_PLAIN_ROLES:
        return True
    kind, _, rest = role.partition(":")
    if kind in ("stage", "date", "criterion") and rest.strip():
        return kind == "stage" or "@" not in rest
    return bool(role.startswith("spend@") and role[6:].strip())


def role_stage(role: str) -> str | None:
    """The stage of a ``stage:`` or ``date:`` role (without channel)."""
    kind, _, rest = role.partition(":")
    if kind in ("stage", "date"):
        return rest.split("@", 1)[0]
    return None


def role_channel(role: str) -> str | None:
    """The channel of a channel-qualified role (``...@Channel``)."""
    if "@" in role:
        return role.split("@", 1)[1]
    return None
