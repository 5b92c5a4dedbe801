"""Measuring: metrics (BLEU, chrF, ROUGE) and evaluation against references."""
