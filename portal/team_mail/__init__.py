"""Mail as a channel: mail to a team's address raises requests and lands replies (intake,
landing), taken by an LMTP listener or an IMAP fetcher; what cannot land waits on the
team's mail page (views) for a member.

The blueprint lives in views.py, not here: the package is imported by invitations (a new
contact's waiting mail lands when they join), and must not pull the views in with it."""
