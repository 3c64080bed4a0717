"""The registration card: its fields declared once, and what is derived from them (RDF, docs, templates)."""
