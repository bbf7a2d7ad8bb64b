"""What makes one build the next release of another: stable ids, withdrawals, changelogs."""
