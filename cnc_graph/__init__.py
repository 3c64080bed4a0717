"""CNC Graph: the linked-data knowledge graph of Morocco's National Qualifications Framework."""

__version__ = "0.1.0"
