"""Files on a case: validated by content, stored privately, served through permission checks."""
