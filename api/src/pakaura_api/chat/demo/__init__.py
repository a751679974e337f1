"""The offline demo assistant (no AI provider needed)."""
