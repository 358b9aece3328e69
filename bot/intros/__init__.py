"""Intros (learning pairs): opt-in programmes that introduce members who have not met."""
