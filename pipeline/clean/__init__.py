"""Stage 2, clean: filters, text normalization and the personal-data scrubber."""
