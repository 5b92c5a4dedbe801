"""Stand-in models: random weights, real tokenizers, built offline, so that the real loading and generate()
code runs without the Hub (`build`); realistic output lengths (`lengths`); the mark their folders carry (`marker`)."""
