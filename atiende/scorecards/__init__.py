"""Quality scorecards stored with contacts (SPEC capability 4, Django side).

The pure scorer (:mod:`atiende.quality`) judges a transcript; this app builds
the transcript of a contact that ends (its call events plus the turns the
telephony side or the technician supplied), stores the card with it (redacted,
ET-3/NT-3), lets a supervisor override an item with a comment (kept beside the
scorer's word) and the technician acknowledge or dispute, and shows trends per
technician and per rule. See docs/scorecards.md.
"""
