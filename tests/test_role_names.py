"""Column roles in the words of the person importing: every role kind the
importer understands has a label without ids, underscores or ``:``/``@``,
naming its stage, channel or criterion; reasons keep other quoted text."""

from __future__ import annotations

import re

import pytest

from core.importer.columns import KNOWN_PLAIN_ROLES, valid_role
from core.importer.role_names import reason_words, role_label, roles_for

ROLE_ID = re.compile(r"\b\w+[:@]\w")
STAGES = ("Inquiry", "MQL", "Sales accepted", "Won")
CHANNELS = ("Webinars", "Paid search")
CRITERIA = ("Budget confirmed",)


def every_role() -> list[str]:
    """One role of each kind the importer reads (core/importer/columns.py), for each name."""
    roles = sorted(KNOWN_PLAIN_ROLES)
    roles += [f"stage:{s}" for s in STAGES] + [f"date:{s}" for s in STAGES]
    roles += [f"stage:{s}@{c}" for s in STAGES for c in CHANNELS]
    roles += [f"spend@{c}" for c in CHANNELS] + [f"criterion:{c}" for c in CRITERIA]
    assert all(valid_role(r) for r in roles)
    return roles


@pytest.mark.parametrize("shape", ["monthly", "leads", None])
def test_every_role_has_a_label_in_words(shape: str | None) -> None:
    roles = every_role()
    labels = [role_label(r, shape) for r in roles]
    assert not [t for t in labels if ROLE_ID.search(t) or "_" in t or not t[0].isupper()], labels
    assert len(set(labels)) == len(labels), "two meanings read the same"
    for role, label in zip(roles, labels, strict=True):
        for name in re.split(r"[:@]", role)[1:]:
            assert name in label, (role, label)


def test_a_stage_column_is_a_count_in_a_summary_and_a_flag_per_lead() -> None:
    assert role_label("stage:MQL", "monthly") == "Count entering stage MQL"
    assert "yes/no" in role_label("stage:MQL", "leads")
    assert role_label("date:MQL") == "Date entered stage MQL"
    assert role_label("spend@Webinars") == "Spend on channel Webinars"


def test_reasons_name_the_meaning_and_keep_other_quotes() -> None:
    said = reason_words("a second column for 'stage:MQL' (the first one is used)", "monthly")
    assert said == "a second column for 'Count entering stage MQL' (the first one is used)"
    assert reason_words("'amount' belongs to lead-level data") == "'Deal amount' belongs to lead-level data"
    assert reason_words("on sheet 'Leads 2024'") == "on sheet 'Leads 2024'"


@pytest.mark.parametrize("shape", ["monthly", "leads", None])
def test_the_roles_offered_fit_the_shape_of_the_data(shape: str | None) -> None:
    offered = roles_for(shape, STAGES, CHANNELS, CRITERIA)
    assert offered[0] == "ignore" and len(set(offered)) == len(offered)
    assert all(valid_role(r) for r in offered)
    lead_only = {"created_date", "status", "amount", *(f"date:{s}" for s in STAGES)}
    summary_only = {"month", "revenue", "spend", *(f"spend@{c}" for c in CHANNELS)}
    if shape == "monthly":
        assert summary_only <= set(offered) and not lead_only & set(offered)
    elif shape == "leads":
        assert lead_only <= set(offered) and not summary_only & set(offered)
    else:
        assert lead_only | summary_only <= set(offered)
