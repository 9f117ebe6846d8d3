"""Compute: containers as processes, and the runners that drive jobs and fleets through them."""
