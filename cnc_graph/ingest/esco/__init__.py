"""ESCO: the official CSV distribution read (``files``), turned into triples (``concepts``), imported into the
store (``importer``), and the slice of it the inventory refers to (``slice``)."""
