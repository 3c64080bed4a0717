"""Comparison: levels across frameworks (the crosswalk) and qualifications (similarity)."""
