"""Knowledge base: articles in, searchable chunks out, customers see only public ones."""
