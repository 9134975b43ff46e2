"""The plain-text report of ``main.py calc`` for a person: counts rounded
up, money in whole currency units, months as rows."""

from __future__ import annotations

from collections.abc import Sequence

from core.calc.display import format_count, format_money, format_percent
from core.calc.engine import PlanResult
from core.calc.figures import WORDS, Figures, deficit_words, figures, money_in, signed_count
from core.calc.flow_figures import percent_words
from core.model.plan import Plan
from core.reports.text_year import contingency_section, odds_section, tracking_section


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Right-aligned columns (the first left-aligned) under a rule."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    return [line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _money(value: float) -> str:
    return format_money(value)


def render_report(plan: Plan, result: PlanResult) -> str:
    """The whole report as text."""
    cur = plan.currency
    out: list[str] = [
        f"{plan.name}: {result.months[0]} to {result.months[-1]} ({plan.months} months), amounts in {cur}",
        "",
        f"Revenue target {format_money(float(result.revenue_target.sum()), cur)}"
        f" at an average deal of {format_money(plan.avg_deal_size, cur)}:"
        f" {format_count(float(result.deals_required.sum()))} deals required"
        f" (after the pipeline already forecast).",
        "",
        "Required entering each stage per month (counts rounded up; stage rows are gross, before free sources)",
    ]
    headers = ["Month", "Target", *result.stage_names, "Paid leads"]
    rows = []
    for t, month in enumerate(result.months):
        rows.append(
            [
                month,
                _money(float(result.revenue_target[t])),
                *(format_count(float(s[t])) for s in result.stage_required),
                format_count(float(result.paid_leads[t])),
            ]
        )
    rows.append(
        [
            "Total",
            _money(float(result.revenue_target.sum())),
            *(format_count(float(s.sum())) for s in result.stage_required),
            format_count(float(result.paid_leads.sum())),
        ]
    )
    out += _table(headers, rows)

    pre = [f"{name} {format_count(v)}" for name, v in zip(result.stage_names, result.pre_plan, strict=False) if v > 0]
    out += ["", "Pre-plan requirement (had to enter before the plan starts for its first months to be met):"]
    out.append("  " + (", ".join(pre) if pre else "none"))
    out.append(
        f"  Paid raw leads {format_count(result.paid_leads_pre_plan)}, variable spend {format_money(result.spend_pre_plan, cur)}"
    )

    if result.channel_names:
        out += ["", f"Spend per channel per month ({cur}; paid leads rounded up)"]
        headers = ["Month", *result.channel_names, "Total"]
        rows = [
            [month, *(_money(float(s[t])) for s in result.spend), _money(float(result.spend_total[t]))]
            for t, month in enumerate(result.months)
        ]
        rows.append(["Total", *(_money(float(s.sum())) for s in result.spend), _money(float(result.spend_total.sum()))])
        rows.append(
            [
                "Leads",
                *(format_count(float(leads.sum())) for leads in result.channel_leads),
                format_count(float(result.paid_leads.sum())),
            ]
        )
        out += _table(headers, rows)

    fig = figures(plan, result)
    out += _after_plan_section(fig)
    out += _nurture_section(fig)
    out += _budget_and_capacity(plan, result, fig)
    out += _lead_spec_section(plan, result, fig)
    out += tracking_section(plan, result, _table)
    out += contingency_section(plan, result, _table)
    out += odds_section(plan, result)
    return "\n".join(out) + "\n"


def _after_plan_section(fig: Figures) -> list[str]:
    """What the plan assumes after its end and what its own leads carry over (figures' far edge)."""
    edge = fig.after_plan
    cur = fig.currency
    if edge.mode == "none":
        head = "After the plan: mode none (nothing is required after the plan), 0 months"
    else:
        period = "a year" if edge.cycle == 12 else f"every {edge.cycle} months"
        months = "month" if edge.months == 1 else "months"
        head = f"After the plan: mode repeat, {edge.months} {months}, growth {percent_words(edge.growth)} {period}"
    out = ["", head]
    if edge.mode != "none":
        out.append(
            f"  Target assumed after the plan {format_money(edge.target_after, cur)}:"
            f" {format_count(edge.deals_after)} deals, whose leads enter during the plan."
        )
    out.append(
        f"  Carried over by the plan's own leads: {format_count(edge.carried_deals)} deals,"
        f" {format_money(edge.carried_revenue, cur)}."
    )
    out.append("  " + edge.sentence(money_in(cur)))
    return out


def _nurture_section(fig: Figures) -> list[str]:
    """The nurture pool per month (figures' nurture)."""
    pool = fig.nurture
    if pool is None:
        return []
    headers = ["Month", "Recycled", "Pool", f"Returned to {pool.stage}"]
    if pool.utilization is not None:
        headers.append("Lead dev. util.")
    rows = []
    for t, month in enumerate(pool.months):
        row = [month, format_count(pool.recycled[t]), format_count(pool.pool[t]), format_count(pool.matured[t])]
        if pool.utilization is not None:
            row.append(format_percent(pool.utilization[t], 0))
        rows.append(row)
    total = ["Total", format_count(pool.recycled_total), "", format_count(pool.returned_total)]
    rows.append([*total, ""] if pool.utilization is not None else total)
    out = [
        "",
        f"Nurture pool on {pool.stage} (recycle {percent_words(pool.recycle)} of the leads failing, maturity"
        f" {percent_words(pool.maturity)}, decay {percent_words(pool.decay)} a month, at most {pool.max_months}"
        " months; pool at the start of the month)",
    ]
    out += _table(headers, rows)
    out.append(pool.sentence())
    return out


def _budget_and_capacity(plan: Plan, result: PlanResult, fig: Figures) -> list[str]:
    if result.budget_gap is None and result.sales_utilization is None:
        return []
    cur = plan.currency
    headers = ["Month", "Spend needed"]
    if result.approved_budget is not None:
        headers += ["Approved", "Budget gap"]
    if result.funded is not None:
        headers += ["Funded revenue", "Revenue gap"]
        if result.funded.gate_deficit is not None:
            headers += ["Gate deficit"]
    if result.sales_utilization is not None:
        headers += ["Sales util."]
    rows = []
    for t, month in enumerate(result.months):
        row = [month, _money(float(result.spend_total[t]))]
        if result.approved_budget is not None and result.budget_gap is not None:
            row += [_money(float(result.approved_budget[t])), _money(float(result.budget_gap[t]))]
        if result.funded is not None:
            row += [_money(float(result.funded.revenue[t])), _money(float(result.funded.revenue_gap[t]))]
            if result.funded.gate_deficit is not None:
                row += [_signed_count(float(result.funded.gate_deficit[t]))]
        if result.sales_utilization is not None:
            row += [format_percent(float(result.sales_utilization[t]), 0)]
        rows.append(row)
    out = ["", f"Budget, funded projection and sales capacity ({cur}; gap > 0: funding to request)"]
    out += _table(headers, rows)
    if fig.budget is not None:
        out.append("Budget: " + fig.budget.sentence(money_in(cur)))
    if fig.deficit is not None and fig.gate is not None:
        out.append(f"Qualified-lead deficit at {fig.gate} with the approved budget: {fig.deficit_words()}.")
        split = fig.deficit_split
        if split is not None:
            out.append(f"  Why: {split.sentence()}")
    if result.sales_utilization is not None:
        peak = int(result.sales_utilization.argmax())
        out.append(
            f"Peak sales utilization {format_percent(float(result.sales_utilization[peak]), 0)} in {result.months[peak]}"
            + (": more than sales can work." if result.sales_utilization[peak] > 1 else ".")
        )
    return out


def _spec_change_lines(fig: Figures, cur: str) -> list[str]:
    """The spec change in the figures' words (as the Results page)."""
    ch = fig.spec_change
    assert ch is not None
    out = []
    if ch.deficit_adopted is not None and ch.deficit_change is not None:
        out.append(
            f"  Qualified-lead deficit after adopting it: {deficit_words(ch.deficit_adopted, ch.gate)}"
            f" (change {signed_count(ch.deficit_change)})."
        )
    out.append(
        f"  It takes {signed_count(ch.extra_paid_leads)} more paid raw leads {WORDS['over_plan']}"
        f" (+{format_count(max(0.0, ch.extra_paid_leads_pre_plan))} pre-plan)"
        f" and {format_money(ch.extra_spend, cur)} more budget {WORDS['over_plan']}"
        f" ({format_money(ch.extra_spend_with_pre_plan, cur)} {WORDS['pre_plan']})."
    )
    if ch.won_back is not None:
        out.append(f"  {ch.won_back.sentence()}")
    return out


def _signed_count(value: float) -> str:
    """A deficit (positive) rounded up; a surplus shown as negative."""
    return format_count(value) if value >= 0 else "-" + format_count(-value)


def _lead_spec_section(plan: Plan, result: PlanResult, fig: Figures) -> list[str]:
    out: list[str] = []
    spec = plan.lead_spec
    if spec is not None and result.spec_pass_rate is not None:
        source = (
            "measured on imported leads"
            if spec.pass_rate_source == "empirical" and spec.empirical
            else "from the criteria"
        )
        out += [
            "",
            f"Lead spec at {spec.gate}: pass rate {format_percent(result.spec_pass_rate)} ({source}), threshold {spec.threshold:g} points.",
        ]
    change = result.spec_change
    if change is not None:
        cur = plan.currency
        out += [
            "",
            f"Spec change at {change.gate}: pass rate {format_percent(change.pass_rate_current)} -> {format_percent(change.pass_rate_proposed)}.",
            *_spec_change_lines(fig, cur),
        ]
    return out
