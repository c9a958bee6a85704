"""Mail in, the pure part: read a received message, cut its quoted history, spot loops and
bounces, and match a reply to its request by a signed token. No Flask, no database: the
mail channel (listener, fetcher, services) calls these and decides what to store."""
