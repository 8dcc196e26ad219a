"""The walk-in desk (CH-PRE): reception check-in, the waiting-room display, call-next from the console.

A visitor is a contact like a call (channel presencial) in a queue with its own
skills and wait policy; :mod:`atiende.walkin.core` holds the desk's own rules.
"""
