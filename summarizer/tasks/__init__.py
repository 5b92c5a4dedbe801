"""Model work: generation, summarizing, long inputs, extractive summaries, translating."""
