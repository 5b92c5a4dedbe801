"""Models: the catalogue, finding and pulling them, loading them on a backend, embeddings, stand-ins."""
