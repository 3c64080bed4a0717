"""SPARQL for the public endpoint: query text, the runner and its workers, the result cache."""
