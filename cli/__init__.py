"""The command line: argument parsing and printing over core/ (an interface beside gui/)."""
