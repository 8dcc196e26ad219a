"""The mail channel: email in (MTA pipe, IMAP) and out (a stored outbox sent over SMTP). See docs/mail.md."""
