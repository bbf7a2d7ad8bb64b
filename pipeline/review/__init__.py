"""Stage 5: human review queue and decisions."""
