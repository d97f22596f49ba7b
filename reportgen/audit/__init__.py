"""Reading documents back: extraction, attribution, consistency, listing and the build ledger."""
