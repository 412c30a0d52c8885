"""Great Expectations suites (as code) and the runner the Dagster asset checks call."""
