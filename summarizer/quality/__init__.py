"""Quality checks on every output: cheap checks (language, copy-through, loops, numbers, length), the facts
of a sentence (facts.py) and names across scripts (names.py), and an optional embedding adequacy check."""
