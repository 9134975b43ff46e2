"""Importing last year's spreadsheet and calibrating a plan from it.

Public API (the GUI import wizard and ``main.py import`` call these)::

    scan_workbook(path: Path, mapping: ColumnMapping | None = None) -> Scan
    calibrate(scan: Scan, base: Plan,
              progress: Callable[[float], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> Calibration
    load_mapping(path: Path) -> tuple[ColumnMapping | None, tuple[Problem, ...]]
    describe(scan: Scan, calibration: Calibration | None = None) -> str

``Scan``: ``sheet``, ``header_row`` (1-based), ``shape`` ("monthly" |
"leads"), ``columns`` (:class:`Column`: header, role, cell address, whether
from the mapping), ``ignored`` (:class:`IgnoredColumn` with the reason),
``recognised`` (header -> role), ``spend_table`` (a monthly spend table on
another sheet), ``preview`` (header + first 20 rows as text), ``problems``,
``ok``. ``Calibration``: ``plan`` (the calibrated :class:`~core.model.plan.Plan`,
valid under :func:`core.calc.feasibility.validate`; None when refused),
``figures`` (:class:`CalibratedFigure`: field path, label, value, sample
size, warning or None, previous value, basis), ``problems``, ``warnings``.
:class:`ImportCancelled` is raised by ``calibrate`` when ``cancelled()``
returns True.

Two shapes are read (see :mod:`core.importer.calibrate` for the math):

* **monthly** summary, a row per month: month, volumes per stage
  ("Inquiries", "MQLs", "SQLs", "Opportunities", "Won"/"Deals"), optionally
  per channel ("Webinars leads", "Webinars spend") or in long format (a
  channel column), spend, revenue;
* **leads**, a CRM export with a row per lead: created date, lead source,
  status (furthest stage), the date each stage was entered ("MQL Date",
  "Opportunity Created Date", "Closed Won Date"), amount, and yes/no
  columns per lead-spec criterion ("Budget confirmed"). A monthly spend
  table (month, channel, spend, or "<channel> spend" columns) on another
  sheet gives the cost per lead.

Columns are recognised from their headers by synonyms in any case and
spacing (:mod:`core.importer.columns` lists the roles), on whichever sheet
and header row (the row, among each sheet's first 30, with the most
recognised headers). Unrecognised yes/no columns of lead-level data are
taken as lead-spec criteria and matched to the base plan's criteria by name.

Mapping file (JSON; every key optional) overriding the guess::

    {
      "sheet": "Leads",                 // sheet to read
      "header_row": 3,                  // row of the headers, 1 = first row
      "shape": "leads",                 // or "monthly"
      "columns": {                      // header as in the file -> role
        "Src": "channel",
        "Dt": "created_date",
        "Became MQL": "date:MQL",
        "Webinar $": "spend@Webinars",
        "Notes": "ignore"
      },
      "stages": ["Inquiry", "MQL", "SQL", "Opportunity", "Won"],
                                        // the data's stages, top to bottom
      "criteria": {"Budget ok?": "Budget confirmed"},
                                        // header -> criterion of the plan's spec
      "statuses": {"Nurture": "MQL", "Closed Lost": null},
                                        // status text -> stage (null: none)
      "decimal": ",",                   // numbers written as text: 1.234,50
      "date_order": "day-first"         // dates written as text: 25/03/2026
    }

``decimal`` and ``date_order`` only matter when the column's own values do
not tell (:mod:`core.importer.numbers`, :mod:`core.importer.dates`: one
rule per column; a guess is warned about, a column mixing both is
refused).

Roles: ``month``, ``channel``, ``created_date``, ``status``, ``amount``,
``revenue``, ``spend``, ``spend@<Channel>``, ``stage:<Stage>``,
``stage:<Stage>@<Channel>``, ``date:<Stage>``, ``criterion:<Name>``, ``id``,
``ignore``. Stage names are the base plan's stage names (or canonical
names: Inquiry, MQL, SQL, Opportunity, Proposal, Won).

A ``.csv`` export is read as a workbook of one sheet named after the file
(:mod:`core.importer.csv_reader`: encoding and delimiter detected, the
same size and cell limits). Total and summary rows ("Total", a per-channel
block below the leads, a report footer) are left out with a note
(:mod:`core.importer.summaries`).

Every workbook is checked by :func:`core.formats.xlsx.safety.check_spreadsheet_file`
before it is read; bad files and bad cells become Problems naming the
file, sheet and cell, never tracebacks, and fields are named in the user's
words (:mod:`core.importer.wording`). Text from the file is only data.
"""

from __future__ import annotations

from core.importer.calibrate import MIN_SAMPLE, CalibratedFigure, Calibration, calibrate
from core.importer.describe import describe
from core.importer.mapping import ColumnMapping, load_mapping, mapping_from_dict
from core.importer.scan import Column, IgnoredColumn, ImportCancelled, Scan, Table, scan_workbook

__all__ = [
    "MIN_SAMPLE",
    "CalibratedFigure",
    "Calibration",
    "Column",
    "ColumnMapping",
    "IgnoredColumn",
    "ImportCancelled",
    "Scan",
    "Table",
    "calibrate",
    "describe",
    "load_mapping",
    "mapping_from_dict",
    "scan_workbook",
]
