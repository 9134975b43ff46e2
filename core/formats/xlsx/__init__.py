"""Excel workbooks: the safety scanner, cell reading, the plan workbook read and written."""
