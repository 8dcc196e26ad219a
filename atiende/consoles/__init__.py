"""Live consoles: the technician's console and the supervisor's wallboard (SPEC capabilities 2-4, 7)."""
