"""Evaluate a model's value-action gap on ValAct-15k (``valact evaluate ...``).

Modules:

- :mod:`~pipeline.evaluate.scenarios`: load the dataset folder or a parquet of scenarios;
- :mod:`~pipeline.evaluate.questionnaire`: the shipped values questionnaire (our own
  items, 4 per value, 1-6 agreement), user files, ipsatized scoring;
- :mod:`~pipeline.evaluate.conditions`: the prompts of ``act``, ``state``, ``select`` and
  ``hold`` and the seeded option order;
- :mod:`~pipeline.evaluate.parsing`: conservative answer parsing (never guesses);
- :mod:`~pipeline.evaluate.responses`: the responses table (also the human file format);
- :mod:`~pipeline.evaluate.runner`: one resumable run per condition through
  :mod:`pipeline.llm` (cache, concurrency, retries, budget);
- :mod:`~pipeline.evaluate.analysis` and :mod:`~pipeline.evaluate.report`: profiles,
  correlations, accuracies, parquet tables, ``report.md`` and PNG figures;
- :mod:`~pipeline.evaluate.commands`: the ``valact evaluate`` commands (``register(app)``).
"""

from pipeline.evaluate.conditions import CONDITIONS, PROMPT_VERSION, build_items, option_order
from pipeline.evaluate.parsing import parse_choice, parse_rating
from pipeline.evaluate.questionnaire import Questionnaire, Scale, load_questionnaire
from pipeline.evaluate.scenarios import Scenario, load_scenarios

__all__ = [
    "CONDITIONS",
    "PROMPT_VERSION",
    "Questionnaire",
    "Scale",
    "Scenario",
    "build_items",
    "load_questionnaire",
    "load_scenarios",
    "option_order",
    "parse_choice",
    "parse_rating",
]
