"""Reading inputs: paths, files and encodings, web pages, JSON lines, sentence segmenting, language ID."""
