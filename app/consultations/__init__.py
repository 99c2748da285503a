"""Consultations (PAR-01 … PAR-05, PAR-12 … PAR-14): officials ask, children answer on shared tablets,
guardians add their own view, facilitators enter paper answers; nothing lost or counted twice."""
