"""RDF plumbing: terms, files and their media types, JSON-LD, and the stored SPARQL queries."""
