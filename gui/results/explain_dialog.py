""" "Why this number?": a small window showing a figure as the chain of
figures that produced it (:func:`core.calc.explain.explain`), numbers in the
user's locale."""

from __future__ import annotations

import html

from PySide6.QtCore import QLocale, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from core.calc.engine import PlanResult
from core.calc.explain import Explanation, NumberFormat, Step, explain
from core.model.plan import Plan
from gui.formatting import count_text, money_text, number_text, percent_text, user_locale


def number_format(locale: QLocale | None = None) -> NumberFormat:
    """The explanation's sentences formatted like the rest of the GUI."""
    loc = locale or user_locale()
    return NumberFormat(
        count=lambda v: count_text(v, loc),
        money=lambda v, cur: money_text(v, cur, loc),
        percent=lambda v: percent_text(v, 1, loc),
        number=lambda v: number_text(float(v), 2, loc),
    )


def step_value_text(step: Step, currency: str, locale: QLocale | None = None) -> str:
    """A step's value as shown in the right-hand column."""
    loc = locale or user_locale()
    if step.unit == "money":
        return money_text(step.value, currency, loc)
    if step.unit == "rate":
        return percent_text(step.value, 1, loc)
    if step.unit == "hours":
        return f"{number_text(float(step.value), 1, loc)} h"
    if step.unit == "number":
        return number_text(float(step.value), 2, loc)
    return count_text(step.value, loc)


def explanation_html(explanation: Explanation, currency: str, locale: QLocale | None = None) -> str:
    """The chain as an HTML table: numbered sentences, values on the right,
    the last (the figure itself) in bold."""
    rows = []
    last = len(explanation.steps) - 1
    for i, step in enumerate(explanation.steps):
        weight = "600" if i == last else "400"
        rows.append(
            "<tr>"
            f"<td style='color:#9ca3af; padding:5px 8px 5px 0; vertical-align:top'>{i + 1}</td>"
            f"<td style='padding:5px 16px 5px 0; font-weight:{weight}'>{html.escape(step.text)}</td>"
            f"<td align='right' style='padding:5px 0; white-space:nowrap; font-weight:{weight}'>"
            f"{html.escape(step_value_text(step, currency, locale))}</td>"
            "</tr>"
        )
    return f"<table width='100%' cellspacing='0' style='color:#1f2937'>{''.join(rows)}</table>"


def explanation_text(explanation: Explanation, currency: str, locale: QLocale | None = None) -> str:
    """Plain text for the clipboard."""
    lines = [explanation.title]
    for i, step in enumerate(explanation.steps, 1):
        lines.append(f"{i}. {step.text}\t{step_value_text(step, currency, locale)}")
    return "\n".join(lines)


class ExplanationDialog(QDialog):
    """Non-modal window with one explanation; ``show_explanation`` replaces it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Why this number?")
        self.resize(760, 460)
        self.explanation: Explanation | None = None
        self._currency = ""
        self.heading = QLabel()
        self.heading.setObjectName("explainTitle")
        self.heading.setStyleSheet("font-size: 15px; font-weight: 600; color: #1f2937;")
        self.figure_label = QLabel()
        self.figure_label.setStyleSheet("font-size: 22px; font-weight: 600; color: #2563eb;")
        self.body = QTextBrowser()
        self.body.setOpenLinks(False)
        self.body.setStyleSheet("QTextBrowser { border: 1px solid #e5e7eb; border-radius: 6px; padding: 6px; }")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(8)
        layout.addWidget(self.heading)
        layout.addWidget(self.figure_label)
        layout.addWidget(self.body, 1)
        layout.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)

    def show_explanation(self, explanation: Explanation, currency: str) -> None:
        self.explanation = explanation
        self._currency = currency
        self.heading.setText(explanation.title)
        self.figure_label.setText(step_value_text(explanation.steps[-1], currency))
        self.body.setHtml(explanation_html(explanation, currency))

    def show_message(self, title: str, message: str) -> None:
        """A figure that cannot be explained for this plan (says what is missing)."""
        self.explanation = None
        self.heading.setText(title)
        self.figure_label.setText("")
        self.body.setPlainText(message)

    def text(self) -> str:
        """What the window shows, as plain text."""
        if self.explanation is None:
            return self.body.toPlainText()
        return explanation_text(self.explanation, self._currency)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.text())


def explain_in_dialog(
    dialog: ExplanationDialog, plan: Plan, result: PlanResult, figure: str, month: int | None = None
) -> ExplanationDialog:
    """Fill ``dialog`` with the explanation of ``figure`` and show it."""
    try:
        dialog.show_explanation(explain(plan, result, figure, month, number_format()), plan.currency)
    except ValueError as exc:
        dialog.show_message("Why this number?", str(exc))
    dialog.show()
    dialog.raise_()
    return dialog
