"""Wall clock actor: live steps aligned to UTC boundaries, never faster than real time."""
