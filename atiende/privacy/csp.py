"""The Content Security Policy, read by settings.SECURE_CSP (Django's built-in CSP middleware).

Scripts run only from our own origin or with the per-request nonce, so text a user
typed can never become a running script even if escaping failed somewhere.
Inline style attributes stay allowed ('unsafe-inline' for styles only): the web
UI and the API docs use them, and they cannot run code.
"""

from django.utils.csp import CSP

CONTENT_SECURITY_POLICY = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
