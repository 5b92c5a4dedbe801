"""Stand-in models: random weights and real tokenizers, built offline so the real loading and generate() code runs.

`build` makes them (for a target language too: data/ holds the texts their tokenizers learn), `lengths` gives
Marian ones realistic output lengths, `marker` is the mark their folders carry.
"""
