"""Request services shared by the customer side and the team workspace (no blueprint)."""
