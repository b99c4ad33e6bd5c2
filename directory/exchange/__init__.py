"""Data in and out: file imports and their jobs, the data·inclusion export, calendar feeds."""
