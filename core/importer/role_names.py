"""Column roles said in the words of the person importing.

A role (see :mod:`core.importer.columns`) is an internal id such as
``stage:MQL`` or ``spend@Webinars``; it stays the data of a choice and in
mapping files. :func:`role_label` is what a marketing manager reads
("Count entering stage MQL", "Spend on channel Webinars");
:func:`reason_words` rewrites the roles quoted in a reason a column was
ignored ("a second column for 'stage:MQL'") into those words;
:func:`roles_for` lists the roles a column of a monthly summary or of a
lead-level export may take.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from core.importer.columns import valid_role

PLAIN_LABELS: dict[str, str] = {
    "ignore": "Ignore this column",
    "month": "Month",
    "channel": "Lead source / channel",
    "created_date": "Created date",
    "status": "Lead status (furthest stage reached)",
    "amount": "Deal amount",
    "revenue": "Revenue in the month",
    "spend": "Marketing spend",
    "id": "Record ID or name (not used)",
    "link": "ID joining leads to their deals",
    "close_date": "Close date (won or lost)",
    "lost_date": "Date the deal was lost",
}

MONTHLY_PLAIN = ("ignore", "month", "channel", "revenue", "spend", "id")
LEADS_PLAIN = ("ignore", "created_date", "channel", "status", "amount", "close_date", "lost_date", "link", "id")

_QUOTED = re.compile(r"'([^']+)'")


def role_label(role: str, shape: str | None = None) -> str:
    """A role in words. ``shape`` ("monthly", "leads" or None) matters for
    ``stage:<Stage>``: a monthly count of items entering the stage, or a
    lead's yes/no for having reached it."""
    if role in PLAIN_LABELS:
        return PLAIN_LABELS[role]
    kind, _, rest = role.partition(":")
    if kind == "stage" and rest:
        stage, _, channel = rest.partition("@")
        if channel:
            return f"Count entering stage {stage} from channel {channel}"
        if shape == "leads":
            return f"Reached stage {stage} (yes/no)"
        return f"Count entering stage {stage}"
    if kind == "date" and rest:
        return f"Date entered stage {rest}"
    if kind == "criterion" and rest:
        return f"Lead criterion {rest} (yes/no)"
    if role.startswith("spend@") and role[6:].strip():
        return f"Spend on channel {role[6:]}"
    return role.replace("_", " ").strip() or PLAIN_LABELS["ignore"]


def reason_words(reason: str, shape: str | None = None) -> str:
    """A reason with every quoted role said in words; other text as is."""

    def words(match: re.Match[str]) -> str:
        text = match.group(1)
        return f"'{role_label(text, shape)}'" if valid_role(text) else match.group(0)

    return _QUOTED.sub(words, reason)


def roles_for(
    shape: str | None, stages: Iterable[str], channels: Iterable[str], criteria: Iterable[str] = ()
) -> list[str]:
    """The roles offered for a column, in order: for a monthly summary the
    month, channel, money and a count per stage and a spend per channel; for
    a lead-level export the dates, status, amount, a reached-stage flag per
    stage and the lead criteria; every role when the shape is not known."""
    stages, channels, criteria = list(stages), list(channels), list(criteria)
    monthly = [
        *MONTHLY_PLAIN,
        *(f"stage:{s}" for s in stages),
        *(f"spend@{c}" for c in channels),
    ]
    leads = [
        *LEADS_PLAIN,
        *(f"date:{s}" for s in stages),
        *(f"stage:{s}" for s in stages),
        *(f"criterion:{c}" for c in criteria),
    ]
    if shape == "monthly":
        return monthly
    if shape == "leads":
        return leads
    return list(dict.fromkeys([*monthly, *leads]))


__all__ = ["PLAIN_LABELS", "reason_words", "role_label", "roles_for"]
