"""The figure engine: registry, periods, ledgers, figures and their checks."""
