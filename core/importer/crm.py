"""CRM exports as HubSpot, Salesforce, Pipedrive and Dynamics 365 write them.

Headers and values these exports use, beyond the generic synonyms of
:mod:`core.importer.columns`:

* **HubSpot** contacts: ``Became a Marketing Qualified Lead Date``, and in
  current portals ``Date entered "Marketing Qualified Lead (Lifecycle Stage
  Pipeline)"`` (the ``Date exited`` and ``Time in`` columns are not used);
  lifecycle values such as ``marketingqualifiedlead``; ``Recent Deal Amount``.
* **Salesforce** reports: ``Converted`` / ``Converted Date`` (the lead became
  an opportunity), ``Converted Opportunity ID`` (joins the Opportunities
  report), ``Won`` (the outcome) while ``Closed`` is true for lost deals too
  and is never read as won; ``Close Date`` is the outcome's date; ``Stage``
  values ``Closed Won`` / ``Closed Lost``; lead statuses ``Closed -
  Converted`` and ``Working - Contacted``.
* **Pipedrive** deals: the ``Deal - `` prefix; ``Deal - Status``
  (Open/Won/Lost) tells the outcome while ``Deal - Stage`` is the pipeline
  step of open deals; ``Won time``; ``Lost time``.
* **Dynamics 365** "Export to Excel": hidden ``(Do Not Modify) ...`` columns,
  ``Created On``, ``Status`` (Open/Won/Lost), ``Actual Close Date``, ``Actual
  Revenue``, ``Est. Revenue``.

:func:`crm_role` gives a header's role (or ``ignore`` with a reason), or None
to leave it to the generic rules; :func:`crm_status_stage` the canonical stage
a CRM status value stands for; :func:`is_deal_level` whether a table's rows are
deals (its first stage is then the deal's creation, not a raw lead).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

import defusedxml.ElementTree as defused_et

# HubSpot lifecycle stages (internal values and labels) -> canonical stage
LIFECYCLE: dict[str, str | None] = {
    "subscriber": "Inquiry", "lead": "Inquiry", "marketingqualifiedlead": "MQL", "marketing qualified lead": "MQL",
    "salesqualifiedlead": "SQL", "sales qualified lead": "SQL", "opportunity": "Opportunity", "customer": "Won",
    "evangelist": "Won", "other": None,
}  # fmt: skip
# CRM status values -> canonical stage (None: reached nothing beyond what the dates show)
STATUS_VALUES: dict[str, str | None] = {
    **LIFECYCLE,
    "closed converted": "Opportunity", "converted": "Opportunity", "qualified": None,
    "closed not converted": None, "working contacted": None, "open not contacted": None, "working": None,
    "nurturing": None, "unqualified": None, "open": None, "lost": None, "won": "Won", "closed won": "Won",
    "closed lost": None, "in progress": None, "on hold": None, "out sold": None, "canceled": None,
    "cancelled": None, "prospecting": "Opportunity", "qualification": "Opportunity",
    "needs analysis": "Opportunity", "value proposition": "Opportunity", "id decision makers": "Opportunity",
    "perception analysis": "Opportunity", "proposal price quote": "Opportunity",
    "negotiation review": "Opportunity",
}  # fmt: skip
_EXACT: dict[str, str] = {
    "recent deal amount": "amount", "first deal created date": "ignore", "lifecycle stage": "status",
    "original source": "channel", "original source drill down 1": "ignore", "original source drill down 2": "ignore",
    "converted": "stage:Opportunity", "converted date": "date:Opportunity", "converted opportunity id": "link",
    "opportunity id": "link", "close date": "close_date", "actual close date": "close_date", "won": "stage:Won",
    "won time": "date:Won", "lost time": "lost_date", "deal created": "created_date", "source channel": "channel",
    "title": "id", "topic": "id", "opportunity name": "id", "actual revenue": "amount", "est revenue": "amount",
    "value": "amount", "deal closed on": "close_date", "lead status": "status", "status": "status", "id": "id",
}  # fmt: skip
_IGNORED: dict[str, str] = {
    "closed": "true for lost deals too, so it cannot tell won deals ('Won', 'Status' or 'Stage' does)",
    "stage": "the pipeline step of open deals; won and lost come from the deal's status",
    "est close date": "an expected date, not an outcome",
    "status reason": "the 'Status' column tells won and lost",
    "expected close date": "an expected date, not an outcome",
    "currency": "not used",
    "probability": "not used",
    "probability %": "not used",
}
_HUBSPOT_ENTERED = re.compile(r'^date entered\s*["“”]?(.+?)(?:\s*\(([^)]*)\))?\s*["“”]?$', re.IGNORECASE)
_HUBSPOT_OTHER = re.compile(
    r'^(date exited|time in|latest time in|cumulative time in|latest date entered)\b.*["“”]', re.IGNORECASE
)
_BECAME = re.compile(r"^became (?:an? )?(.+?) date$")
_DEAL_PREFIX = re.compile(r"^(deal|opportunity|lead|person|organization)\s*-\s*", re.IGNORECASE)
DEAL_HINTS = ("deal - ", "opportunity name", "opportunity id", "est. revenue", "actual revenue", "potential customer")


def plain(text: object) -> str:
    """Casefolded, punctuation to single spaces."""
    out = re.sub(r"[_\-./:;,|()\[\]{}#*\"“”]+", " ", str(text).casefold())
    return re.sub(r"\s+", " ", out).strip()


def lifecycle_stage(name: str) -> str:
    """A HubSpot lifecycle stage label as a stage name (canonical when known)."""
    key = plain(name)
    return LIFECYCLE.get(key) or LIFECYCLE.get(key.replace(" ", "")) or name.strip()


def crm_role(header: object) -> tuple[str, str] | None:
    """(role, reason) for a CRM header, the reason set when the role is
    ``ignore``; None to leave the header to the generic rules."""
    if not isinstance(header, str) or not header.strip():
        return None
    raw = header.strip()
    if raw.casefold().startswith("(do not modify)"):
        return "ignore", "a system column of a Dynamics 365 export (hidden in Excel)"
    entered = _HUBSPOT_ENTERED.match(raw)
    if entered:
        return f"date:{lifecycle_stage(entered.group(1))}", ""
    if _HUBSPOT_OTHER.match(raw):
        return "ignore", "HubSpot's exit dates and times in a stage are not used (the entry dates are)"
    text = plain(_DEAL_PREFIX.sub("", raw))
    became = _BECAME.match(text)
    if became:
        return f"date:{lifecycle_stage(became.group(1))}", ""
    if text in _EXACT:
        return _EXACT[text], ""
    if text in _IGNORED and (text != "stage" or _DEAL_PREFIX.match(raw)):
        return "ignore", _IGNORED[text]
    return None


def crm_status_stage(text: str) -> tuple[bool, str | None]:
    """(known, canonical stage or None) for a CRM status value."""
    key = plain(text)
    if key in STATUS_VALUES:
        return True, STATUS_VALUES[key]
    squeezed = key.replace(" ", "")
    if squeezed in STATUS_VALUES:
        return True, STATUS_VALUES[squeezed]
    return False, None


def is_deal_level(headers: Iterable[str], roles: Iterable[str]) -> bool:
    """True when the rows are deals (Pipedrive, an Opportunities report,
    Dynamics opportunities): a deal header and no stage before the deal."""
    texts = [h.casefold() for h in headers]
    hinted = any(t.startswith(DEAL_HINTS) for t in texts)
    early = {"date:Inquiry", "date:MQL", "date:SQL", "stage:MQL", "stage:SQL"}
    return hinted and not any(r in early for r in roles)


def hidden_columns(path: Path, sheet: str) -> set[int]:
    """0-based indexes of the columns hidden in an .xlsx sheet (``<col hidden="1">``)."""
    from core.importer.typed_columns import sheet_part

    found: set[int] = set()
    if Path(path).suffix.lower() not in (".xlsx", ".xlsm"):
        return found
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if part is None:
                return found
            with archive.open(part) as stream:
                head = stream.read(1 << 16)
        start, end = head.find(b"<cols"), head.find(b"</cols>")
        if start < 0 or end < 0:
            return found
        for element in defused_et.fromstring(head[start : end + 7]):
            if element.attrib.get("hidden") in ("1", "true"):
                low, high = int(element.attrib.get("min", "0")), int(element.attrib.get("max", "0"))
                found.update(range(low - 1, min(high, low + 16384)))
    except Exception:  # a layout detail only; the safety check has passed
        return set()
    return found


__all__ = ["crm_role", "crm_status_stage", "hidden_columns", "is_deal_level", "lifecycle_stage", "plain"]
