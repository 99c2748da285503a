"""Safeguarding (SG-01…SG-07, MP-06, MP-07, CON-15): every disclosure becomes a case acted on by a person."""
