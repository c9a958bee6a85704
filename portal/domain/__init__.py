"""Pure domain rules: no Flask, no database. Each takes plain values and is tested directly."""
