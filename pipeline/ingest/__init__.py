"""Stage 1, ingest: dump files, the bundled sample or the Reddit API -> raw/posts.parquet."""
