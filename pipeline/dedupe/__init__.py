"""Dedupe stage: exact and near-duplicate detection for cleaned Reddit posts."""
