"""SHACL validation: the validator, its report, the shapes compiled to SPARQL, and the record context."""
