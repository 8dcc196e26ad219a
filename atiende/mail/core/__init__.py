"""The mail channel's pure core: reading, classifying, threading and composing RFC 5322 mail.

No Django here. :mod:`parse` turns the bytes of one message into a :class:`~parse.ParsedMail`
(the standard library's ``email`` package with ``policy=default`` does the MIME; nh3 sanitises
HTML, inscriptis turns it into text, mail-parser-reply cuts quoted history and signatures,
tnefparse opens winmail.dat). :mod:`loops` tells automatic mail (RFC 3834) from a person's,
:mod:`threads` reads and writes the ``[#NUMBER]`` tag and Message-ID chains, :mod:`compose`
builds outgoing mail, :mod:`urls` reads the ``ATIENDE_IMAP_URL`` / ``ATIENDE_SMTP_URL`` settings.
"""
