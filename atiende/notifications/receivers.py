"""What the staff are notified of, read from the desk's own events (the desk does not call us)."""
