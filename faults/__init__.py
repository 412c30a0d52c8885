"""Fault injection: a loopback server serving every source's real wire format with faults on
demand, a registry of cases with their expected outcomes, and a runner that prints the table
(``python -m faults``, ``make faults``; the same cases run in ``tests/faults``)."""
