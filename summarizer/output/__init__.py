"""Writing outputs: digest files, the index, and the renderers."""
