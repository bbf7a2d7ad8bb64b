"""Stage 4: LLM (or offline) annotation of scenarios and value-laden options."""
