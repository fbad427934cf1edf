"""Standards: the enterprise standard system and its after-sales service subsystem."""
