"""Reports: the text report and the budget-request workbook for finance."""
