"""Publishing: resource descriptions, dumps and their catalogue, the ELM export."""
