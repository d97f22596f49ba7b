"""reportgen: ledgers and a figure registry in, official-format work reports out."""

__version__ = "0.1.0"
