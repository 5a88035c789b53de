"""How fast each SKPD answers: measures defined once, aggregates kept up to date from the audit
trail of report changes, a ranking that is fair to busy units and hard categories, and the
figures the hub's league tables receive through sync.
"""
