"""The CNC Graph HTTP API (FastAPI). Depends on ``cnc_graph``; ``cnc_graph`` never imports it."""
