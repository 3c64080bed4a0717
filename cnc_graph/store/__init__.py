"""The graph store: the protocol, the embedded and remote implementations, and the selector that picks one."""
