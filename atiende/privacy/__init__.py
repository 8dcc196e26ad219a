"""Privacy, ethics and security (ET-1..4, NT-3): consents, the credential vault, the audit trail,
login throttling. Spec capability 5."""
