"""One module per table family; each builds its suites in code."""
