"""File formats: JSON plans and results, the plan workbook, atomic saves, recovery files."""
