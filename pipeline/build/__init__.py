"""Stage 7: the Hugging Face dataset folder and its card."""
