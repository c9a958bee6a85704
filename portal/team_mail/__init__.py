"""Mail as a channel: mail to a team's address raises requests and lands replies (intake,
landing), taken by an LMTP listener or an IMAP fetcher; what cannot land waits on the
team's mail page for a member."""
