"""The plan workbook's layout that writing and reading share: the sheet names,
the labels and headers each table is found by, and Excel's limit per cell."""

from __future__ import annotations

from core.calc.calendar import month_labels
from core.model.plan import PLAN_FORMAT, Plan

WORKBOOK_MARKER = f"{PLAN_FORMAT} workbook"

ABOUT = "About"
CALENDAR = "Calendar & targets"
FUNNEL = "Funnel"
SPEC = "Lead spec"
CHANNELS = "Channels"
FREE = "Free sources"
NURTURE = "Nurture pool"  # v2; a workbook without it has no nurture pool
CAPACITY = "Budget & capacity"
ACTUALS = "Actuals"  # the year in progress; a workbook without it has no actuals
CONTINGENCY = "Contingency"  # the sources kept ready and the odds' draws; a workbook without it has neither
RESULTS = "Results"
SCENARIOS = "Scenarios"  # only in a document with more than one scenario, after the others
SHEETS = (ABOUT, CALENDAR, FUNNEL, SPEC, CHANNELS, FREE, NURTURE, CAPACITY, ACTUALS, CONTINGENCY, RESULTS)
INPUT_SHEETS = (CALENDAR, FUNNEL, SPEC, CHANNELS, FREE, NURTURE, CAPACITY, ACTUALS, CONTINGENCY)

# labels of single values (column A) and table headers; the reader finds them
L_NAME = "Plan name"
L_CURRENCY = "Currency"
L_START = "Start month"
L_MONTHS = "Months"
L_DEAL = "Average deal size"
L_NOTES = "Notes"
H_MONTH = "Month"
H_TARGET = "Revenue target"
H_PIPELINE = "Pipeline revenue"
H_STAGE = "Stage"
H_RATE = "Rate to next stage"
H_LAG = "Lag to next stage (days)"
H_HOURS = "Sales hours per item"
T_CURRENT = "Current lead spec"
T_PROPOSED = "Proposed lead spec"
L_GATE = "Gate stage"
L_THRESHOLD = "Threshold (points)"
L_SOURCE = "Pass rate from"
L_MEASURED = "Measured pass rate"
L_SAMPLE = "Measured sample (leads)"
H_CRITERION = "Criterion"
H_POINTS = "Points"
H_SHARE = "Share of leads meeting it"
H_REQUIRED = "Required"
T_CHANNELS = "Paid channels"
H_CHANNEL = "Channel"
H_MIX = "Mix (share of paid leads)"
H_CPL = "Cost per lead"
H_CHANNEL_RATE = "Rate to next stage (blank = funnel rate)"
T_FIXED = "Fixed cost per month"
H_SOURCE = "Free source"
H_ENTERS = "Enters at stage"
H_BUDGET = "Approved budget"
H_AVAILABLE = "Sales hours available"
H_SCENARIO = "Scenario"
H_ACTIVE = "Active"
H_NOTE = "Note"
H_DATA = "Plan data (written by the planner; do not edit)"
H_FIGURE = "Figure"
H_BEFORE = "Before the plan"
H_TOTAL = "Plan total"

# v2 (each optional when reading: a workbook saved before them reads with their defaults)
H_RATE_SAMPLE = "Rate measured on (items)"
H_SHARE_SAMPLE = "Share measured on (leads)"
T_TIMING = "Timing by month (optional, instead of the lag in days)"
H_FROM = "From stage"
TIMING_MONTH = "Month {}"  # the timing profile's columns: Month 0, Month 1, ...
TIMING_COLUMNS = 6  # profile columns offered when no stage has a longer profile
T_AFTER = "After the plan"
L_AFTER_MODE = "What happens after the plan"
L_GROWTH = "Growth a year after the plan"
AFTER_REPEAT = "Target goes on (repeat)"
AFTER_NONE = "Nothing after the plan (none)"
L_NURTURE_STAGE = "Nurtured leads return to stage"
L_RECYCLE = "Share of failing leads recycled"
L_MATURITY = "Share maturing a month"
L_DECAY = "Share lost a month"
L_POOL_MONTHS = "Months in the pool"
L_LEAD_HOURS = "Hours per lead a month"
H_LEAD_HOURS = "Lead-development hours available"
DEFAULT_POOL_MONTHS = 24

# the year in progress and its odds (each sheet optional when reading)
L_ELAPSED = "Months elapsed"
L_ALARM = "Alarm threshold"
T_ACTUAL_STAGES = "Items entering each stage"
T_ACTUAL_SPEND = "Spend per channel"
L_OBJECTIVE = "Contingency plan aims at"
OBJECTIVES = ("fastest", "cheapest")
T_SOURCES = "Contingency sources"
H_CSOURCE = "Contingency source"
H_CSTAGE = "Delivers at stage"
H_CCOST = "Cost per item"
H_CMAX = "Items a month at most"
H_CLEAD = "Lead time (months)"
T_CMAX_MONTHLY = "Items a month at most, by month (where it varies)"
T_ODDS = "Odds: how sure is the plan"
L_DRAWS = "Draws"
L_SEED = "Seed"
DEFAULT_DRAWS = 10_000
YEAR_WIDTH = 12.5  # the stage, channel and month columns of the Actuals and Contingency sheets

RESULT_LABEL_WIDTH, RESULT_WIDTH = 34, 10.5
CHANNEL_WIDTH, FREE_WIDTH = 11.5, 9  # the month columns of the channels' fixed costs and of free sources

MAX_TEXT = 32767  # characters in one Excel cell


def month_row_labels(plan: Plan) -> tuple[str, ...]:
    """The labels of the plan's month rows and columns (``2027-01``); a start
    that is not a month (refused elsewhere) still gets ``month 1``, ``month 2``."""
    try:
        return month_labels(plan.start, max(plan.months, 0))
    except ValueError:
        return tuple(f"month {t + 1}" for t in range(max(plan.months, 0)))
