"""ValAct-15k pipeline.

Stages, in order (each a module ``pipeline/<stage>/stage.py`` and a ``valact <stage>`` command;
the list itself is the registry, :mod:`pipeline.stages`):

1. ingest    sample | dump files | Reddit API -> raw/posts.parquet
2. clean     filters, personal-data scrubbing -> interim/clean.parquet, interim/rejected.parquet
3. dedupe    exact and near duplicates        -> interim/unique.parquet, interim/duplicates.parquet
4. annotate  scenario + options per value     -> interim/annotations.parquet
5. review    decisions replayed, queue        -> interim/reviewed.parquet, review/queue.jsonl
6. assemble  N x k options, value-balanced    -> interim/selected.parquet
7. build     Hugging Face dataset + card      -> processed/valact-15k/, processed/metrics.json

Shared: ``stages`` (the registry), ``stage_metrics`` (each stage's metrics record),
``values`` (Schwartz values), ``schemas`` (pandera), ``params`` (params.yaml), ``artifacts``
(atomic, validated I/O), ``llm`` (the one LLM client).
"""
