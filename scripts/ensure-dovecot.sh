#!/bin/sh
# The mail tests read a real IMAP server: Debian's Dovecot, started by the tests
# themselves on a free port with a throwaway configuration (tests/mail/servers.py).
# Install it when we can (root with apt); otherwise those tests are skipped with the reason.
# Installing never starts the system's own Dovecot service (policy-rc.d refuses it here,
# and the tests do not need it).
[ -x /usr/sbin/dovecot ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's dovecot-imapd for the mail tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd) >/dev/null 2>&1 \
        || echo "Could not install dovecot-imapd: the IMAP tests will be skipped."
else
    echo "No /usr/sbin/dovecot and no root: the IMAP tests will be skipped."
fi
exit 0
