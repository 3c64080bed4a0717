"""Ingesters: files in the formats users deliver (CSV/XLSX inventories, ESCO CSV, SSSOM) → RDF."""
